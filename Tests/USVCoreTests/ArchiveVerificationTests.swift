import Foundation
import Testing
@testable import USVCore
import USVTestSupport

/// Packs `tree` (with its manifest) into an archive under a top folder, as data-set downloads come.
func pack(_ tree: TreeFixture, format: ArchiveWriter.Format, name: String, extra: [(String, [UInt8])] = [],
          replace: [String: [UInt8]] = [:]) throws -> String {
    let path = FilePaths.join(NSTemporaryDirectory(), "\(name)-\(UUID().uuidString.prefix(6))")
    let writer = try ArchiveWriter(path: path, format: format)
    try writer.add(member: "dataset/MANIFEST.txt", bytes: try readWholeFile(tree.directory.file("MANIFEST.txt"), limit: 1 << 20))
    for (file, bytes) in tree.files.sorted(by: { $0.key < $1.key }) {
        try writer.add(member: "dataset/" + file, bytes: replace[file] ?? bytes)
    }
    for (member, bytes) in extra { try writer.add(member: member, bytes: bytes) }
    try writer.close()
    return path
}

@Suite struct ArchiveVerificationTests {
    @Test(arguments: [ArchiveWriter.Format.zip(compress: false), .zip(compress: true), .tarGzip])
    func archiveOfCleanTreeVerifies(format: ArchiveWriter.Format) throws {
        let tree = try makeTree("archive")
        defer { tree.directory.remove() }
        let archive = try pack(tree, format: format, name: "clean")
        defer { unlink(archive) }
        for jobs in [1, 3] {
            let report = try verify(archive, VerifyOptions(jobs: jobs))
            #expect(report.rootKind == "archive")
            #expect(report.manifestPath == "dataset/MANIFEST.txt")
            #expect(report.exitStatus == 0, "\(report.problems)")
            #expect(report.summary["ok"]?.count == 4)
            #expect(report.summary["skipped-os-artefact"]?.count == 1)
        }
    }

    @Test(arguments: [ArchiveWriter.Format.zip(compress: true), .tarGzip])
    func corruptMemberUnsafeMemberAndExtraMember(format: ArchiveWriter.Format) throws {
        let tree = try makeTree("archive-bad")
        defer { tree.directory.remove() }
        var changed = tree.files["Data/a.bin"] ?? []
        changed[17] ^= 0xFF
        let archive = try pack(tree, format: format, name: "bad", extra: [("dataset/Data/unlisted.txt", Array("x".utf8)),
                                                                            ("../escape.txt", Array("evil".utf8))],
                               replace: ["Data/a.bin": changed])
        defer { unlink(archive) }
        let report = try verify(archive)
        #expect(report.exitStatus == 1)
        #expect(status(report, "Data/a.bin") == .mismatch)
        #expect(status(report, "dataset/Data/unlisted.txt") == .unlisted)
        let escape = try #require(report.entries.first { $0.path == "../escape.txt" })
        #expect(escape.status == .unlisted)
        #expect(escape.detail?.contains("unsafe") == true)
    }

    @Test func externalManifestFindsTheTopFolder() throws {
        let tree = try makeTree("archive-ext")
        defer { tree.directory.remove() }
        let archive = try pack(tree, format: .zip(compress: false), name: "ext")
        defer { unlink(archive) }
        let report = try verify(archive, VerifyOptions(jobs: 2, manifestPath: tree.directory.file("MANIFEST.txt")))
        #expect(report.summary["ok"]?.count == 4)
        #expect(report.exitStatus == 0, "\(report.problems)")
    }

    @Test func notAnArchiveIsAnError() throws {
        let directory = try TemporaryDirectory("notarchive")
        defer { directory.remove() }
        let path = try directory.write("file.zip", "this is not a zip file at all, just text")
        #expect(throws: USVError.self) { try verify(path) }
    }
}
