import Foundation
import Testing
import USVCatalog
@testable import USVCore
import USVTestSupport

@Suite struct VerifyCacheTests {
    func makeTree() throws -> TreeFixture {
        var tree = try TreeFixture("cache")
        try tree.add("a.bin", size: 200_000)
        try tree.add("b/c.bin", size: 5_000)
        try tree.writeManifest(tree.dondersManifest())
        return tree
    }

    @Test func secondRunReadsOnlyChangedFiles() throws {
        let tree = try makeTree()
        defer { tree.directory.remove() }
        let database = try TemporaryDirectory("catalog")
        defer { database.remove() }
        let catalog = try Catalog(path: database.file("nested/catalog.sqlite"))
        let verifier = Verifier(options: VerifyOptions(jobs: 2, incremental: true), cache: catalog)

        let first = try verifier.verify(root: tree.root)
        #expect(first.cacheHits == 0)
        #expect(first.bytesHashed == 205_000)

        let second = try verifier.verify(root: tree.root)
        #expect(second.cacheHits == 2)
        #expect(second.bytesHashed == 0)
        #expect(second.exitStatus == 0)
        #expect(second.entries.filter(\.cached).count == 2)

        // Same size, new content and mtime: must be read again and caught.
        var bytes = tree.files["a.bin"] ?? []
        bytes[0] ^= 0xFF
        try tree.directory.write("a.bin", bytes: bytes)
        let third = try verifier.verify(root: tree.root)
        #expect(third.cacheHits == 1)
        #expect(third.bytesHashed == 200_000)
        #expect(third.entries.first { $0.path == "a.bin" }?.status == .mismatch)

        let full = try Verifier(options: VerifyOptions(jobs: 1, full: true), cache: catalog).verify(root: tree.root)
        #expect(full.cacheHits == 0)
        #expect(full.bytesHashed == 205_000)

        let runs = try catalog.verifyRuns()
        #expect(runs.count == 4)
        #expect(runs.first?.exitStatus == 1)
        #expect(runs.last?.manifestSHA256 == first.manifestSHA256)
    }

    @Test func changedManifestHashIsNotTrustedFromCache() throws {
        var tree = try makeTree()
        defer { tree.directory.remove() }
        let database = try TemporaryDirectory("catalog")
        defer { database.remove() }
        let catalog = try Catalog(path: database.file("catalog.sqlite"))
        let verifier = Verifier(options: VerifyOptions(jobs: 2, incremental: true), cache: catalog)
        _ = try verifier.verify(root: tree.root)
        try tree.writeManifest(tree.dondersManifest().replacingOccurrences(of: sha256Hex(tree.files["a.bin"] ?? []),
                                                                           with: String(repeating: "0", count: 64)))
        let report = try verifier.verify(root: tree.root)
        #expect(report.entries.first { $0.path == "a.bin" }?.status == .mismatch)
        #expect(report.cacheHits == 1)
        try tree.add("b/c.bin", size: 5_000, seed: 99)
        #expect(try verifier.verify(root: tree.root).entries.first { $0.path == "b/c.bin" }?.status == .mismatch)
    }

    @Test func migrationsAreRecorded() throws {
        let database = try TemporaryDirectory("catalog")
        defer { database.remove() }
        let catalog = try Catalog(path: database.file("c.sqlite"))
        #expect(try catalog.appliedMigrations().first == "v1-verification")
        // Reopening an existing catalog migrates nothing twice.
        let again = try Catalog(path: database.file("c.sqlite"))
        #expect(try again.appliedMigrations() == catalog.appliedMigrations())
    }

    @Test func unusableCatalogPathIsAnError() throws {
        let directory = try TemporaryDirectory("catalog")
        defer { directory.remove() }
        try directory.write("file", "x")
        #expect(throws: USVError.self) { try Catalog(path: directory.file("file/catalog.sqlite")) }
    }
}
