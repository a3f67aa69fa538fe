import Crypto
import Foundation
import USVCatalog
import USVCore
import USVSignal

/// How `usv ingest` runs.
public struct IngestOptions: Sendable {
    /// Recordings processed at once (each detection also uses two threads).
    public var jobs: Int = 1
    /// Ingest files that fail verification (or a data set without a manifest) instead of refusing them.
    public var allowUnverified = false
    /// Stop at the first recording or table that fails.
    public var strict = false
    /// Data-set animal ids or names to leave out.
    public var excludedAnimals: Set<String> = []
    /// The channel analysed in every recording (`.only`: multichannel recordings are refused, naming their channels).
    public var channel: ChannelSelection = .only
    public var detectorParameters: ParameterValues
    public var propertyParameters: ParameterValues
    public var verify: VerifyOptions

    public init(detectorParameters: ParameterValues, propertyParameters: ParameterValues, verify: VerifyOptions) {
        self.detectorParameters = detectorParameters
        self.propertyParameters = propertyParameters
        self.verify = verify
    }
}

/// What happened to one recording or table.
public struct IngestOutcome: Codable, Sendable, Hashable {
    public enum Status: String, Codable, Sendable {
        case ingested
        /// Already in the catalog from the same bytes with the same detector and parameters.
        case unchanged
        /// Failed verification and `--allow-unverified` was not given.
        case refused
        case failed
    }

    public var name: String
    public var status: Status
    public var usvs: Int?
    public var seconds: Double?
    public var error: String?
    /// What was stored with reservations (per-USV files whose recording is unknown, ambiguous or too short).
    public var warnings: [String]?
}

/// The result of one `usv ingest` (schemas/ingest-report.schema.json).
public struct IngestReport: Codable, Sendable {
    public var schemaVersion = 1
    public var root: String
    public var dataSet: String
    public var ingestRun: Int64
    public var verification: [String: Int]
    /// How verification got its digests: files read and hashed, and files trusted from the verify cache (ingest
    /// verifies incrementally: a file unchanged since it last verified — size, mtime, ctime, inode, device — is not read).
    public var verificationReads: VerificationReads
    public var recordings: [IngestOutcome]
    public var tables: [IngestOutcome]
    public var skipped: [SkippedItem]
    public var statistics: CatalogStatistics
    public var seconds: Double

    /// 1 when anything failed or was refused, else 0.
    public var exitStatus: Int32 {
        (recordings + tables).contains { $0.status == .failed || $0.status == .refused } ? 1 : 0
    }
}

/// Files that verification read and hashed, and files it trusted from the verify cache without reading.
public struct VerificationReads: Codable, Sendable, Hashable {
    public var hashed = 0
    public var trusted = 0
    public var bytesHashed: Int64 = 0
}

/// Runs a data-set adapter's plan into the catalog: verification first, then every recording (detector and
/// property plugins, one transaction each, so a killed run leaves each recording complete or absent and the
/// next run resumes), then the deposited tables.
public struct Ingestor: Sendable {
    public var adapter: any DataSetAdapter
    public var detector: any USVDetecting
    public var properties: any USVFeatureComputing
    public var catalog: Catalog
    public var progress: any ProgressReporter
    /// Format plugins the adapter may need (the MAT reader for per-USV files).
    public var formats: PluginRegistry

    public init(adapter: any DataSetAdapter, detector: any USVDetecting, properties: any USVFeatureComputing,
                catalog: Catalog, formats: PluginRegistry = PluginRegistry(), progress: any ProgressReporter = SilentProgress()) {
        self.formats = formats
        self.adapter = adapter
        self.detector = detector
        self.properties = properties
        self.catalog = catalog
        self.progress = progress
    }

