import Crypto
import Foundation
import USVCore

/// A file the generator wrote, for the manifest and the summary.
struct WrittenFile: Sendable, Hashable {
    var path: String
    var sha256: String
    var size: Int64
}

/// Collects the files written (from any thread) and writes `MANIFEST.txt` the way the Donders repository
/// does: 64 lowercase hex digits, ONE space, the relative path, `\n`; not sorted (a seeded shuffle, so the
/// order is stable for a seed) and not listing itself.
final class ManifestWriter: Sendable {
    static let path = "MANIFEST.txt"

    private let files = Locked<[String: WrittenFile]>([:])
    private let root: String
    private let seed: UInt64

    init(root: String, seed: UInt64) {
        self.root = root
        self.seed = seed
    }

    func record(_ file: WrittenFile) { files.withLock { $0[file.path] = file } }

    /// Writes `bytes` at `relative` under the root (atomically) and records its hash.
    func write(_ relative: String, bytes: [UInt8]) throws {
        try writeWholeFile(FilePaths.join(root, relative), bytes: bytes)
        record(WrittenFile(path: relative, sha256: SHA256.hash(data: bytes).hexString, size: Int64(bytes.count)))
    }

    /// Hashes the finished file at `relative` (read back, typically from the page cache) and records it.
    func hashAndRecord(_ relative: String, hasher: FileHasher) throws {
        let full = FilePaths.join(root, relative)
        switch hasher.hash(path: full) {
        case .success(let result):
            record(WrittenFile(path: relative, sha256: result.sha256, size: result.status.size))
        case .failure(.unreadable(let reason)):
            throw USVError.io(path: full, reason: "cannot hash the file just written: \(reason)")
        case .failure(.notRegular(let kind)):
            throw USVError.io(path: full, reason: "expected a regular file, found \(kind.rawValue)")
        }
    }

    var recorded: [WrittenFile] { files.value.values.sorted { $0.path < $1.path } }

    /// Writes MANIFEST.txt and returns it as a written file (not listed in itself).
    func finish() throws -> WrittenFile {
        var entries = recorded
        var random = RandomSource(seed: seed, stream: .manifestOrder)
        random.shuffle(&entries)
        let text = entries.map { "\($0.sha256) \($0.path)\n" }.joined()
        let bytes = Array(text.utf8)
        try writeWholeFile(FilePaths.join(root, Self.path), bytes: bytes)
        return WrittenFile(path: Self.path, sha256: SHA256.hash(data: bytes).hexString, size: Int64(bytes.count))
    }
}
