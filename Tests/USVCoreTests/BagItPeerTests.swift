import Foundation
import Testing
@testable import USVCore
import USVTestSupport

/// What bagit_peer.py says bagit.py (Library of Congress, pinned in requirements.txt) made of a bag.
struct BagItVerdict: Decodable {
    struct Detail: Decodable, Hashable {
        var kind: String
        var path: String
        var algorithm: String?
    }

    var valid: Bool
    var error: String
    /// The first reason bagit.py gives: oxum, declaration, conflict, duplicate, unsafe, fetch, no-manifest, no-data,
    /// incomplete (files missing or unexpected), checksums (digests differ), other.
    var kind: String
    var details: [Detail]
}

/// bagit.py as the peer (issue #18): the bags it makes verify here; the bags it rejects are invalid here too, for
/// the same reason. bagit.py stops at its first failing stage (structure, bagit.txt, fetch.txt, Payload-Oxum,
/// completeness, checksums), so its one reason must be among the ones this tool reports.
@Suite struct BagItPeerTests {
    static func validate(_ python: String, _ bag: String) throws -> BagItVerdict {
        try JSONDecoder().decode(BagItVerdict.self, from: Data(try runPeer(python, script: "bagit_peer.py", arguments: ["validate", bag]).utf8))
    }

    /// The reasons this tool gives, in bagit_peer.py's words.
    static func reasons(_ report: VerificationReport) -> (kinds: Set<String>, details: Set<BagItVerdict.Detail>) {
        var kinds: Set<String> = []
        var details: Set<BagItVerdict.Detail> = []
        for problem in report.bag?.problems ?? [] {
            if problem.contains("Payload-Oxum") { kinds.insert("oxum") }
            if problem.contains("bagit.txt") || problem.contains("bag version") { kinds.insert("declaration") }
            if problem.contains("fetch.txt") { kinds.insert("fetch") }
            if problem.contains("No manifest files") { kinds.insert("no-manifest") }
            if problem.contains("data directory") { kinds.insert("no-data") }
        }
        for entry in report.entries {
            switch entry.status {
            case .mismatch:
                kinds.insert("checksums")
                let checks = [DigestCheck(algorithm: entry.algorithm ?? .sha256, expected: entry.expected ?? "", actual: entry.actual,
                                          line: entry.line ?? 0, manifest: "")] + (entry.otherDigests ?? [])
                for check in checks where check.actual != check.expected {
                    details.insert(.init(kind: "mismatch", path: entry.path, algorithm: check.algorithm.rawValue))
                }
            case .missing:
                kinds.insert("incomplete")
                details.insert(.init(kind: "missing", path: entry.path, algorithm: nil))
            case .unlisted:
                kinds.insert("incomplete")
                details.insert(.init(kind: "unexpected", path: entry.path, algorithm: nil))
            case .conflict: kinds.insert("conflict")
            case .unsafePath: kinds.insert("unsafe")
            default: break
            }
        }
        if report.malformedLines.contains(where: { $0.reason.contains("listed again") }) { kinds.insert("duplicate") }
        return (kinds, details)
    }

