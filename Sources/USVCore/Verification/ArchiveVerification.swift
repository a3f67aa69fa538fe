import Foundation

/// Verification of a data set (or a BagIt bag) packed in an archive: members are hashed while libarchive streams
/// them, nothing is extracted. Zip archives are indexed first (cheap: headers only, data skipped by seeking), so
/// that the manifests are read first and only listed members are hashed, by several readers in parallel. Other
/// archives (tar.gz …) are read in one sequential pass that keeps the small manifest-like members in memory and
/// hashes the rest in the algorithms the manifests seen so far use (SHA-256 before any); members that turn out to
/// need another algorithm are read once more in a second pass.
struct ArchiveVerification {
    let verifier: Verifier

    /// Members kept in memory while looking for manifests: at most this many bytes each, and in all.
    static let keepLimit = 256 << 20
    static let keepTotal = 1 << 30

    private struct MemberState: Sendable {
        var member: ArchiveMember
        var digests: [HashAlgorithm: String] = [:]
        var size: Int64?
        var error: String?
        var bytes: [UInt8]?
    }

    private struct Location {
        /// The folder holding the data set or bag ("" for the archive's top), as bytes without a trailing slash.
        var prefix: [UInt8]
        var selection: ManifestDiscovery.Selection
    }

    func verify(archive: String, displayRoot: String, started: Date) throws -> VerificationReport {
        let options = verifier.options
        let probe = try verifier.openArchive(archive)
        var states: [MemberState] = []
        var bytesHashed: Int64 = 0
        var indexed = false
        if let first = try probe.nextMember() {
            indexed = probe.isZip
            if indexed {
                states.append(MemberState(member: first))
                while let member = try probe.nextMember() { states.append(MemberState(member: member)) }
                let wanted = Set(states.filter { Self.isInteresting($0.member) }.map(\.member.index))
                for (index, bytes) in try Self.readMembers(wanted, of: archive, limits: options.archiveLimits) { states[index].bytes = bytes }
            } else {
                states = streamingPass(probe, first: first, bytesHashed: &bytesHashed)
            }
        }
        let members = states.map(\.member)

        // The manifests: an explicit file, or the shallowest folder where the search order finds one.
        var location: Location
        var manifests: [ReadManifest] = []
        var bagProblems: [String] = []
        if let explicit = options.manifestPath {
            let manifest = try ManifestParser.parse(fileAt: explicit, format: options.manifestFormat)
            let prefix = Self.bestPrefix(for: manifest, members: members)
            let names = Self.namesIn(prefix, members: members)
            location = Location(prefix: prefix, selection: ManifestDiscovery.Selection(
                isBag: false, manifests: [], recognised: ManifestDiscovery.select(names: names, all: true).recognised))
            manifests = [ReadManifest(name: explicit, path: explicit, role: .checksums, manifest: manifest)]
        } else {
            guard let found = Self.locate(members, all: options.allManifests) else {
                throw Verifier.noManifestError("\(displayRoot) (in the archive)")
            }
            location = found
            guard !found.selection.manifests.isEmpty else {
                throw USVError.usage("\(displayRoot): the BagIt bag at '\(PathText.text(found.prefix))' has bagit.txt but no "
                    + "manifest-<alg>.txt: No manifest files found")
            }
            (manifests, bagProblems) = try Verifier.readManifests(
                found.selection, options: options, where: displayRoot,
                path: { PathText.text(Self.memberPath(found.prefix, Array($0.utf8))) },
                read: { name in try readWholeMember(Self.memberPath(found.prefix, Array(name.utf8)), states: states, archive: archive) })
        }
        let prefix = location.prefix
        let isBag = location.selection.isBag
        let declaration = isBag ? try? readWholeMember(Self.memberPath(prefix, Array("bagit.txt".utf8)), states: states, archive: archive) : nil
        if isBag && !VerificationPlan.readsTagManifests(declaration: declaration) { manifests.removeAll { $0.role == .tag } }
        var plan = VerificationPlan(manifests: manifests, options: options)

        // Listed members: relative path (bytes) → member index.
        var byRelative: [[UInt8]: Int] = [:]
        for member in members {
            if let relative = Self.relative(member.pathBytes, to: prefix), byRelative[relative] == nil { byRelative[relative] = member.index }
        }
        var outcomes = [CheckOutcome?](repeating: nil, count: plan.checks.count)
        var leftovers: [Int: Set<HashAlgorithm>] = [:]
        for (index, check) in plan.checks.enumerated() {
            if let refused = plan.precheck(check) {
                outcomes[index] = refused
                continue
            }
            if byRelative[check.pathBytes] == nil, let literal = check.literal, FilePaths.unsafeReason(bytes: literal) == nil,
               let found = byRelative[literal] {
                byRelative[check.pathBytes] = found
                plan.checks[index].foundAs = literal
            }
            guard let memberIndex = byRelative[check.pathBytes] else {
                outcomes[index] = .missing(nil)
                continue
            }
            let member = members[memberIndex]
            guard member.kind == .regular else {
                outcomes[index] = .notRegular("\(member.kind.rawValue) member")
                continue
            }
            let needed = check.algorithms(all: options.allManifests)
            if let bytes = states[memberIndex].bytes {
                let missing = needed.subtracting(states[memberIndex].digests.keys)
                if !missing.isEmpty {
                    states[memberIndex].digests.merge(Digester.digests(of: bytes, missing)) { old, _ in old }
                    if indexed { bytesHashed += Int64(bytes.count) }
                }
                states[memberIndex].size = Int64(bytes.count)
            } else if states[memberIndex].error == nil && !needed.isSubset(of: states[memberIndex].digests.keys) {
                leftovers[memberIndex, default: []].formUnion(needed)
            }
        }
        // Members that need an algorithm not computed yet: read (again).
        if !leftovers.isEmpty {
            let rehashed = indexed ? hashMembersInParallel(leftovers, members: members, archive: archive)
                                   : hashMembersInOnePass(leftovers, archive: archive)
            for state in rehashed {
                let index = state.member.index
                if let error = state.error {
                    states[index].error = error
                } else {
                    states[index].digests.merge(state.digests) { _, new in new }
                    states[index].size = state.size
                    bytesHashed += state.size ?? 0
                }
            }
        }
        for (index, check) in plan.checks.enumerated() where outcomes[index] == nil {
            guard let memberIndex = byRelative[check.pathBytes] else { continue }
            let state = states[memberIndex]
            if let error = state.error {
                outcomes[index] = .unreadable(error)
            } else {
                outcomes[index] = .digests(state.digests, size: state.size ?? state.member.size ?? 0, by: .hashed)
            }
        }
        var entries = plan.checks.indices.map { plan.entry(for: plan.checks[$0], outcome: outcomes[$0] ?? .unreadable("member was not read")) }

        // Members not listed (the manifests and, in a bag, its tag files aside), and a bag's own checks.
        let excluded = Set(location.selection.recognised.map { Array($0.utf8) })
        let found = members.filter { $0.kind != .directory }.map { member -> UnlistedCandidate in
            let unsafe = member.unsafeReason.map { "unsafe member name (\($0)); never read" }
            return UnlistedCandidate(path: Self.relative(member.pathBytes, to: prefix) ?? member.pathBytes, reported: member.pathBytes,
                                     size: member.size, note: unsafe, outsideRoot: Self.relative(member.pathBytes, to: prefix) == nil)
        }
        let extra = plan.unlisted(found: found, excluded: excluded,
                                  isBag: isBag || manifests.contains { $0.manifest.format == .bagit }, entries: &entries)
        entries += extra
        var bag: BagReport?
        if isBag {
            let inside = members.filter { $0.kind != .directory }.compactMap { member -> (path: [UInt8], size: Int64)? in
                guard let relative = Self.relative(member.pathBytes, to: prefix) else { return nil }
                return (relative, member.size ?? states[member.index].size ?? 0)
            }
            let data = Array("data".utf8)
            let hasData = members.contains { member in
                guard let relative = Self.relative(member.pathBytes, to: prefix) else { return false }
                return relative == data || relative.starts(with: data + [UInt8(ascii: "/")])
            }
            let infoName = VerificationPlan.bagInfoName(declaration: declaration)
            var report = VerificationPlan.bagReport(
                location: PathText.text(prefix), declaration: declaration,
                info: try? readWholeMember(Self.memberPath(prefix, Array(infoName.utf8)), states: states, archive: archive),
                fetch: try? readWholeMember(Self.memberPath(prefix, Array("fetch.txt".utf8)), states: states, archive: archive),
                hasDataDirectory: hasData, files: inside, manifests: manifests, problemsBefore: bagProblems)
            VerificationPlan.finish(&report, entries: &entries, malformed: plan.malformed)
            bag = report
        }
        return verifier.makeReport(root: displayRoot, rootKind: "archive", plan: plan, entries: entries, bag: bag, warnings: [],
                                   started: started, bytesHashed: bytesHashed)
    }

