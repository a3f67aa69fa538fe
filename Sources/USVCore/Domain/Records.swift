/// An animal as the data set names it. `dataSetAnimalID` follows the original code's convention for the
/// Sex recordings (female NN → NN, male NN → NN + 10); `originalName` keeps the name it was derived from.
public struct Animal: Codable, Sendable, Hashable {
    public var dataSetAnimalID: Int
    public var originalName: String
    public var sex: Sex?
    public var genotype: Genotype
    /// The partner in the recording (the Donders recordings pair an awake resident with an anaesthetised female).
    public var partner: String?

    public init(dataSetAnimalID: Int, originalName: String, sex: Sex?, genotype: Genotype, partner: String?) {
        self.dataSetAnimalID = dataSetAnimalID
        self.originalName = originalName
        self.sex = sex
        self.genotype = genotype
        self.partner = partner
    }
}

/// One audio recording, on disk or inside an archive.
public struct RecordingInfo: Codable, Sendable, Hashable {
    /// Path relative to the data-set root.
    public var path: String
    /// Member path when the recording sits inside the archive at `path`.
    public var archiveMember: String?
    public var sha256: String?
    public var audio: AudioInfo

    public init(path: String, archiveMember: String?, sha256: String?, audio: AudioInfo) {
        self.path = path
        self.archiveMember = archiveMember
        self.sha256 = sha256
        self.audio = audio
    }
}

/// The manual or automatic call properties the Donders data set labels.
public struct CallProperties: Codable, Sendable, Hashable {
    /// −1 down, 0 flat, 1 up.
    public var direction: Int
    /// Number of frequency peaks, 0…3 (larger values capped at 3).
    public var peaks: Int
    /// Number of breaks (frequency jumps), 0…3 (capped).
    public var breaks: Int
    /// Fraction 0…1 of the call that is broadband.
    public var broadband: Double
    /// Fraction 0…1 with tremolo (fast frequency modulation).
    public var tremolo: Double
    /// 0…1 complexity score.
    public var complex: Double

    public init(direction: Int, peaks: Int, breaks: Int, broadband: Double, tremolo: Double, complex: Double) {
        self.direction = direction
        self.peaks = min(max(peaks, 0), 3)
        self.breaks = min(max(breaks, 0), 3)
        self.broadband = broadband
        self.tremolo = tremolo
        self.complex = complex
    }
}
