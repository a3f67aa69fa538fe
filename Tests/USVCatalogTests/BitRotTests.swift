import Foundation
import Testing
import USVCatalog
@testable import USVCore
import USVTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Bit rot (issue #18): one byte changed in place with the timestamps restored. `usv verify` reads every byte by
/// default, so it finds it; `--incremental` trusts files whose size, mtime, ctime, inode and device are unchanged.
///
/// What the tests show about `--incremental`: a change made through the file system is still found, because the
/// kernel sets the ctime on every write and on `utimes` itself, and no program can set it back. What it cannot find
/// is damage that changes no metadata (the medium, a controller, an image edited offline); the last test makes
/// that case by telling the cache the damaged file's metadata, and only the default full read finds it.
@Suite struct BitRotTests {
    struct Setup {
        var tree: TreeFixture
        var database: TemporaryDirectory
        var catalog: Catalog
        func verifier(incremental: Bool) -> Verifier {
            Verifier(options: VerifyOptions(jobs: 2, incremental: incremental), cache: catalog)
        }
        func remove() {
            tree.directory.remove()
            database.remove()
        }
    }

    func setUp() throws -> Setup {
        var tree = try TreeFixture("bitrot")
        try tree.add("big.bin", size: 300_000)
        try tree.add("small.txt", bytes: Array("small\n".utf8))
        try tree.writeManifest(tree.dondersManifest())
        let database = try TemporaryDirectory("bitrot-catalog")
        return Setup(tree: tree, database: database, catalog: try Catalog(path: database.file("c.sqlite")))
    }

    func status(_ report: VerificationReport, _ path: String) -> EntryStatus? {
        report.entries.first { $0.path == path }?.status
    }

    /// Flips one byte of `path` in place and puts its access and modification times back (nanoseconds included).
    func rot(_ path: String, at offset: Int) throws -> (before: FileStatus, after: FileStatus) {
        let before = try FileStatus.status(path).get()
        var bytes = try readWholeFile(path, limit: 1 << 24)
        bytes[offset] ^= 0x01
        let descriptor = open(path, O_WRONLY)
        #expect(descriptor >= 0)
        _ = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        close(descriptor)
        var times = [timespec(tv_sec: Int(before.modificationNanoseconds / 1_000_000_000), tv_nsec: Int(before.modificationNanoseconds % 1_000_000_000)),
                     timespec(tv_sec: Int(before.modificationNanoseconds / 1_000_000_000), tv_nsec: Int(before.modificationNanoseconds % 1_000_000_000))]
        #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
        return (before, try FileStatus.status(path).get())
    }

    @Test func aByteChangedWithTheMtimeRestoredIsFoundByDefault() throws {
        let setup = try setUp()
        defer { setup.remove() }
        #expect(try setup.verifier(incremental: false).verify(root: setup.tree.root).exitStatus == 0)
        let (before, after) = try rot(setup.tree.directory.file("big.bin"), at: 123_456)
        #expect(after.size == before.size && after.modificationNanoseconds == before.modificationNanoseconds && after.inode == before.inode)
        let report = try setup.verifier(incremental: false).verify(root: setup.tree.root)
        #expect(report.mode == "full")
        #expect(status(report, "big.bin") == .mismatch)
        #expect(report.entries.first { $0.path == "big.bin" }?.verifiedBy == .hashed)
        #expect(report.filesTrusted == 0 && report.filesHashed == 2)
    }

    @Test func incrementalStillFindsItBecauseTheCtimeMoved() throws {
        let setup = try setUp()
        defer { setup.remove() }
        let first = try setup.verifier(incremental: true).verify(root: setup.tree.root)
        #expect(first.filesHashed == 2 && first.filesTrusted == 0)
        let unchanged = try setup.verifier(incremental: true).verify(root: setup.tree.root)
        #expect(unchanged.filesTrusted == 2 && unchanged.filesHashed == 0 && unchanged.bytesHashed == 0)
        #expect(unchanged.entries.allSatisfy { $0.verifiedBy == .trusted && $0.cached })
        usleep(20_000)  // a ctime tick apart on file systems with coarse timestamps
        let (before, after) = try rot(setup.tree.directory.file("big.bin"), at: 99)
        #expect(after.modificationNanoseconds == before.modificationNanoseconds)
        #expect(after.changeNanoseconds != before.changeNanoseconds, "utimensat sets the ctime to now")
        let report = try setup.verifier(incremental: true).verify(root: setup.tree.root)
        #expect(status(report, "big.bin") == .mismatch)
        #expect(report.entries.first { $0.path == "big.bin" }?.verifiedBy == .hashed)
        #expect(report.entries.first { $0.path == "small.txt" }?.verifiedBy == .trusted)
        #expect(report.filesHashed == 1 && report.filesTrusted == 1)
    }

    @Test func damageThatChangesNoMetadataIsMissedOnlyByIncremental() throws {
        let setup = try setUp()
        defer { setup.remove() }
        _ = try setup.verifier(incremental: false).verify(root: setup.tree.root)
        let path = setup.tree.directory.file("big.bin")
        let good = sha256Hex(setup.tree.files["big.bin"] ?? [])
        _ = try rot(path, at: 7)
        // Media rot leaves every stat field as it was: make the cache see exactly that.
        let key = try FilePaths.realPath(bytes: Array(path.utf8)).get()
        try setup.catalog.remember([CachedFileHash(key: key, status: try FileStatus.status(path).get(), algorithm: .sha256, digest: good)])
        let trusting = try setup.verifier(incremental: true).verify(root: setup.tree.root)
        #expect(status(trusting, "big.bin") == .ok, "--incremental trusts what the metadata says")
        #expect(trusting.entries.first { $0.path == "big.bin" }?.verifiedBy == .trusted)
        let reading = try setup.verifier(incremental: false).verify(root: setup.tree.root)
        #expect(status(reading, "big.bin") == .mismatch, "the default read finds it")
        // … and forgets the file's cached digest, so that --incremental reads it again from now on.
        let after = try setup.verifier(incremental: true).verify(root: setup.tree.root)
        #expect(status(after, "big.bin") == .mismatch)
        #expect(after.entries.first { $0.path == "big.bin" }?.verifiedBy == .hashed)
        let runs = try setup.catalog.verifyRuns()
        #expect(runs.map(\.mode) == ["incremental", "full", "incremental", "full"])
        #expect(runs.first?.filesHashed == 1)
    }
}
