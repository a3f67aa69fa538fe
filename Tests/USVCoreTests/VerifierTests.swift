import Foundation
import Testing
@testable import USVCore
import USVTestSupport

/// A small tree: nested folders, an empty file, a 3 MB file (several read blocks), an Icon\r artefact.
func makeTree(_ label: String = "verify") throws -> TreeFixture {
    var tree = try TreeFixture(label)
    try tree.add("README.txt", bytes: Array("synthetic\n".utf8))
    try tree.add("Data/a.bin", size: 3_000_123)
    try tree.add("Data/sub/b.csv", size: 1_000)
    try tree.add("Data/empty.txt", bytes: [])
    try tree.add("Data/Icon\r", bytes: [])
    try tree.writeManifest(tree.dondersManifest(order: ["Data/sub/b.csv", "README.txt", "Data/Icon\r", "Data/a.bin", "Data/empty.txt"]))
    return tree
}

func verify(_ root: String, _ options: VerifyOptions = VerifyOptions(jobs: 2), cache: (any VerificationCache)? = nil) throws -> VerificationReport {
    try Verifier(options: options, cache: cache).verify(root: root)
}

func status(_ report: VerificationReport, _ path: String) -> EntryStatus? {
    report.entries.first { $0.path == path }?.status
}

/// Every path below `root` with size and modification time, to prove verification writes nothing there.
func snapshot(_ root: String) -> [String: String] {
    Dictionary(uniqueKeysWithValues: DirectoryWalker.walk(root).items.map {
        ($0.relativePath, "\($0.status.size)/\($0.status.modificationNanoseconds)/\($0.status.kind)")
    })
}

@Suite struct VerifierTests {
    @Test func cleanTreeVerifies() throws {
        let tree = try makeTree()
        defer { tree.directory.remove() }
        let before = snapshot(tree.root)
        let report = try verify(tree.root)
        #expect(report.exitStatus == 0)
        #expect(report.summary["ok"]?.count == 4)
        #expect(report.summary["skipped-os-artefact"]?.count == 1)
        #expect(status(report, "Data/Icon\r") == .skippedOSArtefact)
        #expect(report.summary["ok"]?.bytes ?? 0 == Int64(3_000_123 + 1_000 + 10))
        #expect(report.problems.isEmpty)
        #expect(snapshot(tree.root) == before)
    }

    @Test func osArtefactsCanBeIncluded() throws {
        let tree = try makeTree()
        defer { tree.directory.remove() }
        let report = try verify(tree.root, VerifyOptions(jobs: 1, includeOSArtefacts: true))
        #expect(status(report, "Data/Icon\r") == .ok)
        #expect(report.exitStatus == 0)
    }

    @Test func corruptedTruncatedMissingAndExtraFilesAreReported() throws {
        let tree = try makeTree()
        defer { tree.directory.remove() }
        var bytes = try #require(tree.files["Data/a.bin"])
        bytes[2_000_000] ^= 0x01
        try tree.directory.write("Data/a.bin", bytes: bytes)
        try tree.directory.write("Data/sub/b.csv", bytes: Array((tree.files["Data/sub/b.csv"] ?? []).prefix(999)))
        unlink(tree.directory.file("README.txt"))
        try tree.directory.write("Data/extra.dat", "not listed")
        try tree.directory.write("Data/.DS_Store", "finder")
        let report = try verify(tree.root)
        #expect(report.exitStatus == 1)
        #expect(status(report, "Data/a.bin") == .mismatch)
        #expect(status(report, "Data/sub/b.csv") == .mismatch)
        #expect(status(report, "README.txt") == .missing)
        #expect(status(report, "Data/extra.dat") == .unlisted)
        #expect(status(report, "Data/.DS_Store") == .skippedOSArtefact)
        #expect(status(report, "Data/empty.txt") == .ok)
        let mismatch = try #require(report.entries.first { $0.path == "Data/a.bin" })
        #expect(mismatch.expected == sha256Hex(tree.files["Data/a.bin"] ?? []))
        #expect(mismatch.actual == sha256Hex(bytes))
        #expect(mismatch.line == 4)
    }

