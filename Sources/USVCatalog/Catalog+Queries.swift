import Foundation
import GRDB
import USVCore

/// Which USV records a query selects. Empty fields select everything.
public struct USVFilter: Sendable, Codable {
    public var sex: Sex?
    /// Data-set animal ids.
    public var animals: [Int] = []
    /// Animal names as the data set gives them (`Rfem01`); an animal matches by id or by name.
    public var animalNames: [String]? = nil
    public var genotype: Genotype?
    public var source: USVSource?
    public var minimumDuration: Double?
    public var maximumDuration: Double?
    /// Restrict to the data set at this root (absolute path).
    public var root: String?

    public init() {}

    /// SQL condition over `usvs u`, `animals a`, `datasets d` and its arguments.
    func sql() -> (String, StatementArguments) {
        var conditions = ["1 = 1"]
        var arguments: [(any DatabaseValueConvertible)?] = []
        if let sex { conditions.append("a.sex = ?"); arguments.append(sex.rawValue) }
        let names = animalNames ?? []
        if !animals.isEmpty || !names.isEmpty {
            var either: [String] = []
            if !animals.isEmpty { either.append("a.dataset_animal_id IN (\(databaseQuestionMarks(count: animals.count)))") }
            if !names.isEmpty { either.append("a.original_name IN (\(databaseQuestionMarks(count: names.count)))") }
            conditions.append("(" + either.joined(separator: " OR ") + ")")
            arguments += animals.map { $0 }
            arguments += names.map { $0 }
        }
        if let genotype { conditions.append("a.genotype = ?"); arguments.append(genotype.rawValue) }
        if let source { conditions.append("u.source = ?"); arguments.append(source.rawValue) }
        if let minimumDuration { conditions.append("u.duration >= ?"); arguments.append(minimumDuration) }
        if let maximumDuration { conditions.append("u.duration <= ?"); arguments.append(maximumDuration) }
        if let root { conditions.append("d.root = ?"); arguments.append(root) }
        return (conditions.joined(separator: " AND "), StatementArguments(arguments))
    }
}

/// One line of `usv ls`.
public struct USVSummary: Codable, Sendable, Hashable {
    public var id: Int64
    public var dataSet: String
    public var source: String
    public var recording: String?
    public var animal: Int?
    public var animalName: String?
    public var sex: String?
    public var genotype: String?
    public var start: Double?
    public var stop: Double?
    public var duration: Double?
    public var minimumFrequency: Double?
    public var maximumFrequency: Double?
    public var depositedFileID: Int?
}

/// Counts and durations of `usv stats`.
public struct CatalogStatistics: Codable, Sendable {
    public struct Group: Codable, Sendable, Hashable {
        public var key: String
        public var count: Int
        public var meanDuration: Double?
        public var totalDuration: Double?
    }

    public var total: Int
    public var bySex: [Group]
    public var byAnimal: [Group]
    public var byGenotype: [Group]
    public var bySource: [Group]
    public var recordings: [Group]
    /// Records per sex and source ("female detected", "female deposited"): the two sources describe largely the
    /// same calls, so their sum is no count of calls.
    public var bySexAndSource: [Group]?
    /// Detected USVs that overlap a deposited USV placed in the same recording (the same call found twice).
    public var detectedOverlappingDeposited: Int?
}

/// Everything known about one USV (`usv show`).
public struct USVDetail: Codable, Sendable {
    public struct Annotation: Codable, Sendable, Hashable {
        public var annotator: String
        public var direction: Int
        public var peaks: Int
        public var breaks: Int
        public var broadband: Double
        public var tremolo: Double
        public var complex: Double
        public var sourceFile: String
        public var line: Int?
    }

    public struct Feature: Codable, Sendable, Hashable {
        public var plugin: String
        public var pluginVersion: String
        public var parameters: String
        public var name: String
        public var value: Double?
        public var vectorLength: Int?
    }

