/// The checksum-file dialects `usv verify` understands. Detection is automatic (see `ManifestParser`).
public enum ManifestFormat: String, Codable, Sendable, CaseIterable {
    /// Radboud/Donders: 64 hex digits, ONE space, the path up to `\n`. A trailing `\r` belongs to the name.
    case donders
    /// GNU coreutils `sha256sum`: hash, two spaces (or space + `*`), path; `\`-prefixed lines escape names.
    case gnu
    /// BSD tagged (`sha256sum --tag`, `shasum --tag`, `openssl dgst`): `SHA256 (path) = hash`.
    case bsd
    /// BagIt `manifest-sha256.txt`: hash, whitespace, path relative to the bag; `%0D %0A %25` encoded.
    case bagit
}

/// One file a manifest lists.
public struct ManifestEntry: Sendable, Hashable, Codable {
    /// Relative POSIX path exactly as listed (after the format's own unescaping); may end in `\r`.
    public var path: String
    /// Lowercase hexadecimal SHA-256.
    public var sha256: String
    /// 1-based line number in the manifest.
    public var line: Int

    public init(path: String, sha256: String, line: Int) {
        self.path = path
        self.sha256 = sha256
        self.line = line
    }
}

/// A manifest line that could not be used, with the reason. Parsing continues past it.
public struct ManifestLineProblem: Sendable, Hashable, Codable, CustomStringConvertible {
    public var line: Int
    public var reason: String
    /// The start of the offending line with control characters escaped.
    public var excerpt: String

    public init(line: Int, reason: String, excerpt: String) {
        self.line = line
        self.reason = reason
        self.excerpt = excerpt
    }

    public var description: String { "line \(line): \(reason): \(excerpt)" }
}

/// A parsed checksum manifest.
public struct Manifest: Sendable {
    public var format: ManifestFormat
    public var entries: [ManifestEntry]
    public var problems: [ManifestLineProblem]
    /// Lowercase hex SHA-256 of the manifest's own bytes: identifies the manifest in the catalog.
    public var sha256: String
    public var byteCount: Int
    /// True when every line ended in CRLF and the `\r` was taken as the line ending, not part of names.
    public var crlfLineEndings: Bool

    public init(format: ManifestFormat, entries: [ManifestEntry], problems: [ManifestLineProblem],
                sha256: String, byteCount: Int, crlfLineEndings: Bool) {
        self.format = format
        self.entries = entries
        self.problems = problems
        self.sha256 = sha256
        self.byteCount = byteCount
        self.crlfLineEndings = crlfLineEndings
    }
}