    // MARK: - Reading

    /// The one pass over a non-seekable archive: manifest-like members kept in memory, the rest hashed in the
    /// algorithms the manifests seen so far need (SHA-256 until one is seen).
    private func streamingPass(_ reader: ArchiveReader, first: ArchiveMember, bytesHashed: inout Int64) -> [MemberState] {
        var states: [MemberState] = []
        var guess: Set<HashAlgorithm> = [.sha256]
        var kept = 0
        var member: ArchiveMember? = first
        while let current = member {
            var state = MemberState(member: current)
            if current.kind == .regular && current.unsafeReason == nil {
                let keep = Self.isInteresting(current) && kept < Self.keepTotal
                var digester = Digester(guess)
                var bytes: [UInt8]? = keep ? [] : nil
                do {
                    let size = try reader.readData { block in
                        digester.update(block)
                        if bytes != nil {
                            if (bytes?.count ?? 0) + block.count <= Self.keepLimit {
                                bytes?.append(contentsOf: block)
                            } else {
                                bytes = nil
                            }
                        }
                    }
                    state.digests = digester.finalize()
                    state.size = size
                    state.bytes = bytes
                    kept += bytes?.count ?? 0
                    bytesHashed += size
                    verifier.progress.update(phase: "hashing", done: Int64(current.index + 1), total: 0, unit: .items)
                } catch {
                    state.error = "\(error)"
                }
            }
            states.append(state)
            if state.bytes != nil { guess = algorithmGuess(states) }
            do {
                member = try reader.nextMember()
            } catch {
                // A corrupt header ends the pass: what follows cannot be found.
                states[states.count - 1].error = states[states.count - 1].error ?? "\(error)"
                member = nil
            }
        }
        return states
    }

