/// One labelled stretch of a recording, as the annotation tools of the field exchange them (crowsetta's
/// generic-seq rows, Raven selections, Audacity labels). Times are seconds from the start of the recording.
public struct AnnotatedInterval: Sendable, Hashable, Codable {
    /// The audio file or recording the interval belongs to (a path or file name, as the source states it).
    public var recording: String
    public var onset: Double
    public var offset: Double
    public var label: String
    /// The frequency band, when the tool records one (Raven, Audacity spectral selections).
    public var lowFrequency: Double?
    public var highFrequency: Double?
    /// 1-based channel (Raven's convention); 1 when the source has none.
    public var channel: Int
    /// Sample indices, when the source states them (generic-seq's onset_sample/offset_sample).
    public var onsetSample: Int64?
    public var offsetSample: Int64?

    public init(recording: String, onset: Double, offset: Double, label: String, lowFrequency: Double? = nil,
                highFrequency: Double? = nil, channel: Int = 1, onsetSample: Int64? = nil, offsetSample: Int64? = nil) {
        self.recording = recording
        self.onset = onset
        self.offset = offset
        self.label = label
        self.lowFrequency = lowFrequency
        self.highFrequency = highFrequency
        self.channel = channel
        self.onsetSample = onsetSample
        self.offsetSample = offsetSample
    }

    public var duration: Double { offset - onset }
}
