import USVCore

/// Shared pieces of the annotation readers: header lookup, numbers with line numbers, the default
/// recording name and content sniffing of the first line.
enum AnnotationText {
    /// The first line of `head` (without BOM and line end), for content sniffing.
    static func firstLine(_ head: [UInt8]) -> String {
        let body = head.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(head.dropFirst(3)) : head
        let line = body.prefix { $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: "\r") }
        return String(decoding: line, as: UTF8.self)
    }

    /// The recording intervals are attributed to when the file does not say: the caller's, else the
    /// annotation file's name without its extension.
    static func recording(_ given: String?, source: ByteSource) -> String {
        if let given { return given }
        let name = source.fileName
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return name }
        return String(name[..<dot])
    }

    /// A decimal number from a field, or a malformed error naming the line and column.
    static func number(_ text: String, column: String, line: Int, path: String) throws -> Double {
        guard let value = CellTyping.parseDouble(text.trimmingSpaces), value.isFinite else {
            throw USVError.malformed(path: path, location: "line \(line)", reason: "\(column) '\(text.visibleEscapes)' is not a number")
        }
        return value
    }

    /// An optional number: empty is nil.
    static func optionalNumber(_ text: String, column: String, line: Int, path: String) throws -> Double? {
        text.trimmingSpaces.isEmpty ? nil : try number(text, column: column, line: line, path: path)
    }

    static func integer(_ text: String, column: String, line: Int, path: String) throws -> Int64 {
        guard let value = Int64(text.trimmingSpaces) else {
            throw USVError.malformed(path: path, location: "line \(line)", reason: "\(column) '\(text.visibleEscapes)' is not an integer")
        }
        return value
    }

    /// Header and records of delimited `source`; malformed when it has no header row. Without `quoting`
    /// every delimiter and line end separates (Raven writes no quotes, so a label may start with one).
    static func records(_ source: ByteSource, delimiter: UInt8, quoting: Bool = true) throws -> (header: [String], rows: [DelimitedText.Record]) {
        let path = source.description
        let bytes = try DelimitedText.text(try source.readAll(limit: 1 << 30), path: path)
        let records = quoting ? try DelimitedText.records(bytes, delimiter: delimiter, path: path) : plainRecords(bytes, delimiter: delimiter)
        guard let first = records.first else { throw USVError.unusable(path: path, reason: "empty file: no header row") }
        let header = first.fields.map { $0.text.trimmingSpaces }
        for record in records.dropFirst() where record.fields.count != header.count {
            throw USVError.malformed(path: path, location: "line \(record.line)",
                                     reason: "\(record.fields.count) fields where the header has \(header.count)")
        }
        return (header, Array(records.dropFirst()))
    }
}

/// Lines split at LF (a trailing CR dropped) and fields at `delimiter`, with no quoting; blank lines skipped.
func plainRecords(_ bytes: [UInt8], delimiter: UInt8) -> [DelimitedText.Record] {
    var records: [DelimitedText.Record] = []
    for (index, line) in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
        let content = line.last == UInt8(ascii: "\r") ? line.dropLast() : line
        if content.isEmpty { continue }
        let fields = content.split(separator: delimiter, omittingEmptySubsequences: false).map {
            DelimitedText.Field(String(decoding: $0, as: UTF8.self))
        }
        records.append(DelimitedText.Record(line: index + 1, fields: fields))
    }
    return records
}

extension String {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
