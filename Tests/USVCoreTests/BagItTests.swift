import Foundation
import Testing
@testable import USVCore
import USVTestSupport

/// A BagIt bag written by the test (RFC 8493 layout): payload under data/, bagit.txt, bag-info.txt with
/// Payload-Oxum, payload manifests and tag manifests in the algorithms asked for.
struct BagFixture {
    let directory: TemporaryDirectory
    /// Payload files (relative to data/) as pairs: a dictionary keyed by String would merge NFC and NFD twins.
    var payload: [(path: String, bytes: [UInt8])]
    var root: String { directory.path }

    init(_ label: String, payload: [(path: String, bytes: [UInt8])], algorithms: [HashAlgorithm] = [.sha256],
         tagAlgorithms: [HashAlgorithm]? = nil, oxum: String? = nil, extraInfo: String = "") throws {
        directory = try TemporaryDirectory(label)
        self.payload = payload
        for (path, bytes) in payload { try directory.write("data/" + path, bytes: bytes) }
        if payload.isEmpty { try makeDirectories(directory.file("data")) }
        try directory.write("bagit.txt", "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
        let bytes = payload.reduce(0) { $0 + $1.bytes.count }
        try directory.write("bag-info.txt", "Source-Organization: USVKit tests\nPayload-Oxum: \(oxum ?? "\(bytes).\(payload.count)")\n" + extraInfo)
        for algorithm in algorithms {
            let lines = payload.map { "\(digest($0.bytes, algorithm))  \(Self.encode("data/" + $0.path))\n" }.joined()
            try directory.write("manifest-\(algorithm.rawValue).txt", lines)
        }
        for algorithm in tagAlgorithms ?? algorithms {
            let tagFiles = ["bagit.txt", "bag-info.txt"] + algorithms.map { "manifest-\($0.rawValue).txt" }
            let lines = try tagFiles.map { "\(digest(try readWholeFile(directory.file($0), limit: 1 << 20), algorithm)) \($0)\n" }.joined()
            try directory.write("tagmanifest-\(algorithm.rawValue).txt", lines)
        }
    }

    /// RFC 8493: CR, LF and % are percent-encoded in manifest paths.
    static func encode(_ path: String) -> String {
        path.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\r", with: "%0D").replacingOccurrences(of: "\n", with: "%0A")
    }

    /// Packs the bag under `top/` into an archive; `payloadFirst` puts data/ before the tag files (a tar read in one
    /// pass then meets the manifests last).
    func pack(_ format: ArchiveWriter.Format, top: String = "bag", payloadFirst: Bool = false) throws -> String {
        let path = FilePaths.join(NSTemporaryDirectory(), "bag-\(UUID().uuidString.prefix(6))")
        let writer = try ArchiveWriter(path: path, format: format)
        let items = DirectoryWalker.walk(root).items.map(\.relativePath)
        let ordered = items.filter { $0.hasPrefix("data/") == payloadFirst } + items.filter { $0.hasPrefix("data/") != payloadFirst }
        for item in ordered { try writer.add(member: top + "/" + item, copying: directory.file(item)) }
        try writer.close()
        return path
    }
}

@Suite struct BagItTests {
    static let payload: [(path: String, bytes: [UInt8])] = [
        ("a.txt", Array("alpha\n".utf8)),
        ("sub/b.bin", (0..<5_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }),
        ("100%.txt", Array("percent".utf8)),
        ("%7E.txt", Array("tilde".utf8)),
        ("caf\u{E9}.txt", Array("nfc".utf8)),
        ("cafe\u{301}.txt", Array("nfd".utf8)),
    ]
    static func bytes(_ path: String) -> [UInt8] { payload.first { Array($0.path.utf8) == Array(path.utf8) }?.bytes ?? [] }

