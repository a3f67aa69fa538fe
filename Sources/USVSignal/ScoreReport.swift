/// What `usv score --json` writes (and `usv detect --truth … --json` under `score`):
/// schemas/score-report.schema.json. Times in seconds, boundary errors in milliseconds.
public struct DetectionScoreReport: Codable, Sendable, Hashable {
    public var schemaVersion = 1
    /// Onset tolerance of the event matching, seconds.
    public var tolerance: Double
    /// Width of the temporal bins, seconds.
    public var binWidth: Double
    public var recordings: [RecordingScoreReport]
    /// Counts summed over the recordings (bins concatenated), boundary errors of every matched pair.
    public var pooled: ScoreFiguresReport
    /// Truth files that no found file matched by name (they make `usv score` exit 1).
    public var unmatchedTruthFiles: [String]
    /// Found files that no truth file matched (listed, not scored).
    public var unmatchedFoundFiles: [String]

    public init(scorer: EventScorer, recordings: [(entry: RecordingScoreReport.Source, score: RecordingScore)],
                unmatchedTruthFiles: [String] = [], unmatchedFoundFiles: [String] = []) {
        tolerance = scorer.tolerance
        binWidth = scorer.binWidth
        self.recordings = recordings.map { RecordingScoreReport(source: $0.entry, score: $0.score) }
        pooled = ScoreFiguresReport(ScoreSummary.pooled(recordings.map(\.score)))
        self.unmatchedTruthFiles = unmatchedTruthFiles
        self.unmatchedFoundFiles = unmatchedFoundFiles
    }
}

/// Every figure of one recording or of the pool.
public struct ScoreFiguresReport: Codable, Sendable, Hashable {
    public struct Events: Codable, Sendable, Hashable {
        public var truePositives: Int
        public var falsePositives: Int
        public var falseNegatives: Int
        public var precision: Double
        public var recall: Double
        public var f1: Double
    }

    public struct Temporal: Codable, Sendable, Hashable {
        public var bins: Int
        public var truePositiveBins: Int
        public var falsePositiveBins: Int
        public var falseNegativeBins: Int
        public var precision: Double
        public var recall: Double
        public var f1: Double
    }

    public var truthCalls: Int
    public var foundCalls: Int
    public var events: Events
    public var temporal: Temporal
    /// found − true onset of the matched pairs, ms.
    public var onsetErrorMs: BoundaryErrorSummary
    public var offsetErrorMs: BoundaryErrorSummary
    /// True calls overlapped by two or more found calls.
    public var splitCalls: Int
    /// Found calls overlapping two or more true calls.
    public var mergedCalls: Int

    public init(_ summary: ScoreSummary) {
        let counts = summary.counts
        truthCalls = counts.truthCalls
        foundCalls = counts.foundCalls
        let events = summary.events
        self.events = Events(truePositives: counts.truePositives, falsePositives: counts.falsePositives,
                             falseNegatives: counts.falseNegatives, precision: events.precision, recall: events.recall, f1: events.f1)
        let temporal = summary.temporal
        self.temporal = Temporal(bins: counts.bins, truePositiveBins: counts.truePositiveBins,
                                 falsePositiveBins: counts.falsePositiveBins, falseNegativeBins: counts.falseNegativeBins,
                                 precision: temporal.precision, recall: temporal.recall, f1: temporal.f1)
        onsetErrorMs = summary.onsetError
        offsetErrorMs = summary.offsetError
        splitCalls = counts.splitCalls
        mergedCalls = counts.mergedCalls
    }
}

/// One recording's score with the outcome of every call.
public struct RecordingScoreReport: Codable, Sendable, Hashable {
    /// Where a recording's lists came from.
    public struct Source: Sendable, Hashable {
        public var name: String
        public var truthFile: String
        /// nil when the found calls come from a detector run (`usv detect --truth`).
        public var foundFile: String?
        public var audioFile: String?
        public var sampleRate: Int?

        public init(name: String, truthFile: String, foundFile: String?, audioFile: String? = nil, sampleRate: Int? = nil) {
            self.name = name
            self.truthFile = truthFile
            self.foundFile = foundFile
            self.audioFile = audioFile
            self.sampleRate = sampleRate
        }
    }

    public enum Status: String, Codable, Sendable, Hashable {
        case hit, miss
        case falseAlarm = "false-alarm"
    }

    public struct Call: Codable, Sendable, Hashable {
        public var start: Double
        public var stop: Double
        /// 1-based line of the file the call came from, when it came from one.
        public var line: Int?
        public var status: Status
        /// Index (0-based) of the matched call in the other list.
        public var match: Int?
        /// How many calls of the other list overlap this one.
        public var overlaps: Int
    }

    public var name: String
    public var truthFile: String
    public var foundFile: String?
    public var audioFile: String?
    public var sampleRate: Int?
    /// Seconds: the audio's duration, or (without audio) the span up to the latest stop.
    public var length: Double
    /// "audio" or "calls": where `length` comes from.
    public var lengthFrom: String
    public var scores: ScoreFiguresReport
    public var truth: [Call]
    public var found: [Call]

    public init(source: Source, score: RecordingScore) {
        name = source.name
        truthFile = source.truthFile
        foundFile = source.foundFile
        audioFile = source.audioFile
        sampleRate = source.sampleRate
        length = score.length
        lengthFrom = score.lengthKnown ? "audio" : "calls"
        scores = ScoreFiguresReport(score.summary)
        truth = score.truth.map {
            Call(start: $0.call.start, stop: $0.call.stop, line: $0.call.line, status: $0.match == nil ? .miss : .hit,
                 match: $0.match, overlaps: $0.overlaps)
        }
        found = score.found.map {
            Call(start: $0.call.start, stop: $0.call.stop, line: $0.call.line, status: $0.match == nil ? .falseAlarm : .hit,
                 match: $0.match, overlaps: $0.overlaps)
        }
    }
}
