import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How `usv verify` runs.
public struct VerifyOptions: Sendable {
    /// Files hashed at once.
    public var jobs: Int
    /// Trust the verify cache for files whose size, mtime, ctime, inode and device are unchanged since they last
    /// verified, instead of reading them. Off by default: only reading the bytes finds damage that leaves the
    /// metadata alone (see `CachedFileHash`).
    public var incremental: Bool
    /// Verify `Icon\r`, `.DS_Store` and other OS artefacts like any file instead of skipping them.
    public var includeOSArtefacts: Bool
    /// The manifest, when not found in the root (absolute, or relative to the working directory).
    public var manifestPath: String?
    /// Force a manifest dialect instead of detecting it.
    public var manifestFormat: ManifestFormat?
    /// Read every manifest found (not only the first of the search order) and check every digest they give.
    public var allManifests: Bool
    /// Files the manifest does not list are not looked for (a manifest that covers a subset, as `sha256sum -c`).
    public var ignoreUnlisted: Bool
    /// Decompression-bomb limits for archives (`--max-member-size`, `--max-ratio`, `--max-members`).
    public var archiveLimits = ArchiveLimits()

    /// Reading every byte is the default; `full` is kept for callers that said so explicitly.
    public var full: Bool {
        get { !incremental }
        set { incremental = !newValue }
    }

    public init(jobs: Int = ProcessInfo.processInfo.activeProcessorCount, incremental: Bool = false,
                includeOSArtefacts: Bool = false, manifestPath: String? = nil, manifestFormat: ManifestFormat? = nil,
                allManifests: Bool = false, ignoreUnlisted: Bool = false) {
        self.jobs = max(1, jobs)
        self.incremental = incremental
        self.includeOSArtefacts = includeOSArtefacts
        self.manifestPath = manifestPath
        self.manifestFormat = manifestFormat
        self.allManifests = allManifests
        self.ignoreUnlisted = ignoreUnlisted
    }

    /// The old spelling: `full: false` meant "use the cache".
    public init(jobs: Int = ProcessInfo.processInfo.activeProcessorCount, full: Bool, includeOSArtefacts: Bool = false,
                manifestPath: String? = nil, manifestFormat: ManifestFormat? = nil) {
        self.init(jobs: jobs, incremental: !full, includeOSArtefacts: includeOSArtefacts, manifestPath: manifestPath,
                  manifestFormat: manifestFormat)
    }
}

/// Checks a data-set directory, or an archive of one, against its manifests.
///
/// Nothing under the root is ever written. Entries that are absolute, climb out with `..`, or resolve
/// through a symlink to outside the root are reported as `unsafe-path` and never opened; FIFOs, devices
/// and directories are never read. Files are hashed in parallel, largest first, so that one huge file
/// does not wait behind many small ones. Paths are compared as bytes, never as normalised strings.
public struct Verifier: Sendable {
    public var options: VerifyOptions
    public var cache: (any VerificationCache)?
    public var progress: any ProgressReporter

    public init(options: VerifyOptions, cache: (any VerificationCache)? = nil,
                progress: any ProgressReporter = SilentProgress()) {
        self.options = options
        self.cache = cache
        self.progress = progress
    }

    /// Verifies `root`, a directory or an archive file. Throws `USVError` (usage/unusable) when the root
    /// or the manifest cannot be used at all; everything else is reported per entry.
    public func verify(root: String) throws -> VerificationReport {
        let started = Date()
        guard case .success(let rootReal) = FilePaths.realPath(root) else {
            throw USVError.usage("\(root): no such directory or archive")
        }
        guard case .success(let rootStatus) = FileStatus.status(rootReal) else {
            throw USVError.usage("\(root): cannot stat")
        }
        var report: VerificationReport
        switch rootStatus.kind {
        case .directory: report = try verifyDirectory(rootReal, displayRoot: root, started: started)
        case .regular: report = try ArchiveVerification(verifier: self).verify(archive: rootReal, displayRoot: root, started: started)
        default: throw USVError.usage("\(root): neither a directory nor an archive file (\(rootStatus.kind.rawValue))")
        }
        report.seconds = Date().timeIntervalSince(started)
        try cache?.recordRun(report)
        return report
    }

    func isSkippedArtefact(_ path: String) -> Bool {
        !options.includeOSArtefacts && OSArtefacts.isArtefact(path)
    }

    /// A reader over `archive` with the run's limits.
    func openArchive(_ archive: String) throws -> ArchiveReader {
        let reader = try ArchiveReader(path: archive)
        reader.limits = options.archiveLimits
        return reader
    }

