import Foundation

/// How `usv verify` runs.
public struct VerifyOptions: Sendable {
    /// Files hashed at once.
    public var jobs: Int
    /// Rehash everything, ignoring the verify cache.
    public var full: Bool
    /// Verify `Icon\r`, `.DS_Store` and other OS artefacts like any file instead of skipping them.
    public var includeOSArtefacts: Bool
    /// The manifest, when not found in the root (absolute, or relative to the working directory).
    public var manifestPath: String?
    /// Force a manifest dialect instead of detecting it.
    public var manifestFormat: ManifestFormat?

    public init(jobs: Int = ProcessInfo.processInfo.activeProcessorCount, full: Bool = false,
                includeOSArtefacts: Bool = false, manifestPath: String? = nil, manifestFormat: ManifestFormat? = nil) {
        self.jobs = max(1, jobs)
        self.full = full
        self.includeOSArtefacts = includeOSArtefacts
        self.manifestPath = manifestPath
        self.manifestFormat = manifestFormat
    }
}

/// Checks a data-set directory, or an archive of one, against its SHA-256 manifest.
///
/// Nothing under the root is ever written. Entries that are absolute, climb out with `..`, or resolve
/// through a symlink to outside the root are reported as `unsafe-path` and never opened; FIFOs, devices
/// and directories are never read. Files are hashed in parallel, largest first, so that one huge file
/// does not wait behind many small ones.
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

    // MARK: - Manifest

    func loadManifest(defaultDirectory: String) throws -> (manifest: Manifest, path: String) {
        if let explicit = options.manifestPath {
            return (try ManifestParser.parse(fileAt: explicit, format: options.manifestFormat), explicit)
        }
        for name in ManifestParser.conventionalNames {
            let candidate = FilePaths.join(defaultDirectory, name)
            if case .success(let status) = FileStatus.status(candidate), status.kind == .regular {
                return (try ManifestParser.parse(fileAt: candidate, format: options.manifestFormat), candidate)
            }
        }
        throw USVError.usage("\(defaultDirectory): no manifest found (looked for "
            + ManifestParser.conventionalNames.joined(separator: ", ") + "); pass one with --manifest PATH")
    }

    func isSkippedArtefact(_ path: String) -> Bool {
        !options.includeOSArtefacts && OSArtefacts.isArtefact(path)
    }

    // MARK: - Directory

    private struct HashJob: Sendable {
        var resultIndex: Int
        var absolutePath: String
        var size: Int64
    }

    private func verifyDirectory(_ rootReal: String, displayRoot: String, started: Date) throws -> VerificationReport {
        let (manifest, manifestPath) = try loadManifest(defaultDirectory: rootReal)
        var results: [EntryResult] = []
        var jobs: [HashJob] = []
        var statuses: [Int: FileStatus] = [:]
        results.reserveCapacity(manifest.entries.count)

        for entry in manifest.entries {
            let index = results.count
            var result = EntryResult(path: entry.path, status: .ok, line: entry.line, expected: entry.sha256)
            if let reason = FilePaths.unsafeReason(entry.path) {
                result.status = .unsafePath
                result.detail = reason
            } else if isSkippedArtefact(entry.path) {
                result.status = .skippedOSArtefact
            } else {
                let joined = FilePaths.join(rootReal, entry.path)
                switch FilePaths.realPath(joined) {
                case .failure(let error):
                    if error.isNotFound {
                        result.status = .missing
                        if case .success(let link) = FileStatus.lstatus(joined), link.kind == .symlink {
                            result.detail = "dangling symlink"
                        }
                    } else {
                        result.status = .unreadable
                        result.detail = error.description
                    }
                case .success(let resolved):
                    if !FilePaths.isInside(resolved, root: rootReal) {
                        result.status = .unsafePath
                        result.detail = "resolves through a symlink to outside the root"
                    } else {
                        switch FileStatus.status(resolved) {
                        case .failure(let error):
                            result.status = .unreadable
                            result.detail = error.description
                        case .success(let status) where status.kind != .regular:
                            result.status = .notRegularFile
                            result.detail = status.kind.rawValue
                        case .success(let status):
                            result.size = status.size
                            statuses[index] = status
                            jobs.append(HashJob(resultIndex: index, absolutePath: resolved, size: status.size))
                        }
                    }
                }
            }
            results.append(result)
        }

        // The verify cache: unchanged files that verified before are not read again.
        var cacheHits = 0
        if let cache, !options.full, !jobs.isEmpty {
            let remembered = try cache.cachedHashes(for: jobs.map(\.absolutePath))
            jobs.removeAll { job in
                guard let status = statuses[job.resultIndex], let hit = remembered[job.absolutePath],
                      hit.matches(status), hit.sha256 == results[job.resultIndex].expected else { return false }
                results[job.resultIndex].actual = hit.sha256
                results[job.resultIndex].cached = true
                cacheHits += 1
                return true
            }
        }

        let hashed = hashInParallel(jobs)
        var verified: [CachedFileHash] = []
        for (job, outcome) in zip(jobs, hashed) {
            switch outcome {
            case .success(let (sha256, status)):
                results[job.resultIndex].actual = sha256
                results[job.resultIndex].size = status.size
                if sha256 == results[job.resultIndex].expected {
                    verified.append(CachedFileHash(key: job.absolutePath, status: status, sha256: sha256))
                } else {
                    results[job.resultIndex].status = .mismatch
                }
            case .failure(.unreadable(let reason)):
                results[job.resultIndex].status = .unreadable
                results[job.resultIndex].detail = reason
            case .failure(.notRegular(let kind)):
                results[job.resultIndex].status = .notRegularFile
                results[job.resultIndex].detail = kind.rawValue
            }
        }
        try cache?.remember(verified)

        results += unlistedFiles(rootReal: rootReal, manifest: manifest, manifestPath: manifestPath)
        return VerificationReport(
            root: displayRoot, rootKind: "directory", manifestPath: manifestPath, manifestFormat: manifest.format,
            manifestSHA256: manifest.sha256, manifestEntries: manifest.entries.count,
            malformedLines: manifest.problems, startedAt: started, seconds: 0, jobs: options.jobs,
            bytesHashed: jobs.reduce(0) { $0 + $1.size }, cacheHits: cacheHits,
            summary: VerificationReport.tally(results), entries: results)
    }

    /// Hashes the jobs on `options.jobs` threads, largest file first; results in job order.
    private func hashInParallel(_ jobs: [HashJob]) -> [Result<(sha256: String, status: FileStatus), FileHasher.Failure>] {
        let order = jobs.indices.sorted { jobs[$0].size > jobs[$1].size }
        let totalBytes = jobs.reduce(Int64(0)) { $0 + $1.size }
        let next = Locked(0)
        let doneBytes = Locked(Int64(0))
        let outcomes = Locked([Int: Result<(sha256: String, status: FileStatus), FileHasher.Failure>]())
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
                let outcome = hasher.hash(path: job.absolutePath) { count in
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

    /// Files under the root that the manifest does not list (the manifest itself and, for BagIt, the tag
    /// files outside `data/` excluded). OS artefacts among them are skipped like listed ones.
    private func unlistedFiles(rootReal: String, manifest: Manifest, manifestPath: String) -> [EntryResult] {
        let listed = Set(manifest.entries.map(\.path))
        let manifestReal = (try? FilePaths.realPath(manifestPath).get()) ?? manifestPath
        let walked = DirectoryWalker.walk(rootReal)
        var results: [EntryResult] = []
        for item in walked.items where !listed.contains(item.relativePath) {
            // A manifest never lists itself: the one used, and any conventional manifest at the root.
            if FilePaths.join(rootReal, item.relativePath) == manifestReal
                || ManifestParser.conventionalNames.contains(item.relativePath) { continue }
            if manifest.format == .bagit && !item.relativePath.hasPrefix("data/") { continue }
            let skipped = isSkippedArtefact(item.relativePath)
            results.append(EntryResult(path: item.relativePath, status: skipped ? .skippedOSArtefact : .unlisted,
                                       line: nil, expected: nil, size: item.status.size,
                                       detail: skipped ? "not listed" : nil))
        }
        for (path, reason) in walked.problems {
            results.append(EntryResult(path: path, status: .unreadable, line: nil, expected: nil,
                                       detail: "cannot list directory: \(reason)"))
        }
        return results
    }
}