    /// A folder of payload files for bagit.py to turn into a bag: awkward names included.
    static func payloadFolder(_ label: String) throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory(label)
        try directory.write("a.txt", "alpha\n")
        try directory.write("sub/deeper/b.bin", bytes: (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        try directory.write("100%.txt", "percent")
        try directory.write("50%25off.txt", "bagit.py writes this name as it is, RFC 8493 would write %2525")
        try directory.write("%7E name with spaces.txt", "tilde")
        try directory.write("caf\u{E9}.txt", "nfc")
        try directory.write("*star.txt", "star")
        try directory.write("empty.txt", "")
        return directory
    }

    @Test(.enabled(if: PythonPeers.available(), "needs bagit.py (Benchmarks/peers/setup.sh)"))
    func bagsBagitPyMakesVerifyHereInEveryAlgorithmAndPacking() throws {
        let python = try PythonPeers.python()
        for algorithms in [[], ["md5"], ["sha512"], ["sha1", "sha256"]] {
            let bag = try Self.payloadFolder("peer-bag")
            defer { bag.remove() }
            _ = try runPeer(python, script: "bagit_peer.py", arguments: ["make", bag.path] + algorithms)
            #expect(try Self.validate(python, bag.path).valid, "bagit.py rejects its own bag (\(algorithms))")
            let report = try verify(bag.path)
            #expect(report.exitStatus == 0, "\(algorithms): \(report.problems) \(report.bag?.problems ?? [])")
            #expect(report.bag?.valid == true)
            #expect(report.summary["ok"]?.count ?? 0 >= 7)
            let fixture = BagFixture(directory: bag)
            for format in [ArchiveWriter.Format.zip(compress: true), .tarGzip] {
                let archive = try fixture.pack(format, top: "bag", payloadFirst: true)
                defer { unlink(archive) }
                let packed = try verify(archive)
                #expect(packed.exitStatus == 0, "\(algorithms) \(format): \(packed.problems) \(packed.bag?.problems ?? [])")
                #expect(packed.summary["ok"]?.count == report.summary["ok"]?.count)
            }
        }
    }

    @Test(.enabled(if: PythonPeers.available(), "needs bagit.py (Benchmarks/peers/setup.sh)"))
    func bagsBagitPyRejectsAreInvalidHereForTheSameReason() throws {
        let python = try PythonPeers.python()
        typealias Damage = (name: String, algorithms: [String], damage: (TemporaryDirectory) throws -> Void)
        let cases: [Damage] = [
            ("payload byte changed", [], { bag in
                var bytes = try readWholeFile(bag.file("data/sub/deeper/b.bin"), limit: 1 << 20)
                bytes[12_345] ^= 0x40
                try bag.write("data/sub/deeper/b.bin", bytes: bytes)
            }),
            ("md5 payload byte changed", ["md5"], { bag in try bag.write("data/a.txt", "alphA\n") }),
            ("payload file deleted", ["sha512"], { bag in unlink(bag.file("data/a.txt")) }),
            ("payload file added", [], { bag in try bag.write("data/new.txt", "surprise") }),
            ("Payload-Oxum wrong", ["md5"], { bag in
                let info = try String(decoding: readWholeFile(bag.file("bag-info.txt"), limit: 1 << 20), as: UTF8.self)
                let fixed = info.split(separator: "\n").map { $0.hasPrefix("Payload-Oxum") ? "Payload-Oxum: 1.1" : String($0) }
                try bag.write("bag-info.txt", fixed.joined(separator: "\n") + "\n")
            }),
            ("tag file changed", [], { bag in
                try bag.write("bag-info.txt", bytes: try readWholeFile(bag.file("bag-info.txt"), limit: 1 << 20) + Array("Contact-Name: x\n".utf8))
            }),
            ("bagit.txt removed", [], { bag in unlink(bag.file("bagit.txt")) }),
            ("bagit.txt with a byte-order mark", ["md5"], { bag in
                try bag.write("bagit.txt", bytes: [0xEF, 0xBB, 0xBF] + (try readWholeFile(bag.file("bagit.txt"), limit: 1 << 20)))
            }),
            ("a path listed twice with different digests", ["sha256"], { bag in
                let manifest = try readWholeFile(bag.file("manifest-sha256.txt"), limit: 1 << 20)
                try bag.write("manifest-sha256.txt", bytes: manifest + Array("\(String(repeating: "0", count: 64))  data/a.txt\n".utf8))
            }),
            ("a manifest path climbing out", ["sha256"], { bag in
                let manifest = try readWholeFile(bag.file("manifest-sha256.txt"), limit: 1 << 20)
                try bag.write("manifest-sha256.txt", bytes: manifest + Array("\(String(repeating: "0", count: 64))  data/../../etc/passwd\n".utf8))
            }),
            ("fetch.txt with a malformed URL", ["md5"], { bag in try bag.write("fetch.txt", "nowhere - data/remote.bin\n") }),
        ]
        for (name, algorithms, damage) in cases {
            let bag = try Self.payloadFolder("peer-bad")
            defer { bag.remove() }
            _ = try runPeer(python, script: "bagit_peer.py", arguments: ["make", bag.path] + algorithms)
            try damage(bag)
            let verdict = try Self.validate(python, bag.path)
            #expect(!verdict.valid, "\(name): bagit.py accepts the damaged bag")
            // bagit.py checks every digest of every manifest: so does --all-manifests.
            let report = try verify(bag.path, VerifyOptions(jobs: 2, allManifests: true))
            #expect(try verify(bag.path).exitStatus == 1, "\(name): usv verify (strongest digests) accepts what bagit.py rejects")
            #expect(report.exitStatus == 1, "\(name): usv verify accepts what bagit.py rejects (\(verdict.error))")
            #expect(report.bag?.valid != true, "\(name)")
            let ours = Self.reasons(report)
            #expect(ours.kinds.contains(verdict.kind), "\(name): bagit.py says \(verdict.kind) (\(verdict.error)); usv says \(ours.kinds)")
            for detail in verdict.details {
                #expect(ours.details.contains(detail), "\(name): bagit.py finds \(detail), usv does not (\(ours.details))")
            }
        }
    }
}

extension BagFixture {
    /// A bag that is already on disk (made by bagit.py).
    init(directory: TemporaryDirectory) {
        self.directory = directory
        payload = []
    }
}