    public struct Provenance: Codable, Sendable, Hashable {
        public var sourceFile: String
        public var sourceSHA256: String?
        public var archiveMember: String?
        public var sampleStart: Int?
        public var sampleEnd: Int?
        public var line: Int?
        public var ingestRun: Int64
    }

    public var usv: USVSummary
    public var peakAmplitude: Double?
    public var meanAmplitude: Double?
    public var detector: String?
    public var detectorVersion: String?
    public var detectorParameters: String?
    public var annotations: [Annotation]
    public var features: [Feature]
    public var provenance: Provenance
}

extension Catalog {
    static let summaryColumns = """
        u.id, d.name AS dataset, u.source, r.path || CASE WHEN r.archive_member = '' THEN '' ELSE '//' || r.archive_member END AS recording,
        a.dataset_animal_id AS animal, a.original_name AS animal_name, a.sex, a.genotype, u.start_s, u.stop_s, u.duration,
        u.min_frequency, u.max_frequency, u.deposited_fileid
        """
    static let joins = """
        FROM usvs u JOIN datasets d ON d.id = u.dataset_id LEFT JOIN animals a ON a.id = u.animal_id
        LEFT JOIN recordings r ON r.id = u.recording_id
        """

    static func summary(_ row: Row) -> USVSummary {
        let sex: Int? = row["sex"]
        return USVSummary(id: row["id"], dataSet: row["dataset"], source: row["source"], recording: row["recording"],
                          animal: row["animal"], animalName: row["animal_name"], sex: sex.flatMap { Sex(rawValue: $0)?.description },
                          genotype: row["genotype"], start: row["start_s"], stop: row["stop_s"], duration: row["duration"],
                          minimumFrequency: row["min_frequency"], maximumFrequency: row["max_frequency"],
                          depositedFileID: row["deposited_fileid"])
    }

