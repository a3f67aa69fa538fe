import USVCore

/// JSON Lines: one flat JSON object per line. Columns are the keys in the order first seen; a key absent
/// from a line, or null, is a missing cell. Integers without a point or exponent stay integers. Writing
/// leaves missing cells out (so optional fields stay absent, as the JSON Schemas in `schemas/` expect) and
/// writes non-finite doubles as null, since JSON has no NaN.
public struct JSONLinesFormat: TableReading, TableWriting {
    public static let descriptor = PluginDescriptor(
        id: "format.jsonl", version: "0.1.0", kind: .format,
        summary: "JSON Lines tables (one flat object per line; key order kept)",
        capabilities: ["read", "write", "sniff", "table", "archive-members"])
    public static let fileExtensions = ["jsonl", "ndjson"]

    public init() {}

    public func sniff(head: [UInt8], fileName: String) -> SniffConfidence {
        if Self.fileExtensions.contains(fileName.fileExtension) { return .byExtension }
        return .no
    }

    public func readTable(from source: ByteSource, options: TableReadOptions = TableReadOptions()) throws -> DataTable {
        let path = source.description
        let bytes = try DelimitedText.text(try source.readAll(limit: options.maximumBytes), path: path)
        var columns: [String] = []
        var columnIndex: [String: Int] = [:]
        var objects: [[(Int, TableCell)]] = []
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            lineNumber += 1
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            let line = bytes[start..<end]
            start = end + 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            do {
                let members = try JSONLine.parse(line)
                objects.append(members.map { key, value in
                    if let index = columnIndex[key] { return (index, value) }
                    columnIndex[key] = columns.count
                    columns.append(key)
                    return (columns.count - 1, value)
                })
            } catch {
                throw USVError.malformed(path: path, location: "line \(lineNumber), column \(error.column)", reason: error.reason)
            }
        }
        let rows = objects.map { members in
            var row = [TableCell](repeating: .missing, count: columns.count)
            for (index, value) in members {
                row[index] = options.inferTypes || value == .missing ? value : .text(value.description)
            }
            return row
        }
        return try DataTable(columns: columns, rows: rows)
    }

    public func encodeTable(_ table: DataTable, options: TableWriteOptions = TableWriteOptions()) throws -> [UInt8] {
        let keys = table.columns.map(JSONLine.quoted)
        var text = ""
        for row in table.rows {
            var members: [String] = []
            for (key, cell) in zip(keys, row) {
                switch cell {
                case .missing: continue
                case .integer(let value): members.append("\(key):\(value)")
                case .double(let value): members.append("\(key):\(value.isFinite ? TableCell.text(of: value) : "null")")
                case .boolean(let value): members.append("\(key):\(value)")
                case .text(let value): members.append("\(key):\(JSONLine.quoted(value))")
                }
            }
            text += "{" + members.joined(separator: ",") + "}" + (options.crlf ? "\r\n" : "\n")
        }
        return Array(text.utf8)
    }
}