    /// The report around the entries (shared by directories and archives).
    func makeReport(root: String, rootKind: String, plan: VerificationPlan, entries: [EntryResult], bag: BagReport?,
                    warnings: [VerificationWarning], started: Date, bytesHashed: Int64) -> VerificationReport {
        let first = plan.manifests.first
        let hashed = entries.filter { $0.verifiedBy == .hashed }.count
        let trusted = entries.filter { $0.verifiedBy == .trusted }.count
        return VerificationReport(
            root: root, rootKind: rootKind, manifestPath: first?.path ?? "", manifestFormat: first?.manifest.format ?? .bagit,
            manifestSHA256: first?.manifest.sha256 ?? "", manifestEntries: plan.manifests.reduce(0) { $0 + $1.manifest.entries.count },
            manifests: plan.manifests.map(\.summary), algorithms: plan.algorithms,
            mode: options.incremental ? "incremental" : "full", allManifests: options.allManifests,
            ignoreUnlisted: options.ignoreUnlisted, malformedLines: plan.malformed, warnings: plan.warnings + warnings,
            startedAt: started, seconds: 0, jobs: options.jobs, bytesHashed: bytesHashed, filesHashed: hashed,
            filesTrusted: trusted, cacheHits: trusted, bag: bag, summary: VerificationReport.tally(entries), entries: entries)
    }

    /// Reads the manifests `selection` names with `read` (bytes by name); a BagIt manifest may be empty, and one with
    /// an algorithm this tool lacks becomes a bag problem. Throws when nothing usable is left.
    static func readManifests(_ selection: ManifestDiscovery.Selection, options: VerifyOptions, where location: String,
                              path: (String) -> String, read: (String) throws -> [UInt8]) throws -> (manifests: [ReadManifest], problems: [String]) {
        var manifests: [ReadManifest] = []
        var problems: [String] = []
        for (name, role) in selection.manifests {
            do {
                let bytes = try read(name)
                let manifest = try ManifestParser.parse(bytes, name: name, format: role == .checksums ? options.manifestFormat : nil,
                                                        allowEmpty: selection.isBag)
                manifests.append(ReadManifest(name: name, path: path(name), role: role, manifest: manifest))
            } catch let error as USVError {
                // One unusable manifest among several is reported; a lone one makes the run unusable.
                guard selection.manifests.count > 1 || selection.isBag else { throw error }
                problems.append("\(name): \(error)")
            }
        }
        if manifests.isEmpty && !selection.isBag {
            throw USVError.unusable(path: location, reason: "no usable manifest: " + problems.joined(separator: "; "))
        }
        return (manifests, problems)
    }

    static func noManifestError(_ location: String) -> USVError {
        USVError.usage("\(location): no manifest found (looked for bagit.txt with manifest-<alg>.txt, "
            + ManifestDiscovery.fixedNames.prefix(6).joined(separator: ", ") + ", … and *.sha512, *.sha256, *.sha1, *.md5; "
            + "see usv verify --help); pass one with --manifest PATH")
    }

    // MARK: - Directory

    private struct HashJob: Sendable {
        var checkIndex: Int
        var absolutePath: [UInt8]
        var size: Int64
        var status: FileStatus
        var algorithms: Set<HashAlgorithm>
    }