    /// USV records matching `filter`, in id order, at most `limit`.
    public func usvs(matching filter: USVFilter, limit: Int? = nil) throws -> [USVSummary] {
        let (condition, arguments) = filter.sql()
        let limitClause = limit.map { " LIMIT \($0)" } ?? ""
        return try database.read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.summaryColumns) \(Self.joins) WHERE \(condition) ORDER BY u.id\(limitClause)",
                             arguments: arguments).map(Self.summary)
        }
    }

    public func statistics(matching filter: USVFilter) throws -> CatalogStatistics {
        let (condition, arguments) = filter.sql()
        return try database.read { db in
            func groups(_ key: String) throws -> [CatalogStatistics.Group] {
                try Row.fetchAll(db, sql: """
                    SELECT \(key) AS key, COUNT(*) AS count, AVG(u.duration) AS mean, SUM(u.duration) AS total \(Self.joins)
                    WHERE \(condition) GROUP BY 1 ORDER BY 1
                    """, arguments: arguments).map { row in
                    let key: DatabaseValue = row["key"]
                    return CatalogStatistics.Group(key: key.isNull ? "unknown" : "\(key.storage.value ?? "")", count: row["count"],
                                                   meanDuration: row["mean"], totalDuration: row["total"])
                }
            }
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) \(Self.joins) WHERE \(condition)", arguments: arguments) ?? 0
            var bySex = try groups("a.sex")
            for index in bySex.indices {
                bySex[index].key = Int(bySex[index].key).flatMap { Sex(rawValue: $0)?.description } ?? bySex[index].key
            }
            var bySexAndSource = try groups("COALESCE(CASE a.sex WHEN 0 THEN 'female' WHEN 1 THEN 'male' END, 'unknown') || ' ' || u.source")
            bySexAndSource.sort { $0.key < $1.key }
            let overlapping = try Int.fetchOne(db, sql: """
                SELECT COUNT(*) \(Self.joins) WHERE \(condition) AND u.source = 'detected' AND u.recording_id IS NOT NULL AND EXISTS (
                  SELECT 1 FROM usvs v WHERE v.source = 'deposited' AND v.recording_id = u.recording_id
                    AND v.start_s < u.stop_s AND v.stop_s > u.start_s)
                """, arguments: arguments) ?? 0
            return CatalogStatistics(
                total: total, bySex: bySex, byAnimal: try groups("a.original_name"), byGenotype: try groups("a.genotype"),
                bySource: try groups("u.source"),
                recordings: try groups("r.path || CASE WHEN r.archive_member = '' THEN '' ELSE '//' || r.archive_member END"),
                bySexAndSource: bySexAndSource, detectedOverlappingDeposited: overlapping)
        }
    }

    public func usvDetail(id: Int64) throws -> USVDetail? {
        try database.read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT \(Self.summaryColumns), u.peak_amplitude, u.mean_amplitude, u.detector, u.detector_version,
                  u.detector_parameters, p.source_file, p.source_sha256, p.archive_member AS member, p.sample_start, p.sample_end,
                  p.line, p.ingest_run_id
                \(Self.joins) JOIN provenance p ON p.id = u.provenance_id WHERE u.id = ?
                """, arguments: [id]) else { return nil }
            let annotations = try Row.fetchAll(db, sql: """
                SELECT n.*, p.source_file, p.line FROM annotations n JOIN provenance p ON p.id = n.provenance_id
                WHERE n.usv_id = ? ORDER BY n.annotator
                """, arguments: [id]).map { annotation in
                USVDetail.Annotation(annotator: annotation["annotator"], direction: annotation["direction"], peaks: annotation["peaks"],
                                     breaks: annotation["breaks"], broadband: annotation["broadband"], tremolo: annotation["tremolo"],
                                     complex: annotation["complex"], sourceFile: annotation["source_file"], line: annotation["line"])
            }
            let features = try Row.fetchAll(db, sql: "SELECT * FROM features WHERE usv_id = ? ORDER BY plugin, name", arguments: [id]).map { feature in
                let vector: Data? = feature["vector"]
                return USVDetail.Feature(plugin: feature["plugin"], pluginVersion: feature["plugin_version"],
                                         parameters: feature["parameters"], name: feature["name"], value: feature["value"],
                                         vectorLength: vector.map { $0.count / MemoryLayout<Float>.size })
            }
            return USVDetail(
                usv: Self.summary(row), peakAmplitude: row["peak_amplitude"], meanAmplitude: row["mean_amplitude"],
                detector: row["detector"], detectorVersion: row["detector_version"], detectorParameters: row["detector_parameters"],
                annotations: annotations, features: features,
                provenance: USVDetail.Provenance(sourceFile: row["source_file"], sourceSHA256: row["source_sha256"],
                                                 archiveMember: row["member"], sampleStart: row["sample_start"],
                                                 sampleEnd: row["sample_end"], line: row["line"], ingestRun: row["ingest_run_id"]))
        }
    }

    /// Recording rows of a data set: (display name, state, error, usv count).
    public func recordingStates(root: String) throws -> [(name: String, state: String, error: String?, usvs: Int?)] {
        try database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT r.path, r.archive_member, r.state, r.error, r.usv_count FROM recordings r JOIN datasets d ON d.id = r.dataset_id
                WHERE d.root = ? ORDER BY r.path, r.archive_member
                """, arguments: [root]).map { row in
                let member: String = row["archive_member"]
                let path: String = row["path"]
                return (member.isEmpty ? path : path + "//" + member, row["state"], row["error"], row["usv_count"])
            }
        }
    }
}

/// A detected USV whose audio a feature plugin needs, with where to read it.
public struct USVAudioReference: Sendable, Hashable {
    public var usvID: Int64
    public var root: String
    public var path: String
    public var archiveMember: String?
    public var startSample: Int
    public var stopSample: Int
    public var startSeconds: Double
    public var stopSeconds: Double
}

