import USVCore

/// One JSON Lines record: a flat JSON object parsed with its key order kept (Foundation's parser loses it,
/// and the order is the table's column order). Nested arrays and objects are refused: a table cell holds
/// one value.
enum JSONLine {
    struct Failure: Error {
        var column: Int
        var reason: String
    }

    /// The members of the object on `line`, in order.
    static func parse(_ line: ArraySlice<UInt8>) throws(Failure) -> [(String, TableCell)] {
        var parser = Parser(bytes: Array(line))
        parser.skipSpace()
        try parser.expect(UInt8(ascii: "{"))
        var members: [(String, TableCell)] = []
        parser.skipSpace()
        if parser.peek() == UInt8(ascii: "}") {
            parser.index += 1
        } else {
            while true {
                parser.skipSpace()
                let key = try parser.string()
                parser.skipSpace()
                try parser.expect(UInt8(ascii: ":"))
                parser.skipSpace()
                let value = try parser.value()
                if members.contains(where: { $0.0 == key }) {
                    throw Failure(column: parser.index, reason: "key '\(key)' appears twice")
                }
                members.append((key, value))
                parser.skipSpace()
                if parser.peek() == UInt8(ascii: ",") { parser.index += 1; continue }
                try parser.expect(UInt8(ascii: "}"))
                break
            }
        }
        parser.skipSpace()
        guard parser.index == parser.bytes.count else { throw Failure(column: parser.index + 1, reason: "text after the object") }
        return members
    }

    struct Parser {
        var bytes: [UInt8]
        var index = 0

        func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func skipSpace() {
            while let byte = peek(), byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A { index += 1 }
        }

        mutating func expect(_ byte: UInt8) throws(Failure) {
            guard peek() == byte else {
                let seen = peek().map { "'\(String(UnicodeScalar($0)).visibleEscapes)'" } ?? "the end of the line"
                throw Failure(column: index + 1, reason: "expected '\(String(UnicodeScalar(byte)))', found \(seen)")
            }
            index += 1
        }

        mutating func literal(_ word: String) throws(Failure) {
            for byte in word.utf8 { try expect(byte) }
        }

        mutating func value() throws(Failure) -> TableCell {
            switch peek() {
            case UInt8(ascii: "\""): return .text(try string())
            case UInt8(ascii: "t"): try literal("true"); return .boolean(true)
            case UInt8(ascii: "f"): try literal("false"); return .boolean(false)
            case UInt8(ascii: "n"): try literal("null"); return .missing
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                throw Failure(column: index + 1, reason: "nested objects and arrays are not table cells; flatten them")
            default: return try number()
            }
        }

        mutating func number() throws(Failure) -> TableCell {
            let start = index
            var integral = true
            while let byte = peek(), (byte >= 0x30 && byte <= 0x39) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+")
                    || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
                if !(byte >= 0x30 && byte <= 0x39) && byte != UInt8(ascii: "-") { integral = false }
                if byte == UInt8(ascii: "-") && index != start { integral = false }
                index += 1
            }
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            guard !text.isEmpty, isJSONNumber(text) else {
                throw Failure(column: start + 1, reason: text.isEmpty ? "expected a value" : "'\(text)' is not a JSON number")
            }
            if integral, let value = Int64(text) { return .integer(value) }
            guard let value = Double(text) else { throw Failure(column: start + 1, reason: "'\(text)' is not a number") }
            return .double(value)
        }

        /// JSON's number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
        func isJSONNumber(_ text: String) -> Bool {
            var characters = Array(text.utf8)[...]
            func digits() -> Int {
                var count = 0
                while let first = characters.first, first >= 0x30 && first <= 0x39 { characters.removeFirst(); count += 1 }
                return count
            }
            if characters.first == UInt8(ascii: "-") { characters.removeFirst() }
            if characters.first == UInt8(ascii: "0") {
                characters.removeFirst()
            } else if digits() == 0 {
                return false
            }
            if characters.first == UInt8(ascii: ".") {
                characters.removeFirst()
                if digits() == 0 { return false }
            }
            if characters.first == UInt8(ascii: "e") || characters.first == UInt8(ascii: "E") {
                characters.removeFirst()
                if characters.first == UInt8(ascii: "+") || characters.first == UInt8(ascii: "-") { characters.removeFirst() }
                if digits() == 0 { return false }
            }
            return characters.isEmpty
        }

        mutating func hex4() throws(Failure) -> UInt32 {
            guard index + 4 <= bytes.count, let value = UInt32(String(decoding: bytes[index..<(index + 4)], as: UTF8.self), radix: 16) else {
                throw Failure(column: index + 1, reason: "bad \\u escape")
            }
            index += 4
            return value
        }

        mutating func string() throws(Failure) -> String {
            try expect(UInt8(ascii: "\""))
            var out: [UInt8] = []
            while true {
                guard let byte = peek() else { throw Failure(column: index + 1, reason: "a string is never closed") }
                index += 1
                if byte == UInt8(ascii: "\"") { break }
                if byte < 0x20 { throw Failure(column: index, reason: "a control character inside a string must be escaped") }
                guard byte == UInt8(ascii: "\\") else { out.append(byte); continue }
                guard let escape = peek() else { throw Failure(column: index + 1, reason: "a string is never closed") }
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard peek() == UInt8(ascii: "\\") else { throw Failure(column: index + 1, reason: "a lone surrogate in a \\u escape") }
                        index += 1
                        try expect(UInt8(ascii: "u"))
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw Failure(column: index, reason: "a lone surrogate in a \\u escape") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let unicode = UnicodeScalar(scalar) else { throw Failure(column: index, reason: "a lone surrogate in a \\u escape") }
                    out.append(contentsOf: Array(String(Character(unicode)).utf8))
                default:
                    throw Failure(column: index, reason: "unknown escape '\\\(String(UnicodeScalar(escape)))'")
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// A JSON string literal.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
