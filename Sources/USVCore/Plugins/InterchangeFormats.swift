/// The formats people exchange around the catalog: tables (CSV, TSV, JSON Lines), annotation intervals
/// (crowsetta generic-seq, Raven, Audacity) and n-d arrays (NumPy). Each reader takes a `ByteSource` so it
/// reads archive members in place; each writer writes atomically to a path and can also return the bytes
/// (for bundling into an archive without a temporary file).

/// Where a table's column names come from when reading.
public enum TableHeader: Sendable, Hashable {
    /// Decide from the content: a first row of non-numeric names above rows with numbers is a header;
    /// otherwise the names come from the file name (`features_fileid_animalid.csv`) when the count fits,
    /// else `column1`, `column2`, ….
    case automatic
    /// The first row holds the names.
    case firstRow
    /// No header row; names from the file name when the count fits, else `column1`, ….
    case none
    /// No header row; these names.
    case names([String])
}

/// How to read a table.
public struct TableReadOptions: Sendable, Hashable {
    public var header: TableHeader
    /// The field separator; nil sniffs it from the first line (comma, tab, semicolon). Ignored by JSON Lines.
    public var delimiter: Character?
    /// Turn columns whose every value is an integer, a number or true/false into typed cells; off keeps
    /// everything as text (empty unquoted fields stay missing).
    public var inferTypes: Bool
    /// Refuse sources larger than this many bytes.
    public var maximumBytes: Int
    /// A text cell in a column of numbers is an error naming its line and column; `lenient` keeps such a column
    /// as text instead, and the table's `notes` say how many cells made it so.
    public var lenient: Bool

    public init(header: TableHeader = .automatic, delimiter: Character? = nil, inferTypes: Bool = true,
                maximumBytes: Int = 1 << 32, lenient: Bool = false) {
        self.header = header
        self.delimiter = delimiter
        self.inferTypes = inferTypes
        self.maximumBytes = maximumBytes
        self.lenient = lenient
    }
}

/// How to write a table.
public struct TableWriteOptions: Sendable, Hashable {
    /// Write the column names as the first row (delimited text only).
    public var header: Bool
    /// End lines with CR LF (RFC 4180) instead of LF.
    public var crlf: Bool

    public init(header: Bool = true, crlf: Bool = false) {
        self.header = header
        self.crlf = crlf
    }
}

/// A format that reads tables.
public protocol TableReading: FormatPlugin {
    func readTable(from source: ByteSource, options: TableReadOptions) throws -> DataTable
}

/// A format that writes tables.
public protocol TableWriting: FormatPlugin {
    /// The encoded bytes of `table`.
    func encodeTable(_ table: DataTable, options: TableWriteOptions) throws -> [UInt8]
}

extension TableWriting {
    /// Writes `table` to `path` atomically.
    public func writeTable(_ table: DataTable, to path: String, options: TableWriteOptions = TableWriteOptions()) throws {
        try writeWholeFile(path, bytes: try encodeTable(table, options: options))
    }
}

/// A format that reads annotation intervals.
public protocol AnnotationReading: FormatPlugin {
    /// The intervals of `source`. Formats that do not name the recording inside the file (Raven without a
    /// "Begin File" column, Audacity) attribute every interval to `recording`, or to the annotation file's
    /// name without its extension when nil.
    func readAnnotations(from source: ByteSource, recording: String?) throws -> [AnnotatedInterval]
}

/// An annotation reader whose labels come from one of several columns (Raven selection tables: Annotation, Label,
/// Species, …), so that a person can name the column (`--label-column`) and labels are never dropped unseen.
public protocol LabelColumnChoosing: AnnotationReading {
    /// The columns tried in order when none is chosen.
    static var labelColumns: [String] { get }
    /// The same reader, reading labels from `column` (nil: the first present of `labelColumns`).
    func choosingLabelColumn(_ column: String?) -> any AnnotationReading
}

/// A format that writes annotation intervals.
public protocol AnnotationWriting: FormatPlugin {
    /// The encoded bytes; `fileName` is the name the file will have (generic-seq records it).
    func encodeAnnotations(_ intervals: [AnnotatedInterval], fileName: String) throws -> [UInt8]
}

extension AnnotationWriting {
    /// Writes `intervals` to `path` atomically.
    public func writeAnnotations(_ intervals: [AnnotatedInterval], to path: String) throws {
        try writeWholeFile(path, bytes: try encodeAnnotations(intervals, fileName: FilePaths.lastComponent(path)))
    }
}

/// A format that reads n-d arrays (one for .npy, several for .npz).
public protocol ArrayReading: FormatPlugin {
    func readArrays(from source: ByteSource) throws -> [NDArray]
}

/// A format that writes n-d arrays. Single-array formats refuse more than one.
public protocol ArrayWriting: FormatPlugin {
    func writeArrays(_ arrays: [NDArray], to path: String) throws
}

extension TableReading {
    /// Reads with the default options (automatic header, sniffed delimiter, typed columns).
    public func readTable(from source: ByteSource) throws -> DataTable {
        try readTable(from: source, options: TableReadOptions())
    }
}

extension AnnotationReading {
    /// Reads, attributing intervals without a recording to the annotation file's stem.
    public func readAnnotations(from source: ByteSource) throws -> [AnnotatedInterval] {
        try readAnnotations(from: source, recording: nil)
    }
}
