import Foundation

/// A manifest file as one run read it.
struct ReadManifest: Sendable {
    /// Short name for entries and messages: relative to the data-set root (or the archive), or as given.
    var name: String
    /// Full path (directory roots) or member path (archives), for the report's manifest list.
    var path: String
    var role: ManifestDiscovery.Role
    var manifest: Manifest

    var summary: ManifestSummary {
        ManifestSummary(path: path, role: role, format: manifest.format, algorithms: manifest.algorithms,
                        sha256: manifest.sha256, entries: manifest.entries.count, encoding: manifest.encoding,
                        lineEndings: manifest.crlfLineEndings ? "crlf" : "lf")
    }
}

/// Everything the manifests of one run say about one path (compared as bytes).
struct FileCheck: Sendable {
    var pathBytes: [UInt8]
    /// BagIt: the name bagit.py would look for (a `%25` left undecoded), tried when `pathBytes` is not there.
    var literal: [UInt8]?
    /// The name the file was found under, when that was `literal`.
    var foundAs: [UInt8]?
    /// The first digest given per algorithm, strongest first.
    var digests: [DigestCheck]
    /// Later lines giving another digest in an algorithm already given: the manifests contradict themselves.
    var conflicts: [DigestCheck]
    var expectedSize: Int64?
    var line: Int
    var manifest: String
    var isTag: Bool

    var path: String { PathText.text(pathBytes) }

    /// The digest checked by default: the strongest given.
    var primary: DigestCheck? { digests.first }

    /// The algorithms to compute: the strongest (every one with `all`), and any in conflict.
    func algorithms(all: Bool) -> Set<HashAlgorithm> {
        var chosen = Set(all ? digests.map(\.algorithm) : primary.map { [$0.algorithm] } ?? [])
        chosen.formUnion(conflicts.map(\.algorithm))
        return chosen
    }
}

/// A file (or archive member) found under the root, as the unlisted check sees it.
struct UnlistedCandidate: Sendable {
    /// Relative to the data-set root: what manifest paths are compared with.
    var path: [UInt8]
    /// What the report names (the member path in an archive).
    var reported: [UInt8]
    var size: Int64?
    /// Said instead of nothing (an unsafe member name).
    var note: String?
    /// An archive member outside the data set's folder.
    var outsideRoot: Bool = false
}

/// How a listed file turned out, before it becomes a report entry.
enum CheckOutcome: Sendable {
    case unsafe(String)
    case skipped
    case missing(String?)
    case unreadable(String)
    case notRegular(String)
    case digests([HashAlgorithm: String], size: Int64, by: VerifiedBy)
}

/// The manifests of a run merged into one check per path, and the report entries made from outcomes.
struct VerificationPlan: Sendable {
    var manifests: [ReadManifest]
    var checks: [FileCheck]
    var malformed: [ManifestLineProblem]
    var warnings: [VerificationWarning]
    let options: VerifyOptions

    init(manifests: [ReadManifest], options: VerifyOptions) {
        self.manifests = manifests
        self.options = options
        let several = manifests.count > 1
        var checks: [FileCheck] = []
        var index: [[UInt8]: Int] = [:]
        var malformed: [ManifestLineProblem] = []
        var warnings: [VerificationWarning] = []
        for read in manifests {
            for var problem in read.manifest.problems {
                if several { problem.manifest = read.name }
                malformed.append(problem)
            }
            warnings += read.manifest.warnings.map { VerificationWarning(file: read.name, message: $0) }
            for entry in read.manifest.entries {
                let digest = DigestCheck(algorithm: entry.algorithm, expected: entry.digest, line: entry.line, manifest: read.name)
                if let at = index[entry.pathBytes] {
                    if let size = entry.expectedSize { checks[at].expectedSize = size }
                    if read.role == .tag { checks[at].isTag = true }
                    if checks[at].literal == nil { checks[at].literal = entry.literalPathBytes }
                    guard !entry.digest.isEmpty else { continue }
                    if let same = checks[at].digests.first(where: { $0.algorithm == entry.algorithm }) {
                        if same.expected != entry.digest { checks[at].conflicts.append(digest) }
                    } else {
                        checks[at].digests.append(digest)
                    }
                } else {
                    index[entry.pathBytes] = checks.count
                    checks.append(FileCheck(pathBytes: entry.pathBytes, literal: entry.literalPathBytes, digests: entry.digest.isEmpty ? [] : [digest], conflicts: [],
                                            expectedSize: entry.expectedSize, line: entry.line, manifest: read.name,
                                            isTag: read.role == .tag))
                }
            }
        }
        for position in checks.indices { checks[position].digests.sort { $0.algorithm > $1.algorithm } }
        self.checks = checks
        self.malformed = malformed
        self.warnings = warnings
    }

    var several: Bool { manifests.count > 1 }

