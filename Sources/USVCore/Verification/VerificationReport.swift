import Foundation

/// The outcome for one manifest entry (or one unlisted file).
public enum EntryStatus: String, Codable, Sendable, CaseIterable {
    case ok
    case missing
    case mismatch
    case unreadable
    case notRegularFile = "not-a-regular-file"
    case unsafePath = "unsafe-path"
    case skippedOSArtefact = "skipped-os-artefact"
    case unlisted

    /// Statuses that make `usv verify` exit 1.
    public var isProblem: Bool { !(self == .ok || self == .skippedOSArtefact) }
}

/// One line of the verification report.
public struct EntryResult: Codable, Sendable, Hashable {
    /// Path relative to the data-set root, as the manifest lists it (or as found, for unlisted files).
    public var path: String
    public var status: EntryStatus
    /// Manifest line (nil for unlisted files).
    public var line: Int?
    public var expected: String?
    /// The hash computed now or taken from the cache.
    public var actual: String?
    public var size: Int64?
    /// The reason for unreadable, unsafe-path, not-a-regular-file and missing entries.
    public var detail: String?
    /// True when the hash came from the verify cache (file unchanged since it last verified).
    public var cached: Bool

    public init(path: String, status: EntryStatus, line: Int?, expected: String?, actual: String? = nil,
                size: Int64? = nil, detail: String? = nil, cached: Bool = false) {
        self.path = path
        self.status = status
        self.line = line
        self.expected = expected
        self.actual = actual
        self.size = size
        self.detail = detail
        self.cached = cached
    }
}

/// Count and bytes for one status.
public struct StatusTally: Codable, Sendable, Hashable {
    public var count: Int = 0
    public var bytes: Int64 = 0
}

/// Everything one verification run found. Encoded as JSON it follows `schemas/verify-report.schema.json`.
public struct VerificationReport: Codable, Sendable {
    public var schemaVersion = 1
    public var tool = "usv verify"
    public var root: String
    /// "directory" or "archive".
    public var rootKind: String
    public var manifestPath: String
    public var manifestFormat: ManifestFormat
    public var manifestSHA256: String
    public var manifestEntries: Int
    public var malformedLines: [ManifestLineProblem]
    public var startedAt: Date
    public var seconds: Double
    public var jobs: Int
    /// Bytes read and hashed in this run (cache hits excluded).
    public var bytesHashed: Int64
    public var cacheHits: Int
    public var summary: [String: StatusTally]
    public var entries: [EntryResult]

    /// 0 when every entry is ok or skipped and no line was malformed, else 1.
    public var exitStatus: Int32 {
        entries.contains { $0.status.isProblem } || !malformedLines.isEmpty ? 1 : 0
    }

    public var problems: [EntryResult] { entries.filter { $0.status.isProblem } }

    public static func tally(_ entries: [EntryResult]) -> [String: StatusTally] {
        var summary = Dictionary(uniqueKeysWithValues: EntryStatus.allCases.map { ($0.rawValue, StatusTally()) })
        for entry in entries {
            summary[entry.status.rawValue, default: StatusTally()].count += 1
            summary[entry.status.rawValue, default: StatusTally()].bytes += entry.size ?? 0
        }
        return summary
    }

    /// JSON with sorted keys and ISO-8601 dates.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(self)
    }
}