    public func ingest(root argument: String, options: IngestOptions) throws -> IngestReport {
        let started = Date()
        guard case .success(let root) = FilePaths.realPath(argument) else { throw USVError.usage("\(argument): no such directory or archive") }
        let plan = try adapter.plan(root: root, excludedAnimals: options.excludedAnimals)

        // 1. Verify (unchanged files come from the verify cache).
        var statusByPath: [String: EntryResult] = [:]  // frozen below before the worker threads read it
        var verificationCounts: [String: Int] = [:]
        var manifestSHA256: String?
        var reads = VerificationReads()
        do {
            var verifyOptions = options.verify
            verifyOptions.incremental = true
            let report = try Verifier(options: verifyOptions, cache: catalog, progress: progress).verify(root: root)
            manifestSHA256 = report.manifestSHA256
            for entry in report.entries { statusByPath[entry.path] = entry }
            verificationCounts = report.summary.mapValues(\.count).filter { $0.value > 0 }
            reads = VerificationReads(hashed: report.filesHashed, trusted: report.filesTrusted, bytesHashed: report.bytesHashed)
            progress.note("verified \(report.manifestEntries) manifest entries: "
                + verificationCounts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
                + "; read and hashed \(report.filesHashed) files, trusted \(report.filesTrusted) unchanged since they last verified")
        } catch let error as USVError where error.isUsage && options.allowUnverified {
            progress.note("not verified (\(error)); --allow-unverified given, going on")
        }
        let verificationState = manifestSHA256 == nil ? "unverified" : (statusByPath.values.contains { $0.status.isProblem } ? "problems" : "verified")
        let dataSetID = try catalog.upsertDataSet(plan.dataSet, root: root, adapter: adapter.descriptor,
                                                  manifestSHA256: manifestSHA256, verificationState: verificationState)
        let optionsJSON = String(decoding: try JSONSerialization.data(withJSONObject: [
            "detector_parameters": options.detectorParameters.values, "property_parameters": options.propertyParameters.values,
            "excluded_animals": options.excludedAnimals.sorted(), "allow_unverified": options.allowUnverified,
        ], options: [.sortedKeys]), as: UTF8.self)
        let runID = try catalog.beginIngestRun(dataSetID: dataSetID, optionsJSON: optionsJSON)

        let verified = statusByPath
        let manifestKnown = manifestSHA256 != nil
        /// Verification gate: the file's status, its hash, and a refusal reason when it may not be used.
        @Sendable func gate(_ path: String) -> (sha256: String?, refusal: String?) {
            guard manifestKnown else { return (nil, nil) }
            guard let entry = verified[path] else {
                return (nil, options.allowUnverified ? nil : "not listed in the manifest (use --allow-unverified to ingest it anyway)")
            }
            // The catalog keeps SHA-256 digests: a file verified against another algorithm (an MD5SUMS) has none here.
            let sha256 = entry.algorithm == nil || entry.algorithm == .sha256 ? entry.actual ?? entry.expected : nil
            if entry.status == .ok { return (sha256, nil) }
            return (entry.algorithm == nil || entry.algorithm == .sha256 ? entry.actual : nil, options.allowUnverified ? nil
                : "failed verification: \(entry.status.rawValue)\(entry.detail.map { " (\($0))" } ?? "") — use --allow-unverified to ingest it anyway")
        }

        // 2. Recordings.
        let detectorDescriptor = detector.descriptor
        let fingerprint = options.detectorParameters.fingerprint
        let total = plan.recordings.count
        let outcomes = Locked([Int: IngestOutcome]())
        let next = Locked(0)
        let stop = Locked(false)
        let catalog = self.catalog
        runOnThreads(min(max(1, options.jobs), max(1, total))) { _ in
            while true {
                let index = next.withLock { value -> Int in defer { value += 1 }; return value }
                guard index < total, !stop.value else { return }
                let recording = plan.recordings[index]
                let (sha256, refusal) = gate(recording.path)
                var outcome = IngestOutcome(name: recording.displayName, status: .ingested)
                if let refusal {
                    outcome.status = .refused
                    outcome.error = refusal
                    try? catalog.storeFailure(dataSetID: dataSetID, runID: runID, recording: recording, sha256: sha256, error: refusal)
                } else if (try? catalog.hasCompleteRecording(dataSetID: dataSetID, recording: recording, sha256: sha256,
                                                              detector: detectorDescriptor.id, detectorVersion: detectorDescriptor.version,
                                                              parameters: fingerprint)) == true {
                    outcome.status = .unchanged
                } else {
                    let begin = Date()
                    do {
                        let ingest = try process(recording, root: root, sha256: sha256, dataSetID: dataSetID, runID: runID, options: options)
                        KillPoint.pass("ingest.recording.detected")
                        try catalog.store(ingest)
                        outcome.usvs = ingest.detection.usvs.count
                    } catch {
                        outcome.status = .failed
                        outcome.error = "\(error)"
                        try? catalog.storeFailure(dataSetID: dataSetID, runID: runID, recording: recording, sha256: sha256, error: "\(error)")
                        if options.strict { stop.withLock { $0 = true } }
                    }
                    outcome.seconds = Date().timeIntervalSince(begin)
                }
                let done = outcomes.withLock { value -> Int in value[index] = outcome; return value.count }
                progress.update(phase: "recordings", done: Int64(done), total: Int64(total), unit: .items)
                progress.note("[\(done)/\(total)] \(recording.displayName): \(outcome.status.rawValue)"
                    + (outcome.usvs.map { ", \($0) USVs" } ?? "") + (outcome.seconds.map { String(format: " (%.2f s)", $0) } ?? "")
                    + (outcome.error.map { " — \($0)" } ?? ""))
                KillPoint.pass("ingest.recording.done")
            }
        }
        let recordingOutcomes = (0..<total).compactMap { outcomes.value[$0] }

        // 3. Deposited tables.
        var tableOutcomes: [IngestOutcome] = []
        let animals = Dictionary(plan.recordings.map { ($0.animal.dataSetAnimalID, $0.animal) }, uniquingKeysWith: { first, _ in first })
        // Features first (they create the deposited USV records), then labels and per-USV files that refer to them.
        for table in plan.tables.sorted(by: { ($0.kind == .features ? 0 : 1, $0.path) < ($1.kind == .features ? 0 : 1, $1.path) })
        where !stop.value {
            var outcome = IngestOutcome(name: table.path, status: .ingested)
            let (verifiedHash, refusal) = gate(table.path)
            let sha256 = verifiedHash ?? (try? DataRoot(root).read(table.path, limit: 1 << 30)).map { SHA256.hash(data: $0).hexString } ?? ""
            if let refusal {
                outcome.status = .refused
                outcome.error = refusal
            } else if try catalog.hasIngestedTable(dataSetID: dataSetID, path: table.path, sha256: sha256) {
                outcome.status = .unchanged
            } else {
                do {
                    let read = try adapter.readTable(table, root: root, formats: formats)
                    let (stored, unmatched, warnings) = try catalog.store(read, sha256: sha256, dataSetID: dataSetID, runID: runID, animals: animals)
                    outcome.usvs = stored
                    if !warnings.isEmpty { outcome.warnings = warnings }
                    for warning in warnings { progress.note("\(table.path): \(warning)") }
                    if !unmatched.isEmpty {
                        progress.note("\(table.path): \(unmatched.count) rows name a fileid with no deposited USV (first: \(unmatched.prefix(5)))")
                    }
                } catch {
                    outcome.status = .failed
                    outcome.error = "\(error)"
                    try catalog.storeTableFailure(dataSetID: dataSetID, runID: runID, path: table.path, sha256: sha256, error: "\(error)")
                    if options.strict { stop.withLock { $0 = true } }
                }
            }
            progress.note("\(table.path): \(outcome.status.rawValue)" + (outcome.usvs.map { ", \($0) rows" } ?? "")
                + (outcome.error.map { " — \($0)" } ?? ""))
            KillPoint.pass("ingest.table.done")
            tableOutcomes.append(outcome)
        }

        var filter = USVFilter()
        filter.root = root
        let report = IngestReport(root: root, dataSet: plan.dataSet.name, ingestRun: runID, verification: verificationCounts, verificationReads: reads,
                                  recordings: recordingOutcomes, tables: tableOutcomes, skipped: plan.skipped,
                                  statistics: try catalog.statistics(matching: filter), seconds: Date().timeIntervalSince(started))
        let summary = String(decoding: try JSONEncoder().encode(report.statistics), as: UTF8.self)
        try catalog.finishIngestRun(runID, status: report.exitStatus == 0 ? "complete" : "problems", summaryJSON: summary)
        return report
    }

