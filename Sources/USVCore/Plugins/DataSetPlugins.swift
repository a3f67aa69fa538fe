/// A published data set's layout: recognises it and says what it would ingest (issue #5 builds ingest on it).
public protocol DataSetAdapter: Plugin {
    /// True when the directory (or archive) at `root` has this data set's layout.
    func recognises(root: String) -> Bool
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
