import Foundation

/// The parts of a BagIt bag (RFC 8493) besides its manifests, read the way bagit.py reads them: the bag
/// declaration `bagit.txt`, the metadata `bag-info.txt` (Payload-Oxum) and `fetch.txt`.
public enum BagIt {
    /// One line of `fetch.txt`: a file the bag does not carry but says where to get. Reported, never fetched.
    public struct FetchItem: Codable, Sendable, Hashable {
        public var url: String
        /// Bytes, or nil for `-` (unknown).
        public var size: Int64?
        public var path: String
        public var line: Int
    }

    /// Payload-Oxum: the payload's byte count and file count, as `bag-info.txt` states them.
    public struct Oxum: Codable, Sendable, Hashable {
        public var bytes: Int64
        public var files: Int
    }

    /// `bagit.txt`: `BagIt-Version` and `Tag-File-Character-Encoding`, with the problems that make a bag invalid
    /// (bagit.py's: a byte-order mark, a missing tag, a version that is not MAJOR.MINOR or not 0.93–1.x).
    public static func declaration(_ bytes: [UInt8]) -> (version: String?, encoding: String?, problems: [String]) {
        var problems: [String] = []
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { problems.append("bagit.txt must not contain a byte-order mark") }
        let (tags, tagProblems) = tags(bytes, name: "bagit.txt")
        problems += tagProblems
        let version = tags.first { $0.name == "BagIt-Version" }?.value
        let encoding = tags.first { $0.name == "Tag-File-Character-Encoding" }?.value
        let missing = [("BagIt-Version", version), ("Tag-File-Character-Encoding", encoding)].filter { $0.1 == nil }.map(\.0)
        if !missing.isEmpty { problems.append("Missing required tag in bagit.txt: " + missing.joined(separator: ", ")) }
        if let version {
            if let parsed = versionNumbers(version) {
                if parsed < (0, 93) || parsed >= (2, 0) { problems.append("Unsupported bag version: \(version)") }
            } else {
                problems.append("Bag version numbers must be MAJOR.MINOR numbers, not \(version)")
            }
        }
        return (version, encoding, problems)
    }

    /// (major, minor) of a `BagIt-Version`.
    public static func versionNumbers(_ version: String) -> (Int, Int)? {
        let parts = version.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, let major = Int(parts[0]), let minor = Int(parts[1]) else { return nil }
        return (major, minor)
    }

    /// The `Name: value` lines of a tag file (values folded over lines that start with whitespace), in order.
    /// A line without a colon makes the bag invalid, as in bagit.py.
    public static func tags(_ bytes: [UInt8], name: String) -> (tags: [(name: String, value: String)], problems: [String]) {
        var text = String(decoding: bytes, as: UTF8.self)
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        var tags: [(String, String)] = []
        var problems: [String] = []
        var current: (name: String, value: String)?
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            if line.allSatisfy(\.isWhitespace) { continue }
            if let first = line.first, first.isWhitespace, current != nil {
                current?.value += " " + line.trimmingCharacters(in: .whitespaces)
                continue
            }
            if let finished = current { tags.append((finished.name, finished.value.trimmingCharacters(in: .whitespaces))) }
            guard let colon = line.firstIndex(of: ":") else {
                problems.append("\(name) contains invalid tag: \(String(line).trimmingCharacters(in: .whitespaces).visibleEscapes)")
                current = nil
                continue
            }
            current = (String(line[..<colon]).trimmingCharacters(in: .whitespaces), String(line[line.index(after: colon)...]))
        }
        if let finished = current { tags.append((finished.name, finished.value.trimmingCharacters(in: .whitespaces))) }
        return (tags, problems)
    }

    /// The first `Payload-Oxum` of `bag-info.txt`, or a problem when it is not `BYTES.FILES`.
    public static func oxum(in tags: [(name: String, value: String)]) -> Result<Oxum?, BagProblem> {
        guard let value = tags.first(where: { $0.name == "Payload-Oxum" })?.value else { return .success(nil) }
        let parts = value.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let bytes = Int64(parts[0]), let files = Int(parts[1]) else {
            return .failure(BagProblem("Malformed Payload-Oxum value: \(value)"))
        }
        return .success(Oxum(bytes: bytes, files: files))
    }

    /// `fetch.txt`: `URL LENGTH PATH` per line (LENGTH a number or `-`; PATH percent-encoded like manifest paths).
    /// An unsafe path or a URL without scheme and host (other than `file:`) makes the bag invalid, as in bagit.py.
    public static func fetchItems(_ bytes: [UInt8]) -> (items: [FetchItem], problems: [String]) {
        var items: [FetchItem] = []
        var problems: [String] = []
        for (index, raw) in String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty { continue }
            let fields = line.split(maxSplits: 2, whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count == 3 else {
                problems.append("fetch.txt line \(index + 1): expected 'URL LENGTH PATH': \(line.visibleEscapes)")
                continue
            }
            let url = String(fields[0])
            let size: Int64? = fields[1] == "-" ? nil : Int64(fields[1])
            if fields[1] != "-" && size == nil {
                problems.append("fetch.txt line \(index + 1): LENGTH '\(fields[1])' is neither a number nor '-'")
            }
            let path = PathText.text(ManifestParser.percentDecodeBagIt(Array(fields[2].utf8)))
            if let reason = FilePaths.unsafeReason(path) {
                problems.append("Path \"\(path.visibleEscapes)\" in \"fetch.txt\" is unsafe (\(reason))")
            }
            let parsed = URLComponents(string: url)
            let scheme = parsed?.scheme ?? ""
            if !((!scheme.isEmpty && !(parsed?.host ?? "").isEmpty) || scheme == "file") {
                problems.append("Malformed URL in fetch.txt: \(url)")
            }
            items.append(FetchItem(url: url, size: size, path: path, line: index + 1))
        }
        return (items, problems)
    }
}

/// A reason a bag is invalid.
public struct BagProblem: Error, Sendable, Hashable {
    public var message: String
    public init(_ message: String) { self.message = message }
}
