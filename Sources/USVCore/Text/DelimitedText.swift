/// RFC 4180 delimited text (CSV, TSV, Raven's tab-separated tables): splitting into fields and joining
/// fields back, with the line each record starts on so that errors can point at it. In the core because the
/// table and the annotation plugins both read it, and plugins do not depend on each other.
public enum DelimitedText {
    /// One field as it stood in the file: whether it was quoted matters (an unquoted empty field is missing,
    /// `""` is an empty string; a quoted number is text).
    public struct Field: Sendable, Hashable {
        public var text: String
        public var quoted: Bool

        public init(_ text: String, quoted: Bool = false) {
            self.text = text
            self.quoted = quoted
        }
    }

    /// One record and the 1-based line it starts on.
    public struct Record: Sendable, Hashable {
        public var line: Int
        public var fields: [Field]

        public init(line: Int, fields: [Field]) {
            self.line = line
            self.fields = fields
        }
    }

    static let quote = UInt8(ascii: "\"")
    static let newline = UInt8(ascii: "\n")
    static let carriageReturn = UInt8(ascii: "\r")

    /// The text of `bytes` without a UTF-8 byte-order mark; malformed when it is not UTF-8.
    public static func text(_ bytes: [UInt8], path: String) throws -> [UInt8] {
        let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
        if String(validating: body, as: UTF8.self) == nil {
            var line = 1
            var valid = 0
            // Find the first bad byte to point at it: decode growing prefixes line by line.
            for (index, byte) in body.enumerated() where byte == newline {
                if String(validating: body[valid..<index], as: UTF8.self) == nil { break }
                valid = index + 1
                line += 1
            }
            throw USVError.malformed(path: path, location: "line \(line)", reason: "not UTF-8 text; save the file as UTF-8")
        }
        return body
    }

    /// The delimiter the first line uses most among comma, tab and semicolon (outside quotes), or
    /// `fallback` when none occurs.
    public static func sniffDelimiter(_ bytes: [UInt8], fallback: UInt8) -> UInt8 {
        var counts: [UInt8: Int] = [UInt8(ascii: ","): 0, UInt8(ascii: "\t"): 0, UInt8(ascii: ";"): 0]
        var inQuotes = false
        for byte in bytes.prefix(1 << 16) {
            if byte == quote { inQuotes.toggle(); continue }
            if !inQuotes && byte == newline { break }
            if !inQuotes, let count = counts[byte] { counts[byte] = count + 1 }
        }
        let best = counts.max { ($0.value, $0.key == fallback ? 1 : 0) < ($1.value, $1.key == fallback ? 1 : 0) }
        guard let best, best.value > 0 else { return fallback }
        return best.key
    }

    /// Splits `bytes` (UTF-8, without BOM) into records. Lines end with LF or CR LF; CR and LF inside quotes
    /// are data; blank lines are skipped. An unterminated quote or text after a closing quote is malformed.
    public static func records(_ bytes: [UInt8], delimiter: UInt8, path: String) throws -> [Record] {
        var records: [Record] = []
        var index = 0
        var line = 1
        let count = bytes.count
        while index < count {
            let recordLine = line
            var fields: [Field] = []
            var endOfRecord = false
            while !endOfRecord {
                var field: [UInt8] = []
                var quoted = false
                if index < count && bytes[index] == quote {
                    quoted = true
                    index += 1
                    var closed = false
                    while index < count {
                        let byte = bytes[index]
                        if byte == quote {
                            if index + 1 < count && bytes[index + 1] == quote {
                                field.append(quote)
                                index += 2
                                continue
                            }
                            index += 1
                            closed = true
                            break
                        }
                        if byte == newline { line += 1 }
                        field.append(byte)
                        index += 1
                    }
                    guard closed else {
                        throw USVError.malformed(path: path, location: "line \(recordLine)",
                                                 reason: "a quoted field is never closed; double the quotes inside it (\"\")")
                    }
                    let atEnd = index >= count || bytes[index] == delimiter || bytes[index] == newline
                        || (bytes[index] == carriageReturn && (index + 1 >= count || bytes[index + 1] == newline))
                    guard atEnd else {
                        throw USVError.malformed(path: path, location: "line \(line)",
                                                 reason: "text after a closing quote; quote the whole field")
                    }
                } else {
                    while index < count {
                        let byte = bytes[index]
                        if byte == delimiter || byte == newline { break }
                        if byte == carriageReturn && (index + 1 >= count || bytes[index + 1] == newline) { break }
                        field.append(byte)
                        index += 1
                    }
                }
                fields.append(Field(String(decoding: field, as: UTF8.self), quoted: quoted))
                if index >= count {
                    endOfRecord = true
                } else if bytes[index] == delimiter {
                    index += 1
                } else {
                    if bytes[index] == carriageReturn { index += 1 }
                    index += 1  // the LF
                    line += 1
                    endOfRecord = true
                }
            }
            let blank = fields.count == 1 && !fields[0].quoted && fields[0].text.isEmpty
            if !blank { records.append(Record(line: recordLine, fields: fields)) }
        }
        return records
    }

    /// One record as text: fields joined by `delimiter`, quoted where needed, ended by `lineEnding`.
    public static func line(_ fields: [Field], delimiter: UInt8, lineEnding: String) -> String {
        let separator = String(UnicodeScalar(delimiter))
        let text = fields.map { field -> String in
            let special = field.text.utf8.contains { $0 == delimiter || $0 == quote || $0 == newline || $0 == carriageReturn }
            guard field.quoted || special else { return field.text }
            return "\"" + field.text.replacingQuotes() + "\""
        }.joined(separator: separator)
        return text + lineEnding
    }
}

extension String {
    /// The text with every `"` doubled, as RFC 4180 quotes it.
    func replacingQuotes() -> String {
        var out = ""
        for character in self {
            if character == "\"" { out += "\"\"" } else { out.append(character) }
        }
        return out
    }
}