extension Catalog {
    /// USVs with sound (`withSound`) matching `filter` that do not yet have values from `plugin` with `parameters`.
    public func usvsMissingFeature(matching filter: USVFilter, plugin: String, parameters: String,
                                   limit: Int? = nil) throws -> (missing: [USVAudioReference], cached: Int) {
        let (condition, arguments) = Self.withSound(filter)
        let limitClause = limit.map { " LIMIT \($0)" } ?? ""
        return try database.read { db in
            let has = "EXISTS (SELECT 1 FROM features f WHERE f.usv_id = u.id AND f.plugin = ? AND f.parameters = ?)"
            var all = arguments
            all += [plugin, parameters]
            let rows = try Row.fetchAll(db, sql: """
                SELECT \(Self.audioReferenceColumns) \(Self.joins)
                WHERE \(condition) AND NOT \(has) ORDER BY r.id, u.start_sample\(limitClause)
                """, arguments: all)
            let cached = try Int.fetchOne(db, sql: "SELECT COUNT(*) \(Self.joins) WHERE \(condition) AND \(has)", arguments: all) ?? 0
            return (rows.map(Self.audioReference), cached)
        }
    }

    /// Where the audio of the USV `id` is (detected or deposited), or nil when there is no such USV or it has no
    /// position in a catalogued recording.
    public func usvAudioReference(id: Int64) throws -> USVAudioReference? {
        try database.read { db in
            try Row.fetchOne(db, sql: """
                SELECT \(Self.audioReferenceColumns) \(Self.joins)
                WHERE u.id = ? AND u.recording_id IS NOT NULL AND u.start_sample IS NOT NULL AND u.stop_sample IS NOT NULL
                """, arguments: [id]).map(Self.audioReference)
        }
    }

    /// Where the audio of each USV with sound (`withSound`) matching `filter` is, in recording and time order.
    public func usvAudioReferences(matching filter: USVFilter) throws -> [USVAudioReference] {
        let (condition, arguments) = Self.withSound(filter)
        return try database.read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.audioReferenceColumns) \(Self.joins) WHERE \(condition) ORDER BY r.id, u.start_sample",
                             arguments: arguments).map(Self.audioReference)
        }
    }

    /// The USVs of `filter` whose sound can be read, placed in a catalogued recording: the detected ones unless
    /// the filter asks for the deposited ones (which the data set's per-USV files place in their recordings).
    static func withSound(_ filter: USVFilter) -> (String, StatementArguments) {
        var scoped = filter
        if scoped.source == nil { scoped.source = .detected }
        let (condition, arguments) = scoped.sql()
        // Every column a reference decodes must be there: a catalog filled from a bundle may hold a sample range without
        // its seconds, and decoding a NULL as a number would trap.
        return (condition + " AND u.recording_id IS NOT NULL AND u.start_sample IS NOT NULL AND u.stop_sample IS NOT NULL"
            + " AND u.start_s IS NOT NULL AND u.stop_s IS NOT NULL", arguments)
    }

    static let audioReferenceColumns = "u.id, d.root, r.path, r.archive_member, u.start_sample, u.stop_sample, u.start_s, u.stop_s"

    static func audioReference(_ row: Row) -> USVAudioReference {
        let member: String = row["archive_member"]
        return USVAudioReference(usvID: row["id"], root: row["root"], path: row["path"], archiveMember: member.isEmpty ? nil : member,
                                 startSample: row["start_sample"], stopSample: row["stop_sample"],
                                 startSeconds: row["start_s"], stopSeconds: row["stop_s"])
    }

    /// Stores feature values of several USVs in one transaction.
    public func storeFeatures(_ values: [(usvID: Int64, feature: StoredFeature)]) throws {
        try database.write { db in
            for (usvID, feature) in values { try Self.insert(feature, usvID: usvID, db) }
        }
    }
}