    private func verifyDirectory(_ rootReal: String, displayRoot: String, started: Date) throws -> VerificationReport {
        let rootBytes = Array(rootReal.utf8)
        // 1. The manifests.
        let topNames = Self.regularFileNames(in: rootReal)
        var selection = ManifestDiscovery.select(names: topNames, all: options.allManifests)
        var manifests: [ReadManifest] = []
        var bagProblems: [String] = []
        var excluded = Set(selection.recognised.map { Array($0.utf8) })
        if let explicit = options.manifestPath {
            let manifest = try ManifestParser.parse(fileAt: explicit, format: options.manifestFormat)
            manifests = [ReadManifest(name: explicit, path: explicit, role: .checksums, manifest: manifest)]
            if case .success(let real) = FilePaths.realPath(explicit), FilePaths.isInside(real, root: rootReal), real != rootReal {
                excluded.insert(Array(real.utf8.dropFirst(rootReal == "/" ? 1 : rootReal.utf8.count + 1)))
            }
            selection.isBag = false
        } else {
            guard !selection.manifests.isEmpty else {
                if selection.isBag {
                    throw USVError.usage("\(displayRoot): a BagIt bag (bagit.txt) without manifest-<alg>.txt: No manifest files found")
                }
                throw Self.noManifestError(displayRoot)
            }
            (manifests, bagProblems) = try Self.readManifests(selection, options: options, where: displayRoot,
                                                              path: { FilePaths.join(rootReal, $0) },
                                                              read: { try readWholeFile(FilePaths.join(rootReal, $0), limit: 1 << 30) })
        }
        let isBag = selection.isBag
        let declaration = isBag ? try? readWholeFile(FilePaths.join(rootReal, "bagit.txt"), limit: 1 << 20) : nil
        if isBag && !VerificationPlan.readsTagManifests(declaration: declaration) {
            manifests.removeAll { $0.role == .tag }
        }
        var plan = VerificationPlan(manifests: manifests, options: options)

        // 2. Each listed file: safe? there? regular?
        var outcomes = [CheckOutcome?](repeating: nil, count: plan.checks.count)
        var jobs: [HashJob] = []
        for (index, check) in plan.checks.enumerated() {
            if let refused = plan.precheck(check) {
                outcomes[index] = refused
                continue
            }
            var joined = FilePaths.join(rootBytes, check.pathBytes)
            if let literal = check.literal, FilePaths.unsafeReason(bytes: literal) == nil,
               case .failure(let error) = FilePaths.realPath(bytes: joined), error.isNotFound,
               case .success = FileStatus.lstatus(bytes: FilePaths.join(rootBytes, literal)) {
                joined = FilePaths.join(rootBytes, literal)
                plan.checks[index].foundAs = literal
            }
            switch FilePaths.realPath(bytes: joined) {
            case .failure(let error):
                if error.code == ENAMETOOLONG {
                    // No file can have the name: as good as missing, and said why.
                    outcomes[index] = .missing("\(error.description): a name of \(check.pathBytes.count) bytes cannot exist here")
                } else if error.isNotFound {
                    var detail: String?
                    if case .success(let link) = FileStatus.lstatus(bytes: joined), link.kind == .symlink { detail = "dangling symlink" }
                    outcomes[index] = .missing(detail)
                } else {
                    outcomes[index] = .unreadable(error.description)
                }
            case .success(let resolved):
                guard FilePaths.isInside(resolved, root: rootBytes) else {
                    outcomes[index] = .unsafe("resolves through a symlink to outside the root")
                    continue
                }
                switch FileStatus.status(bytes: resolved) {
                case .failure(let error): outcomes[index] = .unreadable(error.description)
                case .success(let status) where status.kind != .regular: outcomes[index] = .notRegular(status.kind.rawValue)
                case .success(let status):
                    let algorithms = check.algorithms(all: options.allManifests)
                    if algorithms.isEmpty {
                        // A distinfo SIZE line without a digest: the size is the check.
                        outcomes[index] = .digests([:], size: status.size, by: .hashed)
                    } else {
                        jobs.append(HashJob(checkIndex: index, absolutePath: resolved, size: status.size, status: status,
                                            algorithms: algorithms))
                    }
                }
            }
        }

        // 3. --incremental: files unchanged since they verified are trusted without reading.
        if options.incremental, let cache, !jobs.isEmpty {
            let remembered = try cache.cachedHashes(for: jobs.map(\.absolutePath))
            jobs.removeAll { job in
                let check = plan.checks[job.checkIndex]
                guard check.conflicts.isEmpty, let rows = remembered[job.absolutePath] else { return false }
                var digests: [HashAlgorithm: String] = [:]
                for algorithm in job.algorithms {
                    guard let expected = check.digests.first(where: { $0.algorithm == algorithm })?.expected,
                          let row = rows.first(where: { $0.algorithm == algorithm }),
                          row.matches(job.status), row.digest == expected else { return false }
                    digests[algorithm] = row.digest
                }
                outcomes[job.checkIndex] = .digests(digests, size: job.size, by: .trusted)
                return true
            }
        }

        // 4. Read and hash the rest; remember what verified, forget what no longer does.
        let hashed = hashInParallel(jobs)
        var verified: [CachedFileHash] = []
        var failed: [[UInt8]] = []
        for (job, outcome) in zip(jobs, hashed) {
            switch outcome {
            case .success(let (digests, status)):
                outcomes[job.checkIndex] = .digests(digests, size: status.size, by: .hashed)
                let check = plan.checks[job.checkIndex]
                let good = check.conflicts.isEmpty && check.digests.allSatisfy { expected in digests[expected.algorithm].map { $0 == expected.expected } ?? true }
                    && (check.expectedSize.map { $0 == status.size } ?? true)
                if good {
                    verified += digests.map { CachedFileHash(key: job.absolutePath, status: status, algorithm: $0.key, digest: $0.value) }
                } else {
                    failed.append(job.absolutePath)
                }
            case .failure(.unreadable(let reason)):
                outcomes[job.checkIndex] = .unreadable(reason)
                failed.append(job.absolutePath)
            case .failure(.notRegular(let kind)):
                outcomes[job.checkIndex] = .notRegular(kind.rawValue)
                failed.append(job.absolutePath)
            }
        }
        try cache?.forget(failed)
        try cache?.remember(verified)

        var entries = plan.checks.indices.map { plan.entry(for: plan.checks[$0], outcome: outcomes[$0] ?? .unreadable("not checked")) }

        // 5. What is there but not listed, and a bag's own checks.
        var bag: BagReport?
        if !options.ignoreUnlisted || isBag {
            let walked = DirectoryWalker.walk(bytes: rootBytes)
            let extra = plan.unlisted(found: walked.items.map { UnlistedCandidate(path: $0.relativeBytes, reported: $0.relativeBytes, size: $0.status.size) },
                                      excluded: excluded, isBag: isBag || manifests.contains { $0.manifest.format == .bagit }, entries: &entries)
            entries += extra
            for (path, reason) in walked.problems {
                entries.append(EntryResult(pathBytes: path, status: .unreadable, detail: "cannot list directory: \(reason)"))
            }
            if isBag {
                let infoName = VerificationPlan.bagInfoName(declaration: declaration)
                var report = VerificationPlan.bagReport(
                    location: "", declaration: declaration,
                    info: try? readWholeFile(FilePaths.join(rootReal, infoName), limit: 1 << 24),
                    fetch: try? readWholeFile(FilePaths.join(rootReal, "fetch.txt"), limit: 1 << 28),
                    hasDataDirectory: walked.directories.contains(Array("data".utf8)),
                    files: walked.items.map { ($0.relativeBytes, $0.status.size) }, manifests: manifests, problemsBefore: bagProblems)
                VerificationPlan.finish(&report, entries: &entries, malformed: plan.malformed)
                bag = report
            }
        }
        return makeReport(root: displayRoot, rootKind: "directory", plan: plan, entries: entries, bag: bag, warnings: [],
                          started: started, bytesHashed: jobs.reduce(0) { $0 + $1.size })
    }