    /// Detects the USVs of one recording and computes their properties (nothing is stored here).
    func process(_ recording: PlannedRecording, root: String, sha256: String?, dataSetID: Int64, runID: Int64,
                 options: IngestOptions) throws -> RecordingIngest {
        // An archive member is read out of its archive once and kept in memory for all the steps.
        var source = try adapter.source(for: recording, root: root)
        if case .archiveMember = source { source = .memory(name: recording.displayName, bytes: try source.readAll(limit: 1 << 32)) }
        let reader = try AudioFileReader(source: source)
        reader.channel = options.channel
        let info = reader.info
        let detection = try detector.detect(recording: source, channel: options.channel, parameters: options.detectorParameters)
        let propertyDescriptor = properties.descriptor
        let engine = try SpectrogramEngine(sampleRate: info.sampleRate)
        var features: [[StoredFeature]] = []
        features.reserveCapacity(detection.usvs.count)
        for usv in detection.usvs {
            let stop = min(info.frames, usv.stopSample)
            guard usv.startSample >= 0, usv.startSample < stop else {
                throw USVError.malformed(path: recording.displayName, location: "detected USV at \(usv.startSeconds) s",
                                         reason: "samples \(usv.startSample)–\(usv.stopSample) are not inside the recording's \(info.frames) frames")
            }
            let signal = try reader.readSignal(frames: usv.startSample..<stop)
            let input = USVFeatureInput(spectrogram: engine.spectrogram(of: signal.samples), startSeconds: usv.startSeconds,
                                        stopSeconds: usv.stopSeconds)
            let values = try properties.compute(input, parameters: options.propertyParameters)
            features.append([StoredFeature(plugin: propertyDescriptor.id, pluginVersion: propertyDescriptor.version,
                                           parameters: options.propertyParameters.fingerprint, values: values)])
        }
        return RecordingIngest(dataSetID: dataSetID, runID: runID, recording: recording, sha256: sha256, audio: info,
                               detection: detection, features: features)
    }
}