    /// The algorithms the manifests found so far use (their strongest each, or all with --all-manifests).
    private func algorithmGuess(_ states: [MemberState]) -> Set<HashAlgorithm> {
        guard let location = Self.locate(states.map(\.member), all: verifier.options.allManifests) else { return [.sha256] }
        var algorithms: Set<HashAlgorithm> = []
        for (name, _) in location.selection.manifests {
            let path = Self.memberPath(location.prefix, Array(name.utf8))
            guard let bytes = states.first(where: { $0.member.pathBytes == path })?.bytes,
                  let manifest = try? ManifestParser.parse(bytes, name: name, allowEmpty: true) else { continue }
            if verifier.options.allManifests {
                algorithms.formUnion(manifest.algorithms)
            } else if let strongest = manifest.algorithms.first {
                algorithms.insert(strongest)
            }
        }
        return algorithms.isEmpty ? [.sha256] : algorithms
    }

    /// A member's bytes: kept from the first pass, or read now.
    private func readWholeMember(_ path: [UInt8], states: [MemberState], archive: String) throws -> [UInt8] {
        guard let state = states.first(where: { $0.member.pathBytes == path && $0.member.kind == .regular }) else {
            throw USVError.io(path: archive, reason: "no member '\(PathText.text(path).visibleEscapes)'")
        }
        if let bytes = state.bytes { return bytes }
        guard let bytes = try Self.readMembers([state.member.index], of: archive, limits: verifier.options.archiveLimits)[state.member.index] else {
            throw USVError.malformed(path: archive, location: "member '\(state.member.path.visibleEscapes)'", reason: "vanished on re-read")
        }
        return bytes
    }

