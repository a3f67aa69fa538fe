/// The checksum-file dialects `usv verify` understands. Detection is automatic (see `ManifestParser`).
public enum ManifestFormat: String, Codable, Sendable, CaseIterable {
    /// Radboud/Donders: hex digest, ONE space, the path up to `\n`. A trailing `\r` belongs to the name.
    case donders
    /// GNU coreutils `sha256sum`, `md5sum`, …: digest, space, a mode marker (space or `*`), path;
    /// `\`-prefixed lines escape names.
    case gnu
    /// BSD tagged (`sha256sum --tag`, `shasum --tag`, `openssl dgst`, OpenBSD `sha256 -b` with base64 digests):
    /// `SHA256 (path) = digest`.
    case bsd
    /// FreeBSD ports `distinfo`: BSD tagged digests plus `SIZE (path) = bytes` (checked) and `TIMESTAMP = …` (ignored).
    case distinfo
    /// BagIt `manifest-<alg>.txt` / `tagmanifest-<alg>.txt` (RFC 8493): digest, whitespace, path relative to the
    /// bag; only `%0D`, `%0A` and `%25` are percent-decoded.
    case bagit
}

/// One file a manifest lists.
public struct ManifestEntry: Sendable, Hashable {
    /// The path as text: exactly as listed (after the dialect's unescaping, with a leading `./` removed) when it is
    /// UTF-8; with `\xNN` for the bytes of invalid sequences otherwise. May end in `\r`.
    public var path: String
    /// The path as bytes: what is looked up on disk and compared, never a normalised string.
    public var pathBytes: [UInt8]
    public var algorithm: HashAlgorithm
    /// Lowercase hexadecimal digest (base64 digests are converted); empty for a `SIZE`-only distinfo entry.
    public var digest: String
    /// 1-based line number in the manifest.
    public var line: Int
    /// The size a FreeBSD `distinfo` states with `SIZE (path) = bytes`.
    public var expectedSize: Int64?
    /// BagIt only: the path as bagit.py reads the line (`%25` left as it is), when that differs from `pathBytes`.
    /// RFC 8493 encodes a `%` in a name as `%25`, but bagit.py writes it unencoded: a file found only under this name
    /// is taken as the one listed.
    public var literalPathBytes: [UInt8]?

    public init(pathBytes: [UInt8], algorithm: HashAlgorithm, digest: String, line: Int, expectedSize: Int64? = nil) {
        self.path = PathText.text(pathBytes)
        self.pathBytes = pathBytes
        self.algorithm = algorithm
        self.digest = digest
        self.line = line
        self.expectedSize = expectedSize
    }

    /// A SHA-256 entry from a path as text.
    public init(path: String, sha256: String, line: Int) {
        self.init(pathBytes: Array(path.utf8), algorithm: .sha256, digest: sha256, line: line)
    }

    /// The SHA-256 digest when that is the entry's algorithm.
    public var sha256: String? { algorithm == .sha256 && !digest.isEmpty ? digest : nil }
}

/// A manifest line that could not be used, with the reason. Parsing continues past it.
public struct ManifestLineProblem: Sendable, Hashable, Codable, CustomStringConvertible {
    public var line: Int
    public var reason: String
    /// The start of the offending line with control characters escaped.
    public var excerpt: String
    /// The manifest it is in, when a run reads several.
    public var manifest: String?

    public init(line: Int, reason: String, excerpt: String, manifest: String? = nil) {
        self.line = line
        self.reason = reason
        self.excerpt = excerpt
        self.manifest = manifest
    }

    public var description: String { (manifest.map { "\($0) " } ?? "") + "line \(line): \(reason): \(excerpt)" }
}

/// A parsed checksum manifest.
public struct Manifest: Sendable {
    public var format: ManifestFormat
    public var entries: [ManifestEntry]
    public var problems: [ManifestLineProblem]
    /// Things worth knowing that make no entry wrong: CRLF line endings, a byte-order mark, UTF-16 decoded.
    public var warnings: [String]
    /// Lowercase hex SHA-256 of the manifest's own bytes: identifies the manifest in the catalog.
    public var sha256: String
    public var byteCount: Int
    /// True when every line ended in CRLF and the `\r` was taken as the line ending, not part of names.
    public var crlfLineEndings: Bool
    /// The text encoding the bytes were read in: `utf-8`, `utf-8-bom`, `utf-16le` or `utf-16be`.
    public var encoding: String

    public init(format: ManifestFormat, entries: [ManifestEntry], problems: [ManifestLineProblem], warnings: [String] = [],
                sha256: String, byteCount: Int, crlfLineEndings: Bool, encoding: String = "utf-8") {
        self.format = format
        self.entries = entries
        self.problems = problems
        self.warnings = warnings
        self.sha256 = sha256
        self.byteCount = byteCount
        self.crlfLineEndings = crlfLineEndings
        self.encoding = encoding
    }

    /// The algorithms of the entries, strongest first.
    public var algorithms: [HashAlgorithm] {
        Set(entries.filter { !$0.digest.isEmpty }.map(\.algorithm)).sorted(by: >)
    }
}
