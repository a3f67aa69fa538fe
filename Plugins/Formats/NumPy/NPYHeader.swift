import USVCore

/// The header of a .npy file: a Python dict literal such as
/// `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }`. Parsed by a small recursive-descent
/// reader of exactly the literals NumPy writes (strings, True/False, integers, tuples), never evaluated.
struct NPYHeader: Equatable {
    var descr: String
    var fortranOrder: Bool
    var shape: [Int]

    struct Failure: Error {
        var reason: String
    }

    enum Literal: Equatable {
        case string(String)
        case bool(Bool)
        case integer(Int)
        case tuple([Literal])
    }

    static func parse(_ text: String) throws(Failure) -> NPYHeader {
        var reader = Reader(characters: Array(text.unicodeScalars))
        reader.skipSpace()
        try reader.expect("{")
        var entries: [String: Literal] = [:]
        while true {
            reader.skipSpace()
            if reader.peek() == "}" { reader.index += 1; break }
            guard case .string(let key) = try reader.literal() else { throw Failure(reason: "a key of the header dict is not a string") }
            reader.skipSpace()
            try reader.expect(":")
            reader.skipSpace()
            let value = try reader.literal()
            guard entries[key] == nil else { throw Failure(reason: "key '\(key)' appears twice in the header") }
            entries[key] = value
            reader.skipSpace()
            if reader.peek() == "," { reader.index += 1; continue }
            reader.skipSpace()
            try reader.expect("}")
            break
        }
        reader.skipSpace()
        guard reader.index == reader.characters.count else { throw Failure(reason: "text after the header dict") }
        guard Set(entries.keys) == ["descr", "fortran_order", "shape"] else {
            throw Failure(reason: "the header dict must have exactly the keys descr, fortran_order and shape; it has \(entries.keys.sorted())")
        }
        guard case .string(let descr)? = entries["descr"] else {
            throw Failure(reason: "'descr' is not a string (structured dtypes are not supported)")
        }
        guard case .bool(let fortran)? = entries["fortran_order"] else { throw Failure(reason: "'fortran_order' is not True or False") }
        guard case .tuple(let dimensions)? = entries["shape"] else { throw Failure(reason: "'shape' is not a tuple") }
        var shape: [Int] = []
        for dimension in dimensions {
            guard case .integer(let size) = dimension, size >= 0 else { throw Failure(reason: "'shape' holds something other than sizes ≥ 0") }
            shape.append(size)
        }
        return NPYHeader(descr: descr, fortranOrder: fortran, shape: shape)
    }

    /// The dict text NumPy writes for this header (without padding).
    var text: String {
        let dimensions = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        return "{'descr': '\(descr)', 'fortran_order': \(fortranOrder ? "True" : "False"), 'shape': \(dimensions), }"
    }

    struct Reader {
        var characters: [Unicode.Scalar]
        var index = 0

        func peek() -> Unicode.Scalar? { index < characters.count ? characters[index] : nil }

        mutating func skipSpace() {
            while let character = peek(), character == " " || character == "\t" || character == "\n" || character == "\r" { index += 1 }
        }

        mutating func expect(_ character: Unicode.Scalar) throws(Failure) {
            guard peek() == character else {
                throw Failure(reason: "expected '\(character)' at character \(index + 1) of the header, found \(peek().map { "'\($0)'" } ?? "the end")")
            }
            index += 1
        }

        mutating func literal() throws(Failure) -> Literal {
            guard let first = peek() else { throw Failure(reason: "the header ends inside the dict") }
            switch first {
            case "'", "\"":
                index += 1
                var text = ""
                while let character = peek(), character != first {
                    guard character != "\\" else { throw Failure(reason: "escapes in header strings are not supported") }
                    text.unicodeScalars.append(character)
                    index += 1
                }
                try expect(first)
                return .string(text)
            case "(":
                index += 1
                var items: [Literal] = []
                while true {
                    skipSpace()
                    if peek() == ")" { index += 1; break }
                    items.append(try literal())
                    skipSpace()
                    if peek() == "," { index += 1; continue }
                    try expect(")")
                    break
                }
                return .tuple(items)
            case "[":
                throw Failure(reason: "a list in the header: structured dtypes (descr lists) are not supported; save plain arrays")
            case "T", "F":
                let word = first == "T" ? "True" : "False"
                for character in word.unicodeScalars { try expect(character) }
                return .bool(first == "T")
            default:
                let start = index
                while let character = peek(), ("0"..."9").contains(character) { index += 1 }
                if peek() == "L" { index += 1 }  // Python 2 long literals in old files
                let digits = String(String.UnicodeScalarView(characters[start..<index].filter { $0 != "L" }))
                guard !digits.isEmpty, let value = Int(digits) else {
                    throw Failure(reason: "unexpected '\(first)' at character \(start + 1) of the header")
                }
                return .integer(value)
            }
        }
    }
}
