/// A published data set's layout: recognises it, plans what to ingest, and reads its deposited tables.
/// The core runs the plan (verification, detection, the catalog); the adapter only knows the layout.
public protocol DataSetAdapter: Plugin {
    /// True when the directory (or archive) at `root` has this data set's layout.
    func recognises(root: String) -> Bool
    /// What there is to ingest under `root`, and what is skipped and why. Animals whose name or id is in
    /// `excludedAnimals` are left out (reported as skipped).
    func plan(root: String, excludedAnimals: Set<String>) throws -> IngestPlan
    /// Reads one deposited table of the plan, with format plugins from `formats` where it needs one (the
    /// per-USV MAT-files). Throws `USVError.malformed` naming the file and line or member.
    func readTable(_ table: PlannedTable, root: String, formats: PluginRegistry) throws -> DepositedTable
    /// Where a planned recording's bytes are: a file, a member of the root archive, or (for an archive inside
    /// the root archive) bytes in memory.
    func source(for recording: PlannedRecording, root: String) throws -> ByteSource
}

/// Who published a data set and under which terms.
public struct DataSetDescription: Codable, Sendable, Hashable {
    public var name: String
    public var handle: String?
    public var licence: String?
    public var acknowledgement: String?

    public init(name: String, handle: String?, licence: String?, acknowledgement: String?) {
        self.name = name
        self.handle = handle
        self.licence = licence
        self.acknowledgement = acknowledgement
    }
}

/// One recording to ingest: its place (a file, or a member of an archive file) and its animal.
public struct PlannedRecording: Sendable, Hashable {
    /// Path relative to the data-set root of the file (the archive, for members).
    public var path: String
    public var archiveMember: String?
    public var animal: Animal

    public init(path: String, archiveMember: String?, animal: Animal) {
        self.path = path
        self.archiveMember = archiveMember
        self.animal = animal
    }

    /// A stable name for reports: `path` or `path//member`.
    public var displayName: String { archiveMember.map { "\(path)//\($0)" } ?? path }
}

/// A deposited table to read.
public struct PlannedTable: Sendable, Hashable {
    public enum Kind: String, Sendable, Codable {
        case features, labels
        /// An archive of per-USV MAT-files (`dataNNNNNNNNN.mat` with a struct `v`): positions of deposited USVs.
        case perUSVFiles = "per-usv-files"
    }
    public var path: String
    public var kind: Kind
    /// Column names (from the file name for the Donders tables, which have no header row).
    public var columns: [String]
    /// Who made the values: `deposited-features`, `human1`, `human2`, …
    public var annotator: String

    public init(path: String, kind: Kind, columns: [String], annotator: String) {
        self.path = path
        self.kind = kind
        self.columns = columns
        self.annotator = annotator
    }
}

/// A file or member left out, and why.
public struct SkippedItem: Codable, Sendable, Hashable {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
}

/// Everything an adapter found.
public struct IngestPlan: Sendable {
    public var dataSet: DataSetDescription
    public var recordings: [PlannedRecording]
    public var tables: [PlannedTable]
    public var skipped: [SkippedItem]

    public init(dataSet: DataSetDescription, recordings: [PlannedRecording], tables: [PlannedTable], skipped: [SkippedItem]) {
        self.dataSet = dataSet
        self.recordings = recordings
        self.tables = tables
        self.skipped = skipped
    }
}

/// One row of a deposited table, with its line number.
public struct DepositedRow: Sendable, Hashable {
    public var line: Int
    public var fileID: Int
    /// The data-set animal id and sex, where the table has them.
    public var animalID: Int?
    public var sex: Sex?
    /// The numeric columns by name (duration, avgfreq, avgvol, …).
    public var values: [String: Double]
    public var properties: CallProperties?
    /// Text values (the recording name of a per-USV file).
    public var strings: [String: String] = [:]
    /// The archive member the row came from (per-USV files).
    public var member: String?

    public init(line: Int, fileID: Int, animalID: Int?, sex: Sex?, values: [String: Double], properties: CallProperties?) {
        self.line = line
        self.fileID = fileID
        self.animalID = animalID
        self.sex = sex
        self.values = values
        self.properties = properties
    }
}

/// A deposited table as read.
public struct DepositedTable: Sendable {
    public var table: PlannedTable
    public var rows: [DepositedRow]

    public init(table: PlannedTable, rows: [DepositedRow]) {
        self.table = table
        self.rows = rows
    }
}

/// Options for generating a data set.
public struct GenerationOptions: Sendable, Hashable {
    public var scale: String
    public var seed: UInt64
    /// Extra named options a source declares in its descriptor's parameters.
    public var parameters: ParameterValues

    public init(scale: String, seed: UInt64, parameters: ParameterValues = ParameterValues()) {
        self.scale = scale
        self.seed = seed
        self.parameters = parameters
    }
}

/// What a generator wrote.
public struct GenerationSummary: Sendable, Codable, Hashable {
    public var root: String
    public var files: Int
    public var bytes: Int64
    public var recordings: Int
    public var vocalizations: Int
    public var seconds: Double

    public init(root: String, files: Int, bytes: Int64, recordings: Int, vocalizations: Int, seconds: Double) {
        self.root = root
        self.files = files
        self.bytes = bytes
        self.recordings = recordings
        self.vocalizations = vocalizations
        self.seconds = seconds
    }
}

/// Produces a whole data set in a directory (the synthetic twin of the Donders data set is one).
public protocol DataSetSource: Plugin {
    /// Scale names, smallest first (`tiny`, `small`, `paper`).
    static var scales: [String] { get }
    /// Writes the data set into `directory` (created if missing; must be empty). Never writes elsewhere.
    func generate(into directory: String, options: GenerationOptions,
                  progress: any ProgressReporter) throws -> GenerationSummary
}

extension DataSetAdapter {
    /// Reads a table that needs no format plugin.
    public func readTable(_ table: PlannedTable, root: String) throws -> DepositedTable {
        try readTable(table, root: root, formats: PluginRegistry())
    }
}
