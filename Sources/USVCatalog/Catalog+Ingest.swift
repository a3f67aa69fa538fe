import Foundation
import GRDB
import USVCore

/// A feature plugin's values for one USV, as stored.
public struct StoredFeature: Sendable {
    public var plugin: String
    public var pluginVersion: String
    public var parameters: String
    public var values: FeatureValues

    public init(plugin: String, pluginVersion: String, parameters: String, values: FeatureValues) {
        self.plugin = plugin
        self.pluginVersion = pluginVersion
        self.parameters = parameters
        self.values = values
    }
}

/// Everything one recording contributes, written in one transaction (all of it or none of it).
public struct RecordingIngest: Sendable {
    public var dataSetID: Int64
    public var runID: Int64
    public var recording: PlannedRecording
    /// SHA-256 of the file (for archive members: of the archive, from the manifest).
    public var sha256: String?
    public var audio: AudioInfo
    public var detection: DetectionResult
    /// Per-USV features, in the order of `detection.usvs`.
    public var features: [[StoredFeature]]

    public init(dataSetID: Int64, runID: Int64, recording: PlannedRecording, sha256: String?, audio: AudioInfo,
                detection: DetectionResult, features: [[StoredFeature]]) {
        self.dataSetID = dataSetID
        self.runID = runID
        self.recording = recording
        self.sha256 = sha256
        self.audio = audio
        self.detection = detection
        self.features = features
    }
}

