import Foundation
import GRDB
import USVCore

/// What attaching annotation intervals did.
public struct IntervalAttachment: Codable, Sendable, Equatable {
    /// Intervals stored.
    public var attached: Int
    /// Of those, intervals that overlap a detected USV.
    public var overlappingUSVs: Int
    /// Recording names of the file that no catalogued recording answers to (or more than one does), with
    /// the number of intervals each.
    public var unmatched: [String: Int]
}

extension Catalog {
    /// Attaches `intervals` (read from an annotation file) to the catalog's recordings, replacing what an
    /// earlier import of the same file stored: `sourceFile` is the key (the path the user gave, made absolute), so an
    /// edited file replaces its old intervals instead of adding to them. A recording is found by its name as the file gives it: the
    /// path in the data set, the archive member, `archive//member`, the file name, or the file name without
    /// extension (Audacity label files name no recording; they take the label file's stem). Each interval is
    /// linked to the detected USV it overlaps most. One transaction: on error nothing changes.
    public func attachIntervals(_ intervals: [AnnotatedInterval], sourceFile: String, sourceSHA256: String, format: String,
                                root: String? = nil) throws -> IntervalAttachment {
        try database.write { db in
            var lookup: [String: Set<Int64>] = [:]
            let rows = try Row.fetchAll(db, sql: """
                SELECT r.id, r.path, r.archive_member FROM recordings r JOIN datasets d ON d.id = r.dataset_id
                WHERE r.state = 'complete' AND (? IS NULL OR d.root = ?)
                """, arguments: [root, root])
            for row in rows {
                let id: Int64 = row["id"]
                let path: String = row["path"]
                let member: String = row["archive_member"]
                let file = FilePaths.lastComponent(member.isEmpty ? path : member)
                var keys = [path, file, Self.stem(file)]
                if !member.isEmpty { keys += [member, "\(path)//\(member)"] }
                for key in Set(keys) { lookup[key, default: []].insert(id) }
            }
            try db.execute(sql: "DELETE FROM intervals WHERE source_file = ?", arguments: [sourceFile])
            var result = IntervalAttachment(attached: 0, overlappingUSVs: 0, unmatched: [:])
            let now = Date()
            for interval in intervals {
                let name = interval.recording
                let candidates = lookup[name] ?? lookup[FilePaths.lastComponent(name)] ?? lookup[Self.stem(FilePaths.lastComponent(name))] ?? []
                guard candidates.count == 1, let recording = candidates.first else {
                    result.unmatched[name, default: 0] += 1
                    continue
                }
                let overlap = try Row.fetchOne(db, sql: """
                    SELECT id, MIN(stop_s, ?) - MAX(start_s, ?) AS shared FROM usvs
                    WHERE recording_id = ? AND source = 'detected' AND start_s < ? AND stop_s > ?
                    ORDER BY shared DESC LIMIT 1
                    """, arguments: [interval.offset, interval.onset, recording, interval.offset, interval.onset])
                let usvID: Int64? = overlap?["id"]
                let shared: Double? = overlap?["shared"]
                try db.execute(sql: """
                    INSERT INTO intervals (recording_id, onset_s, offset_s, label, low_frequency, high_frequency, channel, usv_id, overlap,
                                           source_file, source_sha256, format, imported_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [recording, interval.onset, interval.offset, interval.label, interval.lowFrequency, interval.highFrequency,
                                     interval.channel, usvID, shared.map { interval.duration > 0 ? $0 / interval.duration : 0 },
                                     sourceFile, sourceSHA256, format, now])
                result.attached += 1
                if usvID != nil { result.overlappingUSVs += 1 }
            }
            return result
        }
    }

    /// Intervals attached to recordings of USVs matching `filter`'s data set (all when nil), as the
    /// annotation formats write them (recordings named `path` or `path//member`).
    public func intervals(root: String? = nil) throws -> [AnnotatedInterval] {
        try database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT r.path, r.archive_member, i.onset_s, i.offset_s, i.label, i.low_frequency, i.high_frequency, i.channel
                FROM intervals i JOIN recordings r ON r.id = i.recording_id JOIN datasets d ON d.id = r.dataset_id
                WHERE (? IS NULL OR d.root = ?) ORDER BY r.id, i.onset_s
                """, arguments: [root, root]).map { row in
                let path: String = row["path"]
                let member: String = row["archive_member"]
                return AnnotatedInterval(recording: member.isEmpty ? path : "\(path)//\(member)", onset: row["onset_s"], offset: row["offset_s"],
                                         label: row["label"], lowFrequency: row["low_frequency"], highFrequency: row["high_frequency"],
                                         channel: row["channel"])
            }
        }
    }

    private static func stem(_ name: String) -> String {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return name }
        return String(name[..<dot])
    }
}