    @Test func unsafeEntriesAreNeverOpened() throws {
        var tree = try makeTree()
        defer { tree.directory.remove() }
        let outside = try TemporaryDirectory("outside")
        defer { outside.remove() }
        let secret = try outside.write("secret.txt", "outside the root")
        symlink(secret, tree.directory.file("Data/escape.txt"))
        symlink(outside.path, tree.directory.file("Data/escape-dir"))
        try tree.add("Data/inner.txt", bytes: Array("inside".utf8))
        symlink("inner.txt", tree.directory.file("Data/inner-link.txt"))
        let hash = sha256Hex(Array("outside the root".utf8))
        let manifest = tree.dondersManifest() + """
            \(hash) Data/escape.txt
            \(hash) Data/escape-dir/secret.txt
            \(hash) ../outside/secret.txt
            \(hash) /etc/hostname
            \(sha256Hex(Array("inside".utf8))) Data/inner-link.txt

            """
        try tree.writeManifest(manifest)
        let report = try verify(tree.root)
        #expect(status(report, "Data/escape.txt") == .unsafePath)
        #expect(status(report, "Data/escape-dir/secret.txt") == .unsafePath)
        #expect(status(report, "../outside/secret.txt") == .unsafePath)
        #expect(status(report, "/etc/hostname") == .unsafePath)
        #expect(status(report, "Data/inner-link.txt") == .ok)
        #expect(report.entries.filter { $0.status == .unsafePath }.allSatisfy { $0.actual == nil })
        #expect(report.exitStatus == 1)
    }

    @Test func fifosDirectoriesAndDanglingLinksAreNotRead() throws {
        let tree = try makeTree()
        defer { tree.directory.remove() }
        #expect(mkfifo(tree.directory.file("Data/pipe"), 0o644) == 0)
        symlink("nowhere", tree.directory.file("Data/dangling"))
        let manifest = tree.dondersManifest() + "\(emptySHA256) Data/pipe\n\(emptySHA256) Data/sub\n\(emptySHA256) Data/dangling\n"
        try tree.writeManifest(manifest)
        let report = try verify(tree.root)
        #expect(status(report, "Data/pipe") == .notRegularFile)
        #expect(report.entries.first { $0.path == "Data/pipe" }?.detail == "fifo")
        #expect(status(report, "Data/sub") == .notRegularFile)
        #expect(status(report, "Data/dangling") == .missing)
        #expect(report.entries.first { $0.path == "Data/dangling" }?.detail == "dangling symlink")
    }

    @Test func jobCountDoesNotChangeResults() throws {
        var tree = try makeTree()
        defer { tree.directory.remove() }
        for index in 0..<40 { try tree.add("Data/many/f\(index).bin", size: 1_000 * index + 7) }
        try tree.writeManifest(tree.dondersManifest())
        let one = try verify(tree.root, VerifyOptions(jobs: 1))
        let four = try verify(tree.root, VerifyOptions(jobs: 4))
        #expect(one.entries == four.entries)
        #expect(one.summary["ok"]?.count == 44)
    }

    @Test func realReferenceFilesReadmeOkLicenseMismatchRestMissing() throws {
        let directory = try TemporaryDirectory("real")
        defer { directory.remove() }
        for name in ["MANIFEST.txt", "README.txt", "LICENSE.txt"] {
            try directory.write(name, bytes: try readWholeFile(referenceDirectory + "/" + name, limit: 1 << 22))
        }
        let manifest = try ManifestParser.parse(fileAt: directory.file("MANIFEST.txt"))
        for entry in manifest.entries where entry.path.hasSuffix("Icon\r") {
            try directory.write(entry.path, bytes: [])
        }
        let report = try verify(directory.path)
        #expect(report.exitStatus == 1)
        #expect(status(report, "README.txt") == .ok)
        #expect(status(report, "LICENSE.txt") == .mismatch)
        #expect(report.summary["skipped-os-artefact"]?.count == 302)
        #expect(report.summary["missing"]?.count == 7154 - 302 - 2)
        #expect(report.summary["unlisted"]?.count == 0)
        let included = try verify(directory.path, VerifyOptions(jobs: 2, includeOSArtefacts: true))
        #expect(included.summary["ok"]?.count == 303)
    }

    @Test func missingManifestIsAUsageError() throws {
        let directory = try TemporaryDirectory("nomanifest")
        defer { directory.remove() }
        try directory.write("a.txt", "x")
        #expect(throws: USVError.self) { try verify(directory.path) }
    }

    @Test func bagItManifestIgnoresTagFiles() throws {
        var tree = try TreeFixture("bag")
        defer { tree.directory.remove() }
        try tree.add("data/one.txt", bytes: Array("1".utf8))
        try tree.add("data/two.txt", bytes: Array("2".utf8))
        try tree.directory.write("bagit.txt", "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
        let lines = tree.files.keys.sorted().map { "\(sha256Hex(tree.files[$0] ?? []))  \($0)\n" }.joined()
        try tree.writeManifest(lines, name: "manifest-sha256.txt")
        let report = try verify(tree.root)
        #expect(report.manifestFormat == .bagit)
        #expect(report.exitStatus == 0)
        #expect(report.summary["ok"]?.count == 2)
    }
}
