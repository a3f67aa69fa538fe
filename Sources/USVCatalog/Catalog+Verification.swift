import Foundation
import GRDB
import USVCore

extension Catalog: VerificationCache {
    public func cachedHashes(for keys: [String]) throws -> [String: CachedFileHash] {
        try database.read { db in
            var found: [String: CachedFileHash] = [:]
            // SQLite limits bound parameters; query in slices.
            for start in stride(from: 0, to: keys.count, by: 500) {
                let slice = Array(keys[start..<min(start + 500, keys.count)])
                let marks = databaseQuestionMarks(count: slice.count)
                let rows = try Row.fetchAll(db, sql: """
                    SELECT path, size, mtime_ns, inode, device, sha256 FROM verify_cache WHERE path IN (\(marks))
                    """, arguments: StatementArguments(slice))
                for row in rows {
                    let key: String = row["path"]
                    found[key] = CachedFileHash(key: key, size: row["size"], modificationNanoseconds: row["mtime_ns"],
                                                inode: UInt64(bitPattern: row["inode"]),
                                                device: UInt64(bitPattern: row["device"]), sha256: row["sha256"])
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
                    INSERT INTO verify_cache (path, size, mtime_ns, inode, device, sha256, verified_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns,
                      inode = excluded.inode, device = excluded.device, sha256 = excluded.sha256,
                      verified_at = excluded.verified_at
                    """, arguments: [hash.key, hash.size, hash.modificationNanoseconds,
                                     Int64(bitPattern: hash.inode), Int64(bitPattern: hash.device), hash.sha256, now])
            }
        }
    }

    public func recordRun(_ report: VerificationReport) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let summary = String(decoding: try encoder.encode(report.summary), as: UTF8.self)
        try database.write { db in
            try db.execute(sql: """
                INSERT INTO verify_runs (started_at, seconds, root, root_kind, manifest_path, manifest_sha256,
                  manifest_format, entries, malformed_lines, bytes_hashed, cache_hits, summary_json, exit_status)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [report.startedAt, report.seconds, report.root, report.rootKind, report.manifestPath,
                                 report.manifestSHA256, report.manifestFormat.rawValue, report.manifestEntries,
                                 report.malformedLines.count, report.bytesHashed, report.cacheHits, summary,
                                 Int(report.exitStatus)])
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
    }

    /// Verification runs, newest first.
    public func verifyRuns() throws -> [VerifyRun] {
        try database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM verify_runs ORDER BY id DESC").map { row in
                VerifyRun(id: row["id"], startedAt: row["started_at"], root: row["root"],
                          manifestSHA256: row["manifest_sha256"], entries: row["entries"],
                          cacheHits: row["cache_hits"], exitStatus: row["exit_status"])
            }
        }
    }
}