    @Test(arguments: [[HashAlgorithm.md5], [.sha512], [.sha1], [.sha256, .sha512], [.md5, .sha256]])
    func bagsOfEveryAlgorithmVerify(algorithms: [HashAlgorithm]) throws {
        let bag = try BagFixture("bag", payload: Self.payload, algorithms: algorithms)
        defer { bag.directory.remove() }
        let report = try verify(bag.root)
        #expect(report.exitStatus == 0, "\(report.problems) \(report.bag?.problems ?? [])")
        let facts = try #require(report.bag)
        #expect(facts.valid)
        #expect(facts.version == "1.0")
        #expect(facts.payloadManifests.count == algorithms.count && facts.tagManifests.count == algorithms.count)
        #expect(facts.payloadOxum == facts.payloadFound)
        #expect(report.summary["ok"]?.count == Self.payload.count + 2 + algorithms.count)  // payload + tag files
        #expect(report.summary["unlisted"]?.count == 0)
        #expect(report.algorithms == [algorithms.max() ?? .sha256])
        #expect(report.entries.filter { $0.tagFile == true }.count == 2 + algorithms.count)
    }

    @Test func payloadOxumWrongMakesTheBagInvalid() throws {
        let bag = try BagFixture("oxum", payload: Self.payload, oxum: "1.1")
        defer { bag.directory.remove() }
        let report = try verify(bag.root)
        #expect(report.exitStatus == 1)
        #expect(report.problems.isEmpty)  // every file is fine …
        #expect(report.bag?.valid == false)  // … the bag is not
        #expect(report.bag?.problems.first?.hasPrefix("Payload-Oxum validation failed. Expected 1 files and 1 bytes") == true)
        let malformed = try BagFixture("oxum-bad", payload: Self.payload, oxum: "twelve")
        defer { malformed.directory.remove() }
        #expect(try verify(malformed.root).bag?.problems == ["Malformed Payload-Oxum value: twelve"])
    }

    @Test func tagManifestsAreCheckedAndTagFilesNeverUnlisted() throws {
        let bag = try BagFixture("tags", payload: Self.payload, algorithms: [.md5])
        defer { bag.directory.remove() }
        // A tag file no tag manifest lists, and a folder of them: fine. bag-info.txt changed after the tag manifest: not.
        try bag.directory.write("README", "about the bag")
        try bag.directory.write("metadata/notes.xml", "<notes/>")
        let info = try readWholeFile(bag.directory.file("bag-info.txt"), limit: 1 << 20)
        try bag.directory.write("bag-info.txt", bytes: info + Array("Contact-Name: someone\n".utf8))
        let report = try verify(bag.root)
        #expect(report.summary["unlisted"]?.count == 0)
        let changed = try #require(report.entries.first { $0.path == "bag-info.txt" })
        #expect(changed.status == .mismatch && changed.tagFile == true && changed.algorithm == .md5)
        #expect(report.exitStatus == 1)
        // A file added to the payload is unlisted, and Payload-Oxum no longer matches.
        let clean = try BagFixture("tags2", payload: Self.payload)
        defer { clean.directory.remove() }
        try clean.directory.write("data/extra.txt", "x")
        let extra = try verify(clean.root)
        #expect(status(extra, "data/extra.txt") == .unlisted)
        #expect(extra.bag?.problems.contains { $0.hasPrefix("Payload-Oxum validation failed") } == true)
    }

    @Test func fetchTxtIsReportedNeverFetched() throws {
        let remote = Array("far away".utf8)
        let payload = Self.payload + [("remote.bin", remote)]
        let bag = try BagFixture("fetch", payload: payload)
        defer { bag.directory.remove() }
        unlink(bag.directory.file("data/remote.bin"))
        try bag.directory.write("fetch.txt", "https://example.org/remote.bin \(remote.count) data/remote.bin\n")
        let report = try verify(bag.root)
        #expect(report.bag?.fetch == [BagIt.FetchItem(url: "https://example.org/remote.bin", size: Int64(remote.count), path: "data/remote.bin", line: 1)])
        let missing = try #require(report.entries.first { $0.path == "data/remote.bin" })
        #expect(missing.status == .missing)
        #expect(missing.detail?.contains("fetch.txt") == true)
        #expect(report.exitStatus == 1)
        try bag.directory.write("fetch.txt", "not-a-url 5 data/remote.bin\n")
        #expect(try verify(bag.root).bag?.problems.contains("Malformed URL in fetch.txt: not-a-url") == true)
    }

