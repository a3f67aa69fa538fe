import Foundation
import GRDB
import USVCore

extension Catalog: VerificationCache {
    public func cachedHashes(for keys: [[UInt8]]) throws -> [[UInt8]: [CachedFileHash]] {
        try database.read { db in
            var found: [[UInt8]: [CachedFileHash]] = [:]
            // SQLite limits bound parameters; query in slices.
            for start in stride(from: 0, to: keys.count, by: 500) {
                let slice = keys[start..<min(start + 500, keys.count)].map { Data($0) }
                let marks = databaseQuestionMarks(count: slice.count)
                let rows = try Row.fetchAll(db, sql: """
                    SELECT path, algorithm, size, mtime_ns, ctime_ns, inode, device, digest FROM verify_cache WHERE path IN (\(marks))
                    """, arguments: StatementArguments(slice))
                for row in rows {
                    guard let algorithm = HashAlgorithm(rawValue: row["algorithm"]) else { continue }
                    let key = [UInt8](row["path"] as Data)
                    found[key, default: []].append(CachedFileHash(
                        key: key, size: row["size"], modificationNanoseconds: row["mtime_ns"], changeNanoseconds: row["ctime_ns"],
                        inode: UInt64(bitPattern: row["inode"]), device: UInt64(bitPattern: row["device"]),
                        algorithm: algorithm, digest: row["digest"]))
                }
            }
            return found
        }
    }

    public func remember(_ hashes: [CachedFileHash]) throws {
        guard !hashes.isEmpty else { return }
        let now = Date()
        try database.write { db in
            for hash in hashes {
                try db.execute(sql: """
                    INSERT INTO verify_cache (path, algorithm, size, mtime_ns, ctime_ns, inode, device, digest, verified_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(path, algorithm) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns,
                      ctime_ns = excluded.ctime_ns, inode = excluded.inode, device = excluded.device,
                      digest = excluded.digest, verified_at = excluded.verified_at
                    """, arguments: [Data(hash.key), hash.algorithm.rawValue, hash.size, hash.modificationNanoseconds,
                                     hash.changeNanoseconds, Int64(bitPattern: hash.inode), Int64(bitPattern: hash.device),
                                     hash.digest, now])
            }
        }
    }

    public func forget(_ keys: [[UInt8]]) throws {
        guard !keys.isEmpty else { return }
        try database.write { db in
            for key in keys { try db.execute(sql: "DELETE FROM verify_cache WHERE path = ?", arguments: [Data(key)]) }
        }
    }

    public func recordRun(_ report: VerificationReport) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let summary = String(decoding: try encoder.encode(report.summary), as: UTF8.self)
        try database.write { db in
            try db.execute(sql: """
                INSERT INTO verify_runs (started_at, seconds, root, root_kind, manifest_path, manifest_sha256,
                  manifest_format, entries, malformed_lines, bytes_hashed, cache_hits, summary_json, exit_status,
                  mode, files_hashed, files_trusted)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [report.startedAt, report.seconds, report.root, report.rootKind, report.manifestPath,
                                 report.manifestSHA256, report.manifestFormat.rawValue, report.manifestEntries,
                                 report.malformedLines.count, report.bytesHashed, report.cacheHits, summary,
                                 Int(report.exitStatus), report.mode, report.filesHashed, report.filesTrusted])
        }
    }

    /// A recorded verification run.
    public struct VerifyRun: Sendable, Hashable {
        public var id: Int64
        public var startedAt: Date
        public var root: String
        public var manifestSHA256: String
        public var entries: Int
        public var cacheHits: Int
        public var exitStatus: Int
        /// `full` or `incremental`.
        public var mode: String
        public var filesHashed: Int
        public var filesTrusted: Int
    }

    /// Verification runs, newest first.
    public func verifyRuns() throws -> [VerifyRun] {
        try database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM verify_runs ORDER BY id DESC").map { row in
                VerifyRun(id: row["id"], startedAt: row["started_at"], root: row["root"],
                          manifestSHA256: row["manifest_sha256"], entries: row["entries"],
                          cacheHits: row["cache_hits"], exitStatus: row["exit_status"], mode: row["mode"],
                          filesHashed: row["files_hashed"], filesTrusted: row["files_trusted"])
            }
        }
    }
}