extension Catalog {
    /// The data set at `root` (creating it), with its description and verification state.
    public func upsertDataSet(_ description: DataSetDescription, root: String, adapter: PluginDescriptor,
                              manifestSHA256: String?, verificationState: String) throws -> Int64 {
        try database.write { db in
            try db.execute(sql: """
                INSERT INTO datasets (name, root, handle, licence, acknowledgement, adapter, adapter_version, manifest_sha256,
                                      verification_state, verified_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(root) DO UPDATE SET name = excluded.name, handle = excluded.handle, licence = excluded.licence,
                  acknowledgement = excluded.acknowledgement, adapter = excluded.adapter,
                  adapter_version = excluded.adapter_version, manifest_sha256 = excluded.manifest_sha256,
                  verification_state = excluded.verification_state, verified_at = excluded.verified_at
                """, arguments: [description.name, root, description.handle, description.licence, description.acknowledgement,
                                 adapter.id, adapter.version, manifestSHA256, verificationState, Date()])
            guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM datasets WHERE root = ?", arguments: [root]) else {
                throw USVError.io(path: path, reason: "data set row for \(root) vanished")
            }
            return id
        }
    }

    public func beginIngestRun(dataSetID: Int64, optionsJSON: String) throws -> Int64 {
        try database.write { db in
            try db.execute(sql: "INSERT INTO ingest_runs (dataset_id, started_at, status, options_json) VALUES (?, ?, 'running', ?)",
                           arguments: [dataSetID, Date(), optionsJSON])
            return db.lastInsertedRowID
        }
    }

    /// Marks the runs still `running` that started at or after `since` as `interrupted` (Ctrl-C: the process
    /// that started them is stopping). Returns how many.
    @discardableResult
    public func markRunsInterrupted(startedSince since: Date) throws -> Int {
        try database.write { db in
            try db.execute(sql: "UPDATE ingest_runs SET status = 'interrupted', finished_at = ? WHERE status = 'running' AND started_at >= ?",
                           arguments: [Date(), since])
            return db.changesCount
        }
    }

    /// Every ingest run's id and status (`running`, `interrupted`, `ok`, …), oldest first.
    public func ingestRunStatuses() throws -> [(id: Int64, status: String)] {
        try database.read { db in
            try Row.fetchAll(db, sql: "SELECT id, status FROM ingest_runs ORDER BY id").map { ($0["id"], $0["status"]) }
        }
    }

    public func finishIngestRun(_ id: Int64, status: String, summaryJSON: String) throws {
        try database.write { db in
            try db.execute(sql: "UPDATE ingest_runs SET finished_at = ?, status = ?, summary_json = ? WHERE id = ?",
                           arguments: [Date(), status, summaryJSON, id])
        }
    }

    /// True when the recording is already in the catalog, complete, from the same bytes and the same
    /// detector version and parameters: a re-run skips it.
    public func hasCompleteRecording(dataSetID: Int64, recording: PlannedRecording, sha256: String?,
                                     detector: String, detectorVersion: String, parameters: String) throws -> Bool {
        try database.read { db in
            let row = try Row.fetchOne(db, sql: """
                SELECT sha256, detector, detector_version, detector_parameters FROM recordings
                WHERE dataset_id = ? AND path = ? AND archive_member = ? AND state = 'complete'
                """, arguments: [dataSetID, recording.path, recording.archiveMember ?? ""])
            guard let row else { return false }
            return (row["sha256"] as String?) == sha256 && row["detector"] == detector
                && row["detector_version"] == detectorVersion && row["detector_parameters"] == parameters
        }
    }

    /// The animal row for `animal` in the data set (created when missing).
    static func animalID(_ db: Database, dataSetID: Int64, animal: Animal) throws -> Int64 {
        if let id = try Int64.fetchOne(db, sql: "SELECT id FROM animals WHERE dataset_id = ? AND dataset_animal_id = ?",
                                       arguments: [dataSetID, animal.dataSetAnimalID]) {
            return id
        }
        // The cortexless recordings' animals (cortexless and their wild-type controls) are numbered from 100.
        let convention = animal.dataSetAnimalID < 100
            ? "Donders: female NN -> NN, male NN -> NN + 10" : "USVKit: cortexless NN -> 100 + NN, control NN -> 200 + NN"
        try db.execute(sql: """
            INSERT INTO animals (dataset_id, dataset_animal_id, original_name, id_convention, sex, genotype, partner)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [dataSetID, animal.dataSetAnimalID, animal.originalName, convention, animal.sex?.rawValue,
                             animal.genotype.rawValue, animal.partner])
        return db.lastInsertedRowID
    }

    /// The id of the recording's row, created when missing. An existing row keeps its id, so that records
    /// pointing at it (deposited USVs positioned by the per-USV files) keep their link.
    static func recordingRow(_ db: Database, dataSetID: Int64, recording: PlannedRecording, animalID: Int64, runID: Int64) throws -> Int64 {
        if let id = try Int64.fetchOne(db, sql: "SELECT id FROM recordings WHERE dataset_id = ? AND path = ? AND archive_member = ?",
                                       arguments: [dataSetID, recording.path, recording.archiveMember ?? ""]) {
            return id
        }
        try db.execute(sql: """
            INSERT INTO recordings (dataset_id, path, archive_member, animal_id, state, ingest_run_id) VALUES (?, ?, ?, ?, 'failed', ?)
            """, arguments: [dataSetID, recording.path, recording.archiveMember ?? "", animalID, runID])
        return db.lastInsertedRowID
    }

    /// Stores a recording with its USVs, provenance and features in one transaction, replacing the detected
    /// USVs of an earlier (failed or outdated) ingest of the same recording; deposited records are untouched.
    public func store(_ ingest: RecordingIngest) throws {
        try database.write { db in
            let recording = ingest.recording
            let animalID = try Self.animalID(db, dataSetID: ingest.dataSetID, animal: recording.animal)
            let recordingID = try Self.recordingRow(db, dataSetID: ingest.dataSetID, recording: recording, animalID: animalID,
                                                    runID: ingest.runID)
            try db.execute(sql: "DELETE FROM usvs WHERE recording_id = ? AND source = 'detected'", arguments: [recordingID])
            let detection = ingest.detection
            try db.execute(sql: """
                UPDATE recordings SET animal_id = ?, state = 'complete', error = NULL, sha256 = ?, sample_rate = ?, bit_depth = ?,
                  channels = ?, frames = ?, duration = ?, detector = ?, detector_version = ?, detector_parameters = ?, usv_count = ?,
                  ingest_run_id = ?
                WHERE id = ?
                """, arguments: [animalID, ingest.sha256, ingest.audio.sampleRate, ingest.audio.bitDepth, ingest.audio.channels,
                                 ingest.audio.frames, ingest.audio.duration, detection.detector, detection.detectorVersion,
                                 detection.parameterFingerprint, detection.usvs.count, ingest.runID, recordingID])
            for (index, usv) in detection.usvs.enumerated() {
                try db.execute(sql: """
                    INSERT INTO provenance (ingest_run_id, source_file, source_sha256, archive_member, sample_start, sample_end)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """, arguments: [ingest.runID, recording.path, ingest.sha256, recording.archiveMember, usv.startSample, usv.stopSample])
                let provenanceID = db.lastInsertedRowID
                try db.execute(sql: """
                    INSERT INTO usvs (dataset_id, recording_id, animal_id, source, start_s, stop_s, start_sample, stop_sample, duration,
                      min_frequency, max_frequency, peak_amplitude, mean_amplitude, detector, detector_version, detector_parameters,
                      provenance_id)
                    VALUES (?, ?, ?, 'detected', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [ingest.dataSetID, recordingID, animalID, usv.startSeconds, usv.stopSeconds, usv.startSample,
                                     usv.stopSample, usv.duration, usv.minimumFrequency, usv.maximumFrequency, usv.peakAmplitude,
                                     usv.meanAmplitude, detection.detector, detection.detectorVersion,
                                     detection.parameterFingerprint, provenanceID])
                let usvID = db.lastInsertedRowID
                for feature in index < ingest.features.count ? ingest.features[index] : [] {
                    try Self.insert(feature, usvID: usvID, db)
                }
                KillPoint.pass("catalog.recording.usv-stored")
            }
        }
    }

    static func insert(_ feature: StoredFeature, usvID: Int64, _ db: Database) throws {
        for (name, value) in feature.values.scalars {
            try db.execute(sql: "INSERT OR REPLACE INTO features (usv_id, plugin, plugin_version, parameters, name, value) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [usvID, feature.plugin, feature.pluginVersion, feature.parameters, name, value])
        }
        for (name, vector) in feature.values.vectors {
            let blob = vector.withUnsafeBufferPointer { Data(buffer: $0) }
            try db.execute(sql: "INSERT OR REPLACE INTO features (usv_id, plugin, plugin_version, parameters, name, vector) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [usvID, feature.plugin, feature.pluginVersion, feature.parameters, name, blob])
        }
    }

    /// Records that a recording failed, so that reports and re-runs see it. A recording ingested completely
    /// before keeps its records (a failing re-run never loses data already in the catalog); only the error of
    /// the latest attempt is noted on it.
    public func storeFailure(dataSetID: Int64, runID: Int64, recording: PlannedRecording, sha256: String?, error: String) throws {
        try database.write { db in
            let animalID = try Self.animalID(db, dataSetID: dataSetID, animal: recording.animal)
            let recordingID = try Self.recordingRow(db, dataSetID: dataSetID, recording: recording, animalID: animalID, runID: runID)
            let state = try String.fetchOne(db, sql: "SELECT state FROM recordings WHERE id = ?", arguments: [recordingID])
            if state == "complete" {
                try db.execute(sql: "UPDATE recordings SET error = ? WHERE id = ?", arguments: ["latest run \(runID): " + error, recordingID])
            } else {
                try db.execute(sql: "UPDATE recordings SET state = 'failed', error = ?, sha256 = ?, ingest_run_id = ? WHERE id = ?",
                               arguments: [error, sha256, runID, recordingID])
            }
        }
    }

    /// True when this table, with these bytes, is already ingested.
    public func hasIngestedTable(dataSetID: Int64, path: String, sha256: String) throws -> Bool {
        try database.read { db in
            try String.fetchOne(db, sql: "SELECT sha256 FROM ingested_tables WHERE dataset_id = ? AND path = ? AND state = 'complete'",
                                arguments: [dataSetID, path]) == sha256
        }
    }

    /// Stores a deposited table in one transaction. Feature tables become USV records of source
    /// `deposited` with their annotations; label tables attach annotations to those records by fileid; per-USV
    /// files place those records in their recordings. Returns the rows stored, the fileids of rows that matched no
    /// deposited USV, and warnings (per-USV files whose recording is unknown, ambiguous or shorter than the USV).
    @discardableResult
    public func store(_ table: DepositedTable, sha256: String, dataSetID: Int64, runID: Int64,
                      animals: [Int: Animal]) throws -> (stored: Int, unmatched: [Int], warnings: [String]) {
        try database.write { db in
            let path = table.table.path
            var unmatched: [Int] = []
            var warnings: [String] = []
            switch table.table.kind {
            case .features:
                try db.execute(sql: """
                    DELETE FROM usvs WHERE dataset_id = ? AND source = 'deposited'
                      AND provenance_id IN (SELECT id FROM provenance WHERE source_file = ?)
                    """, arguments: [dataSetID, path])
                for row in table.rows {
                    var animalID: Int64?
                    if let id = row.animalID {
                        let known = animals[id] ?? Animal(dataSetAnimalID: id, originalName: "animal \(id)", sex: row.sex,
                                                          genotype: .wildType, partner: nil)
                        animalID = try Self.animalID(db, dataSetID: dataSetID, animal: known)
                    }
                    try db.execute(sql: "INSERT INTO provenance (ingest_run_id, source_file, source_sha256, line) VALUES (?, ?, ?, ?)",
                                   arguments: [runID, path, sha256, row.line])
                    let provenanceID = db.lastInsertedRowID
                    try db.execute(sql: """
                        INSERT INTO usvs (dataset_id, animal_id, source, duration, deposited_fileid, provenance_id)
                        VALUES (?, ?, 'deposited', ?, ?, ?)
                        """, arguments: [dataSetID, animalID, row.values["duration"], row.fileID, provenanceID])
                    let usvID = db.lastInsertedRowID
                    let scalars = row.values.filter { !["fileid", "animalid", "sex"].contains($0.key) }
                    try Self.insert(StoredFeature(plugin: "deposited", pluginVersion: "1", parameters: sha256,
                                                  values: FeatureValues(scalars: scalars)), usvID: usvID, db)
                    if let properties = row.properties {
                        try Self.insertAnnotation(properties, annotator: table.table.annotator, usvID: usvID,
                                                  provenanceID: provenanceID, db)
                    }
                }
            case .perUSVFiles:
                // The data set's recordings by file name: the last component of the path, or of the archive member.
                var byName: [String: [(id: Int64, frames: Int?, rate: Int?)]] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT id, path, archive_member, frames, sample_rate FROM recordings WHERE dataset_id = ?",
                                            arguments: [dataSetID]) {
                    let recordingPath: String = row["path"]
                    let member: String = row["archive_member"]
                    byName[FilePaths.lastComponent(member.isEmpty ? recordingPath : member), default: []].append((row["id"], row["frames"], row["sample_rate"]))
                }
                var unknown: [String: Int] = [:]
                var ambiguous: [String: Int] = [:]
                var pastEnd: [String] = []
                for row in table.rows {
                    guard let usvID = try Int64.fetchOne(db, sql: "SELECT id FROM usvs WHERE dataset_id = ? AND source = 'deposited' AND deposited_fileid = ?",
                                                         arguments: [dataSetID, row.fileID]),
                          let start = row.values["Start"], let stop = row.values["Stop"] else {
                        unmatched.append(row.fileID)
                        continue
                    }
                    // The recording the file names (a Windows or POSIX path, as MATLAB saved it): its base name, exactly.
                    var recordingID: Int64?
                    if let name = row.strings["Filename"], !name.isEmpty {
                        let base = Self.baseName(ofAnyPath: name)
                        let candidates = byName[base] ?? []
                        if candidates.count > 1 {
                            ambiguous[base, default: 0] += 1
                        } else if let recording = candidates.first {
                            if let frames = recording.frames, let rate = recording.rate, rate > 0, stop * Double(rate) > Double(frames) + 1 {
                                pastEnd.append("\(row.member ?? String(row.fileID)) (\(stop) s; \(base) is \(Double(frames) / Double(rate)) s)")
                            } else {
                                recordingID = recording.id
                            }
                        } else {
                            unknown[base, default: 0] += 1
                        }
                    }
                    let rate = row.values["SRSound"]
                    try db.execute(sql: "INSERT INTO provenance (ingest_run_id, source_file, source_sha256, archive_member, line) VALUES (?, ?, ?, ?, ?)",
                                   arguments: [runID, path, sha256, row.member, row.line])
                    try db.execute(sql: """
                        UPDATE usvs SET start_s = ?, stop_s = ?, start_sample = ?, stop_sample = ?, recording_id = ?
                        WHERE id = ?
                        """, arguments: [start, stop, rate.flatMap { Self.sampleIndex(start, rate: $0) }, rate.flatMap { Self.sampleIndex(stop, rate: $0) },
                                         recordingID, usvID])
                }
                func listed(_ counts: [String: Int]) -> String {
                    counts.sorted { $0.key < $1.key }.prefix(5).map { "\($0.key) (\($0.value))" }.joined(separator: ", ")
                        + (counts.count > 5 ? ", …" : "")
                }
                if !unknown.isEmpty {
                    warnings.append("\(unknown.values.reduce(0, +)) per-USV files name a recording that is not in the catalog: \(listed(unknown)); "
                        + "their USVs are not placed in a recording")
                }
                if !ambiguous.isEmpty {
                    warnings.append("\(ambiguous.values.reduce(0, +)) per-USV files name a recording that several catalogued recordings "
                        + "answer to: \(listed(ambiguous)); their USVs are not placed in a recording")
                }
                if !pastEnd.isEmpty {
                    warnings.append("\(pastEnd.count) per-USV files place their USV past the end of its recording: "
                        + pastEnd.prefix(5).joined(separator: ", ") + (pastEnd.count > 5 ? ", …" : "") + "; they are not placed in it")
                }
            case .labels:
                try db.execute(sql: "DELETE FROM annotations WHERE annotator = ? AND provenance_id IN (SELECT id FROM provenance WHERE source_file = ?)",
                               arguments: [table.table.annotator, path])
                for row in table.rows {
                    guard let properties = row.properties,
                          let usvID = try Int64.fetchOne(db, sql: """
                              SELECT id FROM usvs WHERE dataset_id = ? AND source = 'deposited' AND deposited_fileid = ?
                              """, arguments: [dataSetID, row.fileID]) else {
                        unmatched.append(row.fileID)
                        continue
                    }
                    try db.execute(sql: "INSERT INTO provenance (ingest_run_id, source_file, source_sha256, line) VALUES (?, ?, ?, ?)",
                                   arguments: [runID, path, sha256, row.line])
                    try Self.insertAnnotation(properties, annotator: table.table.annotator, usvID: usvID,
                                              provenanceID: db.lastInsertedRowID, db)
                }
            }
            try db.execute(sql: """
                INSERT OR REPLACE INTO ingested_tables (dataset_id, path, sha256, rows, state, ingest_run_id)
                VALUES (?, ?, ?, ?, 'complete', ?)
                """, arguments: [dataSetID, path, sha256, table.rows.count - unmatched.count, runID])
            return (table.rows.count - unmatched.count, unmatched, warnings)
        }
    }

    /// The file name at the end of a Windows (`C:\DNN\…\Rfem_Afem01.wav`) or POSIX path, or the name itself.
    public static func baseName(ofAnyPath path: String) -> String {
        path.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? path
    }

    /// Records that a table could not be read, keeping whatever an earlier run stored from it.
    public func storeTableFailure(dataSetID: Int64, runID: Int64, path: String, sha256: String, error: String) throws {
        try database.write { db in
            try db.execute(sql: """
                INSERT INTO ingested_tables (dataset_id, path, sha256, rows, state, error, ingest_run_id) VALUES (?, ?, ?, 0, 'failed', ?, ?)
                ON CONFLICT(dataset_id, path) DO UPDATE SET state = CASE WHEN state = 'complete' THEN state ELSE 'failed' END,
                  error = excluded.error, ingest_run_id = excluded.ingest_run_id
                """, arguments: [dataSetID, path, sha256, error, runID])
        }
    }

    /// The sample at `seconds` for `rate`, or nil when the product is not a number a sample index can be (NaN,
    /// infinite, negative or beyond `Int`): a deposited value never traps here.
    static func sampleIndex(_ seconds: Double, rate: Double) -> Int? {
        let product = (seconds * rate).rounded()
        guard product >= 0 else { return nil }
        return Int(exactly: product)
    }

    static func insertAnnotation(_ properties: CallProperties, annotator: String, usvID: Int64, provenanceID: Int64, _ db: Database) throws {
        try db.execute(sql: """
            INSERT INTO annotations (usv_id, annotator, direction, peaks, breaks, broadband, tremolo, complex, provenance_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [usvID, annotator, properties.direction, properties.peaks, properties.breaks, properties.broadband,
                             properties.tremolo, properties.complex, provenanceID])
    }
}