    /// Names of the regular files directly in `directory` (manifest candidates), as text; names that are not
    /// UTF-8 cannot be manifest names and are left out.
    static func regularFileNames(in directory: String) -> [String] {
        guard let handle = opendir(directory) else { return [] }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
            guard let text = String(validating: name, as: UTF8.self), text != ".", text != ".." else { continue }
            if case .success(let status) = FileStatus.status(FilePaths.join(directory, text)), status.kind == .regular {
                names.append(text)
            }
        }
        return names.sorted()
    }

    /// Hashes the jobs on `options.jobs` threads, largest file first; results in job order.
    private func hashInParallel(_ jobs: [HashJob]) -> [Result<(digests: [HashAlgorithm: String], status: FileStatus), FileHasher.Failure>] {
        let order = jobs.indices.sorted { jobs[$0].size > jobs[$1].size }
        let totalBytes = jobs.reduce(Int64(0)) { $0 + $1.size }
        let next = Locked(0)
        let doneBytes = Locked(Int64(0))
        let outcomes = Locked([Int: Result<(digests: [HashAlgorithm: String], status: FileStatus), FileHasher.Failure>]())
        let progress = self.progress
        runOnThreads(min(options.jobs, max(1, jobs.count))) { _ in
            let hasher = FileHasher()
            while true {
                let slot = next.withLock { value -> Int in
                    defer { value += 1 }
                    return value
                }
                guard slot < order.count else { break }
                let job = jobs[order[slot]]
                var pending = 0
                let outcome = hasher.digests(pathBytes: job.absolutePath, algorithms: job.algorithms) { count in
                    pending += count
                    if pending >= 16 << 20 {
                        let done = doneBytes.withLock { value -> Int64 in value += Int64(pending); return value }
                        pending = 0
                        progress.update(phase: "hashing", done: done, total: totalBytes, unit: .bytes)
                    }
                }
                let done = doneBytes.withLock { value -> Int64 in value += Int64(pending); return value }
                progress.update(phase: "hashing", done: done, total: totalBytes, unit: .bytes)
                outcomes.withLock { $0[order[slot]] = outcome }
                KillPoint.pass("verify.hashed")
            }
        }
        let finished = outcomes.value
        return jobs.indices.map { finished[$0] ?? .failure(.unreadable("not hashed")) }
    }
}