    /// Every algorithm some check will compute.
    var algorithms: [HashAlgorithm] {
        Set(checks.flatMap { $0.algorithms(all: options.allManifests) }).sorted(by: >)
    }

    /// Listed paths (bytes), with the names files were found under.
    var listed: Set<[UInt8]> { Set(checks.map(\.pathBytes) + checks.compactMap(\.foundAs)) }

    func isSkippedArtefact(_ path: String) -> Bool {
        !options.includeOSArtefacts && OSArtefacts.isArtefact(path)
    }

    /// Refusals that need no file system: an unsafe path, or an OS artefact to skip.
    func precheck(_ check: FileCheck) -> CheckOutcome? {
        if let reason = FilePaths.unsafeReason(bytes: check.pathBytes) { return .unsafe(reason) }
        if isSkippedArtefact(check.path) { return .skipped }
        return nil
    }

    /// The report entry for a check and its outcome.
    func entry(for check: FileCheck, outcome: CheckOutcome) -> EntryResult {
        var result = EntryResult(pathBytes: check.pathBytes, status: .ok, line: check.line)
        result.expected = check.primary?.expected
        result.algorithm = check.primary?.algorithm
        result.expectedSize = check.expectedSize
        if several { result.manifest = check.manifest }
        if check.isTag { result.tagFile = true }
        if let foundAs = check.foundAs {
            result.detail = "found as '\(PathText.display(PathText.text(foundAs), limit: 120))': the manifest's %25 taken literally, "
                + "as bagit.py writes a % in a name (RFC 8493 encodes it as %25)"
        }
        switch outcome {
        case .unsafe(let reason):
            result.status = .unsafePath
            result.detail = reason
        case .skipped:
            result.status = .skippedOSArtefact
        case .missing(let detail):
            result.status = .missing
            result.detail = detail
        case .unreadable(let reason):
            result.status = .unreadable
            result.detail = reason
        case .notRegular(let kind):
            result.status = .notRegularFile
            result.detail = kind
        case .digests(let actual, let size, let by):
            result.size = size
            result.verifiedBy = by
            result.cached = by == .trusted
            result.actual = check.primary.flatMap { actual[$0.algorithm] }
            var problems: [String] = []
            if let expectedSize = check.expectedSize, expectedSize != size {
                problems.append("the file has \(size) bytes; the manifest says \(expectedSize)")
            }
            let checked = check.digests.filter { actual[$0.algorithm] != nil }
            for digest in checked where actual[digest.algorithm] != digest.expected {
                problems.append("\(digest.algorithm.rawValue) differs (line \(digest.line)\(several ? " of \(digest.manifest)" : ""))")
            }
            if checked.count > 1 {
                result.otherDigests = checked.dropFirst().map { digest in
                    var filled = digest
                    filled.actual = actual[digest.algorithm]
                    return filled
                }
            }
            if !check.conflicts.isEmpty {
                let algorithms = Set(check.conflicts.map(\.algorithm))
                let all = (check.digests.filter { algorithms.contains($0.algorithm) } + check.conflicts).map { digest in
                    var filled = digest
                    filled.actual = actual[digest.algorithm]
                    return filled
                }
                result.conflicts = all
                result.status = .conflict
                let matching = all.filter { $0.actual == $0.expected }.map { "line \($0.line)" + (several ? " of \($0.manifest)" : "") }
                result.detail = "listed \(all.count) times with different "
                    + algorithms.map(\.rawValue).sorted().joined(separator: "/") + " digests (lines "
                    + all.map { String($0.line) }.joined(separator: ", ") + "); the file matches "
                    + (matching.isEmpty ? "none of them" : matching.joined(separator: ", "))
                    + (problems.isEmpty ? "" : "; " + problems.joined(separator: "; "))
            } else if !problems.isEmpty {
                result.status = .mismatch
                if checked.count > 1 || check.expectedSize != nil { result.detail = problems.joined(separator: "; ") }
            } else if checked.isEmpty && check.expectedSize == nil {
                result.status = .unreadable
                result.detail = "no digest was computed"
            }
        }
        return result
    }