    /// Reads the members at `indices` into memory in one pass (each at most 1 GiB).
    private static func readMembers(_ indices: Set<Int>, of archive: String, limits: ArchiveLimits) throws -> [Int: [UInt8]] {
        guard let last = indices.max() else { return [:] }
        var out: [Int: [UInt8]] = [:]
        let reader = try ArchiveReader(path: archive)
        reader.limits = limits
        while let member = try reader.nextMember(), member.index <= last {
            if indices.contains(member.index) { out[member.index] = try reader.readAll(limit: 1 << 30) }
        }
        return out
    }

    /// Hashes zip members with up to `jobs` independent readers, members assigned largest first.
    private func hashMembersInParallel(_ wanted: [Int: Set<HashAlgorithm>], members: [ArchiveMember], archive: String) -> [MemberState] {
        let chosen = wanted.keys.map { members[$0] }
        let workers = min(verifier.options.jobs, max(1, chosen.count))
        var assignment = [[Int]](repeating: [], count: workers)
        var load = [Int64](repeating: 0, count: workers)
        for member in chosen.sorted(by: { ($0.size ?? 0, $1.index) > ($1.size ?? 0, $0.index) }) {
            let worker = load.indices.min { load[$0] < load[$1] } ?? 0
            assignment[worker].append(member.index)
            load[worker] += max(1, member.size ?? 0)
        }
        let total = load.reduce(0, +)
        let done = Locked(Int64(0))
        let results = Locked([MemberState]())
        let progress = verifier.progress
        let plan = assignment.map { Set($0) }
        runOnThreads(workers) { worker in
            let mine = plan[worker]
            var outcomes: [MemberState] = []
            do {
                let reader = try verifier.openArchive(archive)
                while let member = try reader.nextMember() {
                    guard mine.contains(member.index), let algorithms = wanted[member.index] else { continue }
                    var digester = Digester(algorithms)
                    do {
                        var pending: Int64 = 0
                        let size = try reader.readData { block in
                            digester.update(block)
                            pending += Int64(block.count)
                            if pending >= 16 << 20 {
                                let now = done.withLock { value -> Int64 in value += pending; return value }
                                pending = 0
                                progress.update(phase: "hashing", done: now, total: total, unit: .bytes)
                            }
                        }
                        done.withLock { $0 += pending }
                        outcomes.append(MemberState(member: member, digests: digester.finalize(), size: size))
                    } catch {
                        outcomes.append(MemberState(member: member, error: "\(error)"))
                    }
                }
            } catch {
                let finished = Set(outcomes.map(\.member.index))
                outcomes += chosen.filter { mine.contains($0.index) && !finished.contains($0.index) }
                    .map { MemberState(member: $0, error: "\(error)") }
            }
            let finished = outcomes
            results.withLock { $0 += finished }
        }
        return results.value
    }

