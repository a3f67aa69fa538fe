/// What a plugin is for. The registry groups plugins by kind; the CLI picks them by kind and id.
public enum PluginKind: String, Codable, Sendable, CaseIterable, Comparable {
    /// Reads and/or writes a file format (audio, tables, MATLAB, HDF5, annotations, archives).
    case format
    /// Turns audio or spectrograms into features (spectrogram, detector, properties, vectors).
    case feature
    /// A classifier or regressor that trains, evaluates and predicts over catalog records.
    case model
    /// Recognises a published data set's layout and ingests it into the catalog.
    case dataSetAdapter = "dataset-adapter"
    /// Produces a data set (for example a synthetic twin of a published one).
    case dataSetSource = "dataset-source"

    public static func < (lhs: PluginKind, rhs: PluginKind) -> Bool {
        (allCases.firstIndex(of: lhs) ?? 0) < (allCases.firstIndex(of: rhs) ?? 0)
    }
}

/// One tunable parameter of a plugin, with its default. Parameter values are part of the cache key of any
/// output a plugin produces, so the defaults are stated here rather than buried in code.
public struct PluginParameter: Codable, Sendable, Hashable {
    public var name: String
    public var type: String
    public var defaultValue: String
    public var summary: String

    public init(_ name: String, type: String, default defaultValue: String, _ summary: String) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.summary = summary
    }

    enum CodingKeys: String, CodingKey { case name, type, defaultValue = "default", summary }
}

/// The stable identity and declared abilities of a plugin.
public struct PluginDescriptor: Codable, Sendable, Hashable {
    /// Stable id, `kind.name` style (`format.wav`, `dataset-source.donders-synth`). Never reused.
    public var id: String
    /// Semantic version; bump it whenever outputs for the same inputs and parameters change.
    public var version: String
    public var kind: PluginKind
    /// One line for `usv plugins`.
    public var summary: String
    /// Declared capabilities, e.g. `read`, `write`, `sniff`, `archive-members`, `train`, `predict`.
    public var capabilities: [String]
    public var parameters: [PluginParameter]

    public init(id: String, version: String, kind: PluginKind, summary: String,
                capabilities: [String], parameters: [PluginParameter] = []) {
        self.id = id
        self.version = version
        self.kind = kind
        self.summary = summary
        self.capabilities = capabilities
        self.parameters = parameters
    }
}

/// Every plugin describes itself; the kind-specific protocols add what it does.
public protocol Plugin: Sendable {
    static var descriptor: PluginDescriptor { get }
}

extension Plugin {
    public var descriptor: PluginDescriptor { Self.descriptor }
}
