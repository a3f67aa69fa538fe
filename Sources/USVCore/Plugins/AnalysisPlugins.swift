/// What a feature plugin consumes.
public enum FeatureInput: String, Codable, Sendable, CaseIterable {
    /// A whole recording, streamed (spectrogram, detector).
    case recordingAudio = "recording-audio"
    /// One USV's samples.
    case usvAudio = "usv-audio"
    /// One USV's spectrogram (properties, vectors, DNN input).
    case usvSpectrogram = "usv-spectrogram"
}

/// Turns audio or spectrograms into values the catalog stores, keyed by id + version + parameter fingerprint.
public protocol FeaturePlugin: Plugin {
    static var input: FeatureInput { get }
    /// Names of the values produced, in a stable, documented order.
    static var outputNames: [String] { get }
}

/// A feature plugin that finds USVs in a whole recording, streamed from disk.
public protocol USVDetecting: FeaturePlugin {
    /// Finds the USVs of one channel of a recording: a file, an in-memory file or an archive member. A
    /// multichannel recording with `.only` is an error that names its channels.
    func detect(recording: ByteSource, channel: ChannelSelection, parameters: ParameterValues) throws -> DetectionResult
}

extension USVDetecting {
    /// Finds the USVs of a mono recording.
    public func detect(recording: ByteSource, parameters: ParameterValues) throws -> DetectionResult {
        try detect(recording: recording, channel: .only, parameters: parameters)
    }

    public func detect(recordingAt path: String, channel: ChannelSelection = .only, parameters: ParameterValues) throws -> DetectionResult {
        try detect(recording: .file(path), channel: channel, parameters: parameters)
    }
}

/// One USV as per-USV feature plugins see it: its spectrogram frames (from its start to its stop) and times.
public struct USVFeatureInput: Sendable {
    public var spectrogram: Spectrogram
    public var startSeconds: Double
    public var stopSeconds: Double

    public init(spectrogram: Spectrogram, startSeconds: Double, stopSeconds: Double) {
        self.spectrogram = spectrogram
        self.startSeconds = startSeconds
        self.stopSeconds = stopSeconds
    }
}

/// Named scalar and vector outputs of a feature plugin.
public struct FeatureValues: Codable, Sendable, Equatable {
    public var scalars: [String: Double]
    public var vectors: [String: [Float]]

    public init(scalars: [String: Double] = [:], vectors: [String: [Float]] = [:]) {
        self.scalars = scalars
        self.vectors = vectors
    }
}

/// A feature plugin computed from one USV's spectrogram (properties, vectors, extended set, DNN input).
public protocol USVFeatureComputing: FeaturePlugin {
    func compute(_ input: USVFeatureInput, parameters: ParameterValues) throws -> FeatureValues
}

/// What a model predicts.
public enum ModelTask: String, Codable, Sendable, CaseIterable {
    case sex, genotype, animal, direction, peaks, breaks, broadband

    /// The manual call properties: labelled by people, on the deposited USVs (the annotations), where the
    /// other tasks take their labels from the animal.
    public var isCallProperty: Bool { [.direction, .peaks, .breaks, .broadband].contains(self) }
}

/// How a model's inputs are scaled before training and prediction (fitted on the training samples only).
public enum InputScaling: String, Codable, Sendable {
    /// Each feature to mean 0 and deviation 1: scalar features of different units.
    case perFeature
    /// One mean and one deviation over all values: images, whose pixels must keep their relative levels (a
    /// pixel that is rarely on would otherwise be blown up into a spike).
    case global
}

/// A classifier run as a registered processor over catalog records.
public protocol ModelPlugin: Plugin {
    /// How the caller scales the inputs (default: per feature).
    static var inputScaling: InputScaling { get }
    /// Tasks the model can be trained for.
    static var tasks: [ModelTask] { get }
    /// The kinds of input it takes: `scalar-features` (a feature plugin's scalars) or `image` (DNN input).
    static var inputs: [String] { get }
    /// Trains on `samples` (features standardised by the caller). Deterministic for a seed.
    func fit(_ samples: LabelledSamples, parameters: ParameterValues, seed: UInt64) throws -> any FittedModel
    /// Rebuilds a trained model from its exported arrays (a model file), for `features` inputs and `classes`.
    func restore(_ arrays: [String: NamedArray], features: Int, classes: Int, parameters: ParameterValues) throws -> any FittedModel
}

extension ModelPlugin {
    public static var inputScaling: InputScaling { .perFeature }
    public var inputScaling: InputScaling { Self.inputScaling }
}

extension [String: NamedArray] {
    /// The array `name`, or a clear error naming the model file's missing piece.
    public func require(_ name: String, count: Int) throws -> [Double] {
        guard let array = self[name] else { throw USVError.unusable(path: "model file", reason: "array '\(name)' is missing") }
        guard array.values.count == count else {
            throw USVError.unusable(path: "model file", reason: "array '\(name)' has \(array.values.count) values, expected \(count)")
        }
        return array.values
    }
}
