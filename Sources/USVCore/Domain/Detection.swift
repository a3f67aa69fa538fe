/// One vocalization found in a recording by a detector.
public struct DetectedUSV: Codable, Sendable, Hashable {
    public var startSample: Int
    public var stopSample: Int
    public var startSeconds: Double
    public var stopSeconds: Double
    /// Lowest and highest frequency (Hz) of the spectral peak track within the USV.
    public var minimumFrequency: Double
    public var maximumFrequency: Double
    /// Largest and mean spectrogram magnitude of the peak track (linear units of the spectrogram).
    public var peakAmplitude: Double
    public var meanAmplitude: Double

    public init(startSample: Int, stopSample: Int, sampleRate: Int, minimumFrequency: Double, maximumFrequency: Double,
                peakAmplitude: Double, meanAmplitude: Double) {
        self.startSample = startSample
        self.stopSample = stopSample
        startSeconds = Double(startSample) / Double(sampleRate)
        stopSeconds = Double(stopSample) / Double(sampleRate)
        self.minimumFrequency = minimumFrequency
        self.maximumFrequency = maximumFrequency
        self.peakAmplitude = peakAmplitude
        self.meanAmplitude = meanAmplitude
    }

    public var duration: Double { stopSeconds - startSeconds }
}

/// What a detector found in one recording, with the facts needed to reproduce it.
public struct DetectionResult: Codable, Sendable {
    public var recording: String
    public var sampleRate: Int
    public var frames: Int
    public var duration: Double
    public var detector: String
    public var detectorVersion: String
    public var parameterFingerprint: String
    /// Automatic spectral-purity threshold chosen for this recording (the paper's detector only).
    public var purityThreshold: Double?
    /// Magnitude below which the sparse step zeroed bins (the paper's detector only; 0 when the step is off).
    public var sparseThreshold: Double?
    public var usvs: [DetectedUSV]

    public init(recording: String, sampleRate: Int, frames: Int, duration: Double, detector: String,
                detectorVersion: String, parameterFingerprint: String, purityThreshold: Double?,
                sparseThreshold: Double?, usvs: [DetectedUSV]) {
        self.recording = recording
        self.sampleRate = sampleRate
        self.frames = frames
        self.duration = duration
        self.detector = detector
        self.detectorVersion = detectorVersion
        self.parameterFingerprint = parameterFingerprint
        self.purityThreshold = purityThreshold
        self.sparseThreshold = sparseThreshold
        self.usvs = usvs
    }
}