    /// The second sequential pass over a tar: only the members that still need a digest are read.
    private func hashMembersInOnePass(_ wanted: [Int: Set<HashAlgorithm>], archive: String) -> [MemberState] {
        var outcomes: [MemberState] = []
        do {
            let reader = try verifier.openArchive(archive)
            while let member = try reader.nextMember() {
                guard let algorithms = wanted[member.index] else { continue }
                var digester = Digester(algorithms)
                do {
                    let size = try reader.readData { digester.update($0) }
                    outcomes.append(MemberState(member: member, digests: digester.finalize(), size: size))
                } catch {
                    outcomes.append(MemberState(member: member, error: "\(error)"))
                }
            }
        } catch {
            let finished = Set(outcomes.map(\.member.index))
            for index in wanted.keys where !finished.contains(index) {
                outcomes.append(MemberState(member: ArchiveMember(path: "", pathBytes: [], kind: .regular, size: nil, index: index),
                                            error: "\(error)"))
            }
        }
        return outcomes
    }

    // MARK: - Where the data set is

    private static func isInteresting(_ member: ArchiveMember) -> Bool {
        member.kind == .regular && member.unsafeReason == nil && ManifestDiscovery.isInteresting(FilePaths.lastComponent(member.path))
    }

    /// The shallowest folder (first in archive order at equal depth) where the search order finds a manifest or bag.
    private static func locate(_ members: [ArchiveMember], all: Bool) -> Location? {
        var folders: [[UInt8]: (names: [String], first: Int)] = [:]
        for member in members where member.kind == .regular && member.unsafeReason == nil && PathText.isUTF8(member.pathBytes) {
            let folder = Array(FilePaths.directoryPart(member.path).utf8)
            folders[folder, default: ([], member.index)].names.append(FilePaths.lastComponent(member.path))
        }
        let order = folders.keys.sorted { lhs, rhs in
            (depth(lhs), folders[lhs]?.first ?? 0) < (depth(rhs), folders[rhs]?.first ?? 0)
        }
        for folder in order {
            let names = folders[folder]?.names ?? []
            let selection = ManifestDiscovery.select(names: names, all: all)
            if !selection.manifests.isEmpty || selection.isBag { return Location(prefix: folder, selection: selection) }
        }
        return nil
    }

    private static func depth(_ folder: [UInt8]) -> Int {
        folder.isEmpty ? 0 : folder.split(separator: UInt8(ascii: "/")).count
    }

    /// `prefix/name`, or `name` at the top.
    static func memberPath(_ prefix: [UInt8], _ name: [UInt8]) -> [UInt8] {
        prefix.isEmpty ? name : prefix + [UInt8(ascii: "/")] + name
    }

    /// The path below `prefix`, or nil when the member lies elsewhere.
    static func relative(_ path: [UInt8], to prefix: [UInt8]) -> [UInt8]? {
        if prefix.isEmpty { return path }
        guard path.count > prefix.count + 1, path.starts(with: prefix), path[prefix.count] == UInt8(ascii: "/") else { return nil }
        return Array(path[(prefix.count + 1)...])
    }

    /// Names of the regular members directly in `prefix`.
    private static func namesIn(_ prefix: [UInt8], members: [ArchiveMember]) -> [String] {
        members.compactMap { member in
            guard member.kind == .regular, let relative = relative(member.pathBytes, to: prefix),
                  !relative.contains(UInt8(ascii: "/")) else { return nil }
            return String(validating: relative, as: UTF8.self)
        }
    }

    /// With an external manifest: the archive's top folder when that matches more entries than none.
    private static func bestPrefix(for manifest: Manifest, members: [ArchiveMember]) -> [UInt8] {
        let names = Set(members.map(\.pathBytes))
        let tops = Set(members.compactMap { $0.pathBytes.split(separator: UInt8(ascii: "/")).first.map(Array.init) })
        var best: ([UInt8], Int) = ([], manifest.entries.filter { names.contains($0.pathBytes) }.count)
        for top in tops.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            let matches = manifest.entries.filter { names.contains(memberPath(top, $0.pathBytes)) }.count
            if matches > best.1 { best = (top, matches) }
        }
        return best.0
    }
}
