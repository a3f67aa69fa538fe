import Foundation

/// The outcome for one manifest entry (or one unlisted file).
public enum EntryStatus: String, Codable, Sendable, CaseIterable {
    case ok
    case missing
    case mismatch
    /// The manifest lists the path more than once with different digests of one algorithm.
    case conflict
    case unreadable
    case notRegularFile = "not-a-regular-file"
    case unsafePath = "unsafe-path"
    case skippedOSArtefact = "skipped-os-artefact"
    case unlisted

    /// Statuses that make `usv verify` exit 1.
    public var isProblem: Bool { !(self == .ok || self == .skippedOSArtefact) }
}

/// How an entry's digest was obtained.
public enum VerifiedBy: String, Codable, Sendable {
    /// The file's bytes were read and hashed in this run.
    case hashed
    /// Taken from the verify cache without reading (`--incremental`; size, mtime, ctime, inode and device unchanged).
    case trusted
}

/// One digest a manifest states for a file, with what this run found.
public struct DigestCheck: Codable, Sendable, Hashable {
    public var algorithm: HashAlgorithm
    public var expected: String
    public var actual: String?
    public var line: Int
    public var manifest: String

    public init(algorithm: HashAlgorithm, expected: String, actual: String? = nil, line: Int, manifest: String) {
        self.algorithm = algorithm
        self.expected = expected
        self.actual = actual
        self.line = line
        self.manifest = manifest
    }
}

/// One line of the verification report.
public struct EntryResult: Codable, Sendable, Hashable {
    /// Path relative to the data-set root, as the manifest lists it (or as found, for unlisted files): exact when
    /// the name is UTF-8, with `\xNN` for the bytes of invalid sequences otherwise (see `pathBase64`).
    public var path: String
    /// The name's raw bytes in base64, present only when they are not valid UTF-8.
    public var pathBase64: String?
    public var status: EntryStatus
    /// Manifest line (nil for unlisted files).
    public var line: Int?
    /// The manifest that lists the entry, when the run read more than one.
    public var manifest: String?
    /// The algorithm of `expected` and `actual` (the strongest the manifests give for this file).
    public var algorithm: HashAlgorithm?
    public var expected: String?
    /// The digest computed now or taken from the cache.
    public var actual: String?
    public var size: Int64?
    /// The size a distinfo `SIZE` line states.
    public var expectedSize: Int64?
    /// The reason for unreadable, unsafe-path, not-a-regular-file, missing, mismatch and conflict entries.
    public var detail: String?
    /// True when the digest came from the verify cache (`verifiedBy` is `trusted`).
    public var cached: Bool
    /// `hashed` or `trusted` for entries whose digest was checked; absent otherwise.
    public var verifiedBy: VerifiedBy?
    /// Further digests checked (`--all-manifests`), beside `expected`/`actual`.
    public var otherDigests: [DigestCheck]?
    /// For `conflict`: every digest the manifests give for the file in the conflicting algorithm, with what it is.
    public var conflicts: [DigestCheck]?
    /// True for a BagIt tag file (listed in a tag manifest, outside `data/`).
    public var tagFile: Bool?

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

    /// An entry for a path given as bytes (text and base64 filled in).
    public init(pathBytes: [UInt8], status: EntryStatus, line: Int? = nil, size: Int64? = nil, detail: String? = nil) {
        self.init(path: PathText.text(pathBytes), status: status, line: line, expected: nil, size: size, detail: detail)
        pathBase64 = PathText.base64IfNotUTF8(pathBytes)
    }
}

/// Count and bytes for one status.
public struct StatusTally: Codable, Sendable, Hashable {
    public var count: Int = 0
    public var bytes: Int64 = 0
}

/// One manifest file a run read.
public struct ManifestSummary: Codable, Sendable, Hashable {
    public var path: String
    public var role: ManifestDiscovery.Role
    public var format: ManifestFormat
    public var algorithms: [HashAlgorithm]
    public var sha256: String
    public var entries: Int
    /// `utf-8`, `utf-8-bom`, `utf-16le` or `utf-16be`.
    public var encoding: String
    /// `lf`, or `crlf` when every line ended in CR LF.
    public var lineEndings: String
}

/// A warning: worth knowing, but it makes nothing fail.
public struct VerificationWarning: Codable, Sendable, Hashable, CustomStringConvertible {
    /// The file it is about (a manifest), when there is one.
    public var file: String?
    public var message: String

    public init(file: String?, message: String) {
        self.file = file
        self.message = message
    }

    public var description: String { (file.map { "\($0): " } ?? "") + message }
}

/// What `usv verify` found out about a BagIt bag besides its files.
public struct BagReport: Codable, Sendable, Hashable {
    /// The bag's folder: "" for the root itself, or the member folder inside an archive.
    public var location: String
    public var version: String?
    public var encoding: String?
    public var payloadManifests: [String]
    public var tagManifests: [String]
    /// Payload-Oxum as bag-info.txt states it, and as found (every file under `data/`).
    public var payloadOxum: BagIt.Oxum?
    public var payloadFound: BagIt.Oxum
    /// The files fetch.txt names (reported, never fetched).
    public var fetch: [BagIt.FetchItem]
    /// Why the bag itself is invalid (bagit.txt, data/, manifests, Payload-Oxum, fetch.txt), in bagit.py's words.
    public var problems: [String]
    /// No bag problem, no malformed manifest line and every file ok: what `bagit.py --validate` calls valid.
    public var valid: Bool
}

/// Everything one verification run found. Encoded as JSON it follows `schemas/verify-report.schema.json`.
public struct VerificationReport: Codable, Sendable {
    public var schemaVersion = 2
    public var tool = "usv verify"
    public var root: String
    /// "directory" or "archive".
    public var rootKind: String
    /// The first manifest read (for a bag, its strongest payload manifest).
    public var manifestPath: String
    public var manifestFormat: ManifestFormat
    public var manifestSHA256: String
    /// Entries of all manifests read.
    public var manifestEntries: Int
    /// Every manifest read, in order.
    public var manifests: [ManifestSummary]
    /// The algorithms whose digests this run checked.
    public var algorithms: [HashAlgorithm]
    /// `full` (every listed file read) or `incremental` (`--incremental`: unchanged files trusted from the cache).
    public var mode: String
    public var allManifests: Bool
    public var ignoreUnlisted: Bool
    public var malformedLines: [ManifestLineProblem]
    public var warnings: [VerificationWarning]
    public var startedAt: Date
    public var seconds: Double
    public var jobs: Int
    /// Bytes read and hashed in this run (trusted files excluded).
    public var bytesHashed: Int64
    /// Files whose bytes were read and hashed in this run.
    public var filesHashed: Int
    /// Files whose digest was taken from the verify cache without reading them (`--incremental` only).
    public var filesTrusted: Int
    /// The same as `filesTrusted` (kept for readers of schema version 1).
    public var cacheHits: Int
    public var bag: BagReport?
    public var summary: [String: StatusTally]
    public var entries: [EntryResult]

    /// 0 when every entry is ok or skipped, no line was malformed and a bag has no problem of its own, else 1.
    public var exitStatus: Int32 {
        entries.contains { $0.status.isProblem } || !malformedLines.isEmpty || !(bag?.problems.isEmpty ?? true) ? 1 : 0
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