    /// Files found but not listed (never the manifests; never a bag's tag files, everything outside `data/`).
    /// OS artefacts among them are skipped like listed ones. A name that differs from a missing listed name only in
    /// Unicode normalisation is said to, on both entries.
    func unlisted(found: [UnlistedCandidate], excluded: Set<[UInt8]>, isBag: Bool, entries: inout [EntryResult]) -> [EntryResult] {
        guard !options.ignoreUnlisted else { return [] }
        let listed = self.listed
        let data = Array("data/".utf8)
        var results: [EntryResult] = []
        var missingByNFC: [String: Int] = [:]
        for (position, entry) in entries.enumerated() where entry.status == .missing && entry.pathBase64 == nil {
            missingByNFC[entry.path.precomposedStringWithCanonicalMapping] = position
        }
        for item in found where item.outsideRoot || (!listed.contains(item.path) && !excluded.contains(item.path)) {
            if isBag && (item.outsideRoot || !item.path.starts(with: data)) { continue }
            let text = PathText.text(item.path)
            let skipped = item.note == nil && FilePaths.unsafeReason(bytes: item.path) == nil && isSkippedArtefact(text)
            var result = EntryResult(pathBytes: item.reported, status: skipped ? .skippedOSArtefact : .unlisted, size: item.size,
                                     detail: skipped ? "not listed" : item.note)
            if !skipped, !item.outsideRoot, PathText.isUTF8(item.path), let twin = missingByNFC[text.precomposedStringWithCanonicalMapping] {
                result.detail = "differs from the listed '\(PathText.display(entries[twin].path, limit: 120))' (line "
                    + "\(entries[twin].line ?? 0)) only in Unicode normalisation; names are compared as bytes"
                entries[twin].detail = "a file whose name differs only in Unicode normalisation exists: '"
                    + PathText.display(text, limit: 120) + "'"
            }
            results.append(result)
        }
        return results
    }

    // MARK: - Bags

    /// The bag's own checks, as bagit.py makes them: bagit.txt, the payload directory, at least one payload
    /// manifest, paths in the payload manifests under `data/`, Payload-Oxum against every file under `data/`, and
    /// fetch.txt's lines. `files` are the bag's files relative to the bag (bytes) with their sizes.
    static func bagReport(location: String, declaration: [UInt8]?, info: [UInt8]?, fetch: [UInt8]?, hasDataDirectory: Bool,
                          files: [(path: [UInt8], size: Int64)], manifests: [ReadManifest],
                          problemsBefore: [String]) -> BagReport {
        var problems = problemsBefore
        var version: String?
        var encoding: String?
        if let declaration {
            let parsed = BagIt.declaration(declaration)
            version = parsed.version
            encoding = parsed.encoding
            problems += parsed.problems
        } else {
            problems.append("Expected bagit.txt does not exist")
        }
        if !hasDataDirectory { problems.append("Expected data directory does not exist") }
        let payload = manifests.filter { $0.role == .payload }
        if payload.isEmpty { problems.append("No manifest files found") }
        let data = Array("data/".utf8)
        let payloadFiles = files.filter { $0.path.starts(with: data) }
        let found = BagIt.Oxum(bytes: payloadFiles.reduce(0) { $0 + $1.size }, files: payloadFiles.count)
        var oxum: BagIt.Oxum?
        if let info {
            let (tags, tagProblems) = BagIt.tags(info, name: "bag-info.txt")
            problems += tagProblems
            switch BagIt.oxum(in: tags) {
            case .success(let value):
                oxum = value
                if let value, value != found {
                    problems.append("Payload-Oxum validation failed. Expected \(value.files) files and \(value.bytes) bytes "
                        + "but found \(found.files) files and \(found.bytes) bytes")
                }
            case .failure(let problem):
                problems.append(problem.message)
            }
        }
        var items: [BagIt.FetchItem] = []
        if let fetch {
            let parsed = BagIt.fetchItems(fetch)
            items = parsed.items
            problems += parsed.problems
        }
        return BagReport(location: location, version: version, encoding: encoding,
                         payloadManifests: payload.map(\.name), tagManifests: manifests.filter { $0.role == .tag }.map(\.name),
                         payloadOxum: oxum, payloadFound: found, fetch: items, problems: problems, valid: false)
    }

    /// The tag-file name `bag-info.txt`, or `package-info.txt` for bags of version 0.93–0.95.
    static func bagInfoName(declaration: [UInt8]?) -> String {
        guard let declaration, let version = BagIt.declaration(declaration).version,
              let numbers = BagIt.versionNumbers(version), numbers < (0, 96) else { return "bag-info.txt" }
        return "package-info.txt"
    }

    /// Tag manifests count from BagIt 0.97 on (bagit.py reads them only then).
    static func readsTagManifests(declaration: [UInt8]?) -> Bool {
        guard let declaration, let version = BagIt.declaration(declaration).version,
              let numbers = BagIt.versionNumbers(version) else { return true }
        return numbers >= (0, 97)
    }

    /// Fills in `valid`, and says which missing files fetch.txt names.
    static func finish(_ bag: inout BagReport, entries: inout [EntryResult], malformed: [ManifestLineProblem]) {
        let fetched = Dictionary(bag.fetch.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        for index in entries.indices where entries[index].status == .missing {
            if let item = fetched[entries[index].path] {
                entries[index].detail = "listed in fetch.txt (line \(item.line), \(item.url)); not fetched: usv never downloads"
            }
        }
        bag.valid = bag.problems.isEmpty && malformed.isEmpty && !entries.contains { $0.status.isProblem }
    }
}
