import Crypto
import Foundation

/// Verification of a data set packed in an archive: members are hashed while libarchive streams them,
/// nothing is extracted. Zip archives are indexed first (cheap: headers only, data skipped by seeking) so
/// that only listed members are read and several readers can hash in parallel; other archives (tar.gz …)
/// are read in one sequential pass.
struct ArchiveVerification {
    let verifier: Verifier

    private struct MemberOutcome: Sendable {
        var member: ArchiveMember
        var sha256: String?
        var size: Int64?
        var error: String?
    }

    func verify(archive: String, displayRoot: String, started: Date) throws -> VerificationReport {
        let options = verifier.options
        let probe = try ArchiveReader(path: archive)
        var members: [ArchiveMember] = []
        while let member = try probe.nextMember() {
            members.append(member)
            if !probe.isZip { break }
        }
        let indexed = probe.isZip

        // Find and read the manifest: an explicit file, or the shallowest conventional name in the archive.
        var manifest: Manifest
        var manifestPath: String
        var prefix = ""
        var outcomes: [String: MemberOutcome] = [:]
        if let explicit = options.manifestPath {
            manifest = try ManifestParser.parse(fileAt: explicit, format: options.manifestFormat)
            manifestPath = explicit
        } else if indexed {
            guard let member = Self.manifestMember(in: members) else {
                throw USVError.usage("\(displayRoot): no manifest member in the archive (looked for "
                    + ManifestParser.conventionalNames.joined(separator: ", ") + "); pass one with --manifest PATH")
            }
            let bytes = try Self.readMember(member, of: archive)
            manifest = try ManifestParser.parse(bytes, name: member.path, format: options.manifestFormat)
            manifestPath = member.path
            prefix = FilePaths.directoryPart(member.path)
        } else {
            // One sequential pass: hash every member, keep the manifest's bytes when it passes by.
            var manifestBytes: (member: ArchiveMember, bytes: [UInt8])?
            let reader = try ArchiveReader(path: archive)
            while let member = try reader.nextMember() {
                if member.kind == .regular, ManifestParser.conventionalNames.contains(FilePaths.lastComponent(member.path)),
                   manifestBytes.map({ Self.depth($0.member.path) > Self.depth(member.path) }) ?? true {
                    manifestBytes = (member, try reader.readAll(limit: 1 << 30))
                    outcomes[member.path] = MemberOutcome(member: member)
                    continue
                }
                outcomes[member.path] = hashCurrent(member, reader: reader)
            }
            members = outcomes.values.map(\.member).sorted { $0.index < $1.index }
            guard let found = manifestBytes else {
                throw USVError.usage("\(displayRoot): no manifest member in the archive; pass one with --manifest PATH")
            }
            manifest = try ManifestParser.parse(found.bytes, name: found.member.path, format: options.manifestFormat)
            manifestPath = found.member.path
            prefix = FilePaths.directoryPart(found.member.path)
        }
        if options.manifestPath != nil {
            prefix = Self.bestPrefix(for: manifest, members: members)
            if !indexed && outcomes.isEmpty {
                let reader = try ArchiveReader(path: archive)
                while let member = try reader.nextMember() { outcomes[member.path] = hashCurrent(member, reader: reader) }
                members = outcomes.values.map(\.member).sorted { $0.index < $1.index }
            }
        }
        let memberByPath = Dictionary(members.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        func memberPath(_ entryPath: String) -> String { prefix.isEmpty ? entryPath : prefix + "/" + entryPath }

        // Zip: hash only the listed, safe, regular members, in parallel readers.
        if indexed {
            let wanted = manifest.entries.compactMap { entry -> ArchiveMember? in
                guard FilePaths.unsafeReason(entry.path) == nil, !verifier.isSkippedArtefact(entry.path),
                      let member = memberByPath[memberPath(entry.path)], member.kind == .regular else { return nil }
                return member
            }
            for outcome in hashMembersInParallel(wanted, archive: archive) { outcomes[outcome.member.path] = outcome }
        }

        var results: [EntryResult] = []
        for entry in manifest.entries {
            var result = EntryResult(path: entry.path, status: .ok, line: entry.line, expected: entry.sha256)
            if let reason = FilePaths.unsafeReason(entry.path) {
                result.status = .unsafePath
                result.detail = reason
            } else if verifier.isSkippedArtefact(entry.path) {
                result.status = .skippedOSArtefact
            } else if let member = memberByPath[memberPath(entry.path)] {
                if member.kind != .regular {
                    result.status = .notRegularFile
                    result.detail = "\(member.kind.rawValue) member"
                } else if let outcome = outcomes[member.path], let sha256 = outcome.sha256 {
                    result.actual = sha256
                    result.size = outcome.size
                    result.status = sha256 == entry.sha256 ? .ok : .mismatch
                } else {
                    result.status = .unreadable
                    result.detail = outcomes[member.path]?.error ?? "member was not read"
                }
            } else {
                result.status = .missing
            }
            results.append(result)
        }

        let listed = Set(manifest.entries.map { memberPath($0.path) })
        // A manifest never lists itself: the one used, and any conventional manifest at the data-set root.
        let manifestNames = Set([manifestPath] + ManifestParser.conventionalNames.map(memberPath))
        for member in members where member.kind != .directory && !listed.contains(member.path)
            && !manifestNames.contains(member.path) {
            let unsafe = FilePaths.unsafeReason(member.path)
            let relative = !prefix.isEmpty && member.path.hasPrefix(prefix + "/")
                ? String(member.path.dropFirst(prefix.count + 1)) : member.path
            let skipped = unsafe == nil && verifier.isSkippedArtefact(relative)
            results.append(EntryResult(path: member.path, status: skipped ? .skippedOSArtefact : .unlisted, line: nil,
                                       expected: nil, size: member.size,
                                       detail: unsafe.map { "unsafe member name (\($0)); never read" }
                                           ?? (skipped ? "not listed" : nil)))
        }
        let hashedBytes = outcomes.values.reduce(Int64(0)) { $0 + ($1.sha256 == nil ? 0 : ($1.size ?? 0)) }
        return VerificationReport(
            root: displayRoot, rootKind: "archive", manifestPath: manifestPath, manifestFormat: manifest.format,
            manifestSHA256: manifest.sha256, manifestEntries: manifest.entries.count,
            malformedLines: manifest.problems, startedAt: started, seconds: 0, jobs: options.jobs,
            bytesHashed: hashedBytes, cacheHits: 0, summary: VerificationReport.tally(results), entries: results)
    }

    /// Hashes the current member of `reader` unless its name is unsafe or it is not a regular file.
    private func hashCurrent(_ member: ArchiveMember, reader: ArchiveReader) -> MemberOutcome {
        guard member.kind == .regular, FilePaths.unsafeReason(member.path) == nil else {
            return MemberOutcome(member: member)
        }
        var hasher = SHA256()
        do {
            let size = try reader.readData { hasher.update(bufferPointer: $0) }
            verifier.progress.update(phase: "hashing", done: Int64(member.index + 1), total: 0, unit: .items)
            return MemberOutcome(member: member, sha256: hasher.finalize().hexString, size: size)
        } catch {
            return MemberOutcome(member: member, error: "\(error)")
        }
    }

    /// Hashes zip members with up to `jobs` independent readers, members assigned largest first.
    private func hashMembersInParallel(_ wanted: [ArchiveMember], archive: String) -> [MemberOutcome] {
        let workers = min(verifier.options.jobs, max(1, wanted.count))
        var assignment = [[Int]](repeating: [], count: workers)
        var load = [Int64](repeating: 0, count: workers)
        for member in wanted.sorted(by: { ($0.size ?? 0) > ($1.size ?? 0) }) {
            let worker = load.indices.min { load[$0] < load[$1] } ?? 0
            assignment[worker].append(member.index)
            load[worker] += max(1, member.size ?? 0)
        }
        let total = load.reduce(0, +)
        let done = Locked(Int64(0))
        let results = Locked([MemberOutcome]())
        let progress = verifier.progress
        let plan = assignment.map { Set($0) }
        runOnThreads(workers) { worker in
            let mine = plan[worker]
            var outcomes: [MemberOutcome] = []
            do {
                let reader = try ArchiveReader(path: archive)
                while let member = try reader.nextMember() {
                    guard mine.contains(member.index) else { continue }
                    var hasher = SHA256()
                    do {
                        var pending: Int64 = 0
                        let size = try reader.readData { block in
                            hasher.update(bufferPointer: block)
                            pending += Int64(block.count)
                            if pending >= 16 << 20 {
                                let now = done.withLock { value -> Int64 in value += pending; return value }
                                pending = 0
                                progress.update(phase: "hashing", done: now, total: total, unit: .bytes)
                            }
                        }
                        done.withLock { $0 += pending }
                        outcomes.append(MemberOutcome(member: member, sha256: hasher.finalize().hexString, size: size))
                    } catch {
                        outcomes.append(MemberOutcome(member: member, error: "\(error)"))
                    }
                }
            } catch {
                let failed = wanted.filter { mine.contains($0.index) && !outcomes.map(\.member.index).contains($0.index) }
                outcomes += failed.map { MemberOutcome(member: $0, error: "\(error)") }
            }
            let finished = outcomes
            results.withLock { $0 += finished }
        }
        return results.value
    }

    private static func readMember(_ wanted: ArchiveMember, of archive: String) throws -> [UInt8] {
        let reader = try ArchiveReader(path: archive)
        while let member = try reader.nextMember(), member.index <= wanted.index {
            if member.index == wanted.index { return try reader.readAll(limit: 1 << 30) }
        }
        throw USVError.malformed(path: archive, location: "member '\(wanted.path.visibleEscapes)'", reason: "vanished on re-read")
    }

    private static func manifestMember(in members: [ArchiveMember]) -> ArchiveMember? {
        members.filter { $0.kind == .regular && FilePaths.unsafeReason($0.path) == nil
            && ManifestParser.conventionalNames.contains(FilePaths.lastComponent($0.path)) }
            .min { (depth($0.path), $0.index) < (depth($1.path), $1.index) }
    }

    private static func depth(_ path: String) -> Int { path.split(separator: "/").count }

    /// With an external manifest: the archive's single top folder when that matches more entries than none.
    private static func bestPrefix(for manifest: Manifest, members: [ArchiveMember]) -> String {
        let names = Set(members.map(\.path))
        let tops = Set(members.compactMap { $0.path.split(separator: "/").first.map(String.init) })
        var best = ("", manifest.entries.filter { names.contains($0.path) }.count)
        for top in tops {
            let matches = manifest.entries.filter { names.contains(top + "/" + $0.path) }.count
            if matches > best.1 { best = (top, matches) }
        }
        return best.0
    }
}