    @Test func bagsWithoutBagitTxtOrWithABOMAreInvalid() throws {
        let bag = try BagFixture("decl", payload: Self.payload)
        defer { bag.directory.remove() }
        try bag.directory.write("bagit.txt", bytes: [0xEF, 0xBB, 0xBF] + Array("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n".utf8))
        let marked = try verify(bag.root)
        #expect(marked.bag?.problems.contains("bagit.txt must not contain a byte-order mark") == true)
        unlink(bag.directory.file("bagit.txt"))
        let none = try verify(bag.root)
        #expect(none.bag?.problems.contains("Expected bagit.txt does not exist") == true)
        #expect(none.exitStatus == 1)
    }

    @Test func anEmptyBagIsValid() throws {
        let bag = try BagFixture("empty", payload: [])
        defer { bag.directory.remove() }
        let report = try verify(bag.root)
        #expect(report.exitStatus == 0, "\(report.problems) \(report.bag?.problems ?? [])")
        #expect(report.bag?.payloadFound == BagIt.Oxum(bytes: 0, files: 0))
    }

    @Test(arguments: [ArchiveWriter.Format.zip(compress: true), .tarGzip])
    func archivedBagsVerifyAndTheirTagFilesAreNotUnlisted(format: ArchiveWriter.Format) throws {
        for (algorithms, payloadFirst) in [([HashAlgorithm.sha256], false), ([.md5], true), ([.sha512, .md5], true)] {
            let bag = try BagFixture("zipped", payload: Self.payload, algorithms: algorithms)
            defer { bag.directory.remove() }
            let archive = try bag.pack(format, payloadFirst: payloadFirst)
            defer { unlink(archive) }
            let report = try verify(archive)
            #expect(report.exitStatus == 0, "\(algorithms) \(report.problems) \(report.bag?.problems ?? [])")
            #expect(report.bag?.location == "bag")
            #expect(report.bag?.valid == true)
            #expect(report.summary["unlisted"]?.count == 0)
            #expect(report.summary["ok"]?.count == Self.payload.count + 2 + algorithms.count)
            #expect(report.algorithms == [algorithms.max() ?? .sha256])
        }
        // One payload byte changed and Payload-Oxum wrong, inside the archive.
        let bad = try BagFixture("zipped-bad", payload: Self.payload, algorithms: [.md5], oxum: "3.3")
        defer { bad.directory.remove() }
        var changed = Self.bytes("sub/b.bin")
        changed[100] ^= 1
        try bad.directory.write("data/sub/b.bin", bytes: changed)
        let archive = try bad.pack(format, payloadFirst: true)
        defer { unlink(archive) }
        let report = try verify(archive)
        #expect(status(report, "data/sub/b.bin") == .mismatch)
        #expect(report.bag?.problems.contains { $0.hasPrefix("Payload-Oxum validation failed") } == true)
        #expect(report.exitStatus == 1)
    }

    @Test func allManifestsChecksEveryAlgorithm() throws {
        let bag = try BagFixture("all", payload: Self.payload, algorithms: [.sha256, .md5])
        defer { bag.directory.remove() }
        // The MD5 manifest is wrong about a.txt; SHA-256 (the strongest, checked by default) is right.
        let md5 = try String(decoding: readWholeFile(bag.directory.file("manifest-md5.txt"), limit: 1 << 20), as: UTF8.self)
        try bag.directory.write("manifest-md5.txt", md5.replacingOccurrences(of: digest(Self.bytes("a.txt"), .md5),
                                                                             with: String(repeating: "0", count: 32)))
        let strongest = try verify(bag.root)
        #expect(status(strongest, "data/a.txt") == .ok)
        let all = try verify(bag.root, VerifyOptions(jobs: 2, allManifests: true))
        #expect(status(all, "data/a.txt") == .mismatch)
        #expect(all.algorithms == [.sha256, .md5])
    }
}
