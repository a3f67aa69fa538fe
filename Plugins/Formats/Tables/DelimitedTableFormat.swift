import USVCore

/// What the CSV and TSV plugins share: sniffing and the read/write entry points over `DelimitedTable`.
public protocol DelimitedTableFormat: TableReading, TableWriting {
    /// The delimiter written, and read when sniffing finds none.
    static var delimiter: UInt8 { get }
}

extension DelimitedTableFormat {
    public func readTable(from source: ByteSource, options: TableReadOptions = TableReadOptions()) throws -> DataTable {
        try DelimitedTable.read(source, options: options, defaultDelimiter: Self.delimiter)
    }

    public func encodeTable(_ table: DataTable, options: TableWriteOptions = TableWriteOptions()) throws -> [UInt8] {
        DelimitedTable.encode(table, options: options, delimiter: Self.delimiter)
    }
}

/// Comma-separated values (RFC 4180) with or without a header row, LF or CR LF, with or without a UTF-8 BOM,
/// including the Donders tables that name their columns in the file name. Plain text has no magic bytes,
/// so it is recognised by extension only (annotation formats that are CSV claim their files by content).
public struct CSVTableFormat: DelimitedTableFormat {
    public static let descriptor = PluginDescriptor(
        id: "format.csv", version: "0.1.0", kind: .format,
        summary: "CSV tables (RFC 4180; header row, none, or names in the file name; typed columns)",
        capabilities: ["read", "write", "sniff", "table", "archive-members"])
    public static let fileExtensions = ["csv"]
    public static let delimiter = UInt8(ascii: ",")

    public init() {}
}

/// Tab-separated values, read and written like CSV with a tab.
public struct TSVTableFormat: DelimitedTableFormat {
    public static let descriptor = PluginDescriptor(
        id: "format.tsv", version: "0.1.0", kind: .format,
        summary: "TSV tables (tab-separated; header row, none, or names in the file name; typed columns)",
        capabilities: ["read", "write", "sniff", "table", "archive-members"])
    public static let fileExtensions = ["tsv", "tab"]
    public static let delimiter = UInt8(ascii: "\t")

    public init() {}
}
