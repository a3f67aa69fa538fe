import Foundation
import Testing
import USVBuiltins
import USVCatalog
import USVCore
import USVDataSetSynth
import USVIngest
import USVSignal
import USVTestSupport

struct IngestFixture {
    let directory: TemporaryDirectory
    let root: String
    let catalog: Catalog

    init(_ label: String, seed: UInt64 = 4, scale: String = "tiny") throws {
        directory = try TemporaryDirectory(label)
        root = directory.file("twin")
        _ = try DondersSynthSource().generate(into: root, options: GenerationOptions(scale: scale, seed: seed), progress: SilentProgress())
        catalog = try Catalog(path: directory.file("catalog.sqlite"))
    }

    func ingestor() throws -> (Ingestor, IngestOptions) {
        let registry = try BuiltinPlugins.registry()
        let adapter = try registry.require((any DataSetAdapter).self, id: "dataset-adapter.donders")
        let detector = try registry.require((any USVDetecting).self, id: "feature.usv-detector")
        let properties = try registry.require((any USVFeatureComputing).self, id: "feature.call-properties")
        let options = IngestOptions(detectorParameters: try ParameterValues(defaultsOf: detector.descriptor),
                                    propertyParameters: try ParameterValues(defaultsOf: properties.descriptor),
                                    verify: VerifyOptions(jobs: 2))
        return (Ingestor(adapter: adapter, detector: detector, properties: properties, catalog: catalog), options)
    }

    func ingest(_ change: (inout IngestOptions) -> Void = { _ in }) throws -> IngestReport {
        var (ingestor, options) = try ingestor()
        change(&options)
        return try ingestor.ingest(root: root, options: options)
    }
}

@Suite struct IngestTests {
    /// The acceptance of the ingest issue: `usv synth --scale small` then ingest.
    @Test func recordsMatchTheGroundTruthAndTheDepositedTables() throws {
        let fixture = try IngestFixture("ingest", seed: 1, scale: "small")
        defer { fixture.directory.remove() }
        let report = try fixture.ingest()
        #expect(report.exitStatus == 0, "\(report.recordings + report.tables)")
        #expect(report.recordings.allSatisfy { $0.status == .ingested })
        #expect(report.tables.allSatisfy { $0.status == .ingested })

        // Detected intervals against the ground truth, recording by recording; every matched record carries the
        // true animal, sex and genotype.
        let truth = try readGroundTruth(root: fixture.root)
        let records = try fixture.catalog.usvs(matching: { var filter = USVFilter(); filter.source = .detected; return filter }())
        var score = DetectionScore()
        var labelsRight = 0
        for recording in Set(truth.map(\.recording)).sorted() {
            let calls = truth.filter { $0.recording == recording }
            let found = records.filter { $0.recording == recording }
            let detections = found.map { DetectedUSV(startSample: Int(($0.start ?? 0) * 300_000), stopSample: Int(($0.stop ?? 0) * 300_000),
                                                     sampleRate: 300_000, minimumFrequency: 0, maximumFrequency: 0, peakAmplitude: 0,
                                                     meanAmplitude: 0) }
            var local = DetectionScore()
            local.add(truth: calls, detections: detections)
            for (call, detection) in local.matches {
                guard let record = found.first(where: { Int(($0.start ?? 0) * 300_000) == detection.startSample }) else { continue }
                let sexRight = record.sex == call.fields["sex"]
                let genotypeRight = record.genotype == call.fields["genotype"]
                let nameRight = record.animalName == call.fields["animal_name"] || record.animal == Int(call.fields["animal_id"] ?? "")
                if sexRight && genotypeRight && nameRight { labelsRight += 1 }
            }
            score.merge(local)
        }
        print("ingested detections vs ground truth: \(score)")
        #expect(score.recall >= 0.95 && score.precision >= 0.95, "\(score)")
        #expect(score.medianOnsetErrorMilliseconds <= 3)
        #expect(labelsRight == score.truePositives)

        // Deposited records equal the CSV rows exactly.
        let deposited = try fixture.catalog.usvs(matching: { var filter = USVFilter(); filter.source = .deposited; return filter }())
        let csv = String(decoding: try readWholeFile(FilePaths.join(fixture.root,
            "Data/FIG_USVClassify_BasicAnalysis/features_fileid_animalid_sex_duration_avgfreq_avgvol_direction_peaks_breaks_broadband_tremolo_complex.csv"),
            limit: 1 << 24), as: UTF8.self).components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(deposited.count == csv.count)
        let byFileID = Dictionary(uniqueKeysWithValues: deposited.compactMap { record in record.depositedFileID.map { ($0, record) } })
        for line in csv {
            let cells = line.split(separator: ",")
            let record = try #require(byFileID[Int(cells[0]) ?? -1])
            #expect(record.animal == Int(cells[1]))
            #expect(record.sex == (cells[2] == "0" ? "female" : "male"))
            #expect(record.duration == Double(cells[3]))
            let detail = try #require(try fixture.catalog.usvDetail(id: record.id))
            #expect(detail.features.first { $0.name == "avgvol" }?.value == Double(cells[5]))
            let annotation = try #require(detail.annotations.first { $0.annotator == "deposited-features" })
            #expect(annotation.direction == Int(cells[6]))
            #expect(annotation.complex == Double(cells[11]))
        }
        // Manual labels are attached to the deposited records by fileid.
        let labelled = try deposited.compactMap { try fixture.catalog.usvDetail(id: $0.id) }.filter { detail in
            detail.annotations.contains { $0.annotator == "human2" }
        }
        #expect(!labelled.isEmpty)
    }

    @Test func reRunsIngestNothingTwice() throws {
        let fixture = try IngestFixture("ingest-twice")
        defer { fixture.directory.remove() }
        let first = try fixture.ingest()
        let second = try fixture.ingest()
        #expect(second.recordings.allSatisfy { $0.status == .unchanged })
        #expect(second.tables.allSatisfy { $0.status == .unchanged })
        // Ingest verifies incrementally and says so: every file hashed the first time, trusted from the cache after.
        #expect(first.verificationReads.hashed > 0 && first.verificationReads.trusted == 0)
        #expect(second.verificationReads.trusted == first.verificationReads.hashed && second.verificationReads.hashed == 0)
        #expect(second.verificationReads.bytesHashed == 0)
        #expect(second.statistics.total == first.statistics.total)
        #expect(second.exitStatus == 0)
        // New detector parameters re-detect (and replace, not add).
        let detector = try BuiltinPlugins.registry().require((any USVDetecting).self, id: "feature.usv-detector").descriptor
        let changed = try ParameterValues(defaultsOf: detector, overrides: ["min-frequency": "26000"])
        let third = try fixture.ingest { $0.detectorParameters = changed }
        #expect(third.recordings.allSatisfy { $0.status == .ingested })
        #expect(third.statistics.total <= first.statistics.total + 2)
        #expect(third.statistics.total >= first.statistics.total - 5)
    }

    @Test func aFileDamagedAfterIngestIsRefusedAndItsRecordsStay() throws {
        let fixture = try IngestFixture("ingest-damaged-later")
        defer { fixture.directory.remove() }
        let first = try fixture.ingest()
        #expect(first.exitStatus == 0)
        let wav = FilePaths.join(fixture.root, "Data/RawRecordings/Sex/Rfem_Afem01.wav")
        var bytes = try readWholeFile(wav, limit: 1 << 26)
        bytes[bytes.count / 2] ^= 0xFF
        try writeWholeFile(wav, bytes: bytes)
        let second = try fixture.ingest()
        #expect(second.exitStatus == 1)
        #expect(second.verificationReads.hashed == 1, "only the changed file is read again")
        #expect(second.recordings.first { $0.name.hasSuffix("Rfem_Afem01.wav") }?.status == .refused)
        #expect(second.statistics.total == first.statistics.total)
        let states = try fixture.catalog.recordingStates(root: fixture.root)
        #expect(states.allSatisfy { $0.state == "complete" })
        #expect(states.first { $0.name.hasSuffix("Rfem_Afem01.wav") }?.error?.contains("mismatch") == true)
    }

    @Test func corruptFilesAreRefusedOrReportedAndTheRestIsIngested() throws {
        let fixture = try IngestFixture("ingest-bad")
        defer { fixture.directory.remove() }
        // A truncated recording and a CSV with text in a number column.
        let wav = FilePaths.join(fixture.root, "Data/RawRecordings/Sex/Rmale_Afem01.wav")
        let bytes = try readWholeFile(wav, limit: 1 << 26)
        try writeWholeFile(wav, bytes: Array(bytes.prefix(200)))
        let labels = FilePaths.join(fixture.root, "Data/USVSpectrograms/labeling-human2.csv")
        var text = String(decoding: try readWholeFile(labels, limit: 1 << 24), as: UTF8.self)
        text = text.replacingOccurrences(of: "\r\n", with: "\r\nnot-a-number,0,0,0,0,0,0\r\n", options: [], range: text.range(of: "\r\n"))
        try writeWholeFile(labels, bytes: Array(text.utf8))

        let refused = try fixture.ingest()
        #expect(refused.exitStatus == 1)
        #expect(refused.recordings.first { $0.name.hasSuffix("Rmale_Afem01.wav") }?.status == .refused)
        #expect(refused.recordings.first { $0.name.hasSuffix("Rmale_Afem01.wav") }?.error?.contains("mismatch") == true)
        #expect(refused.recordings.filter { $0.status == .ingested }.count == refused.recordings.count - 1)
        #expect(refused.tables.first { $0.name.hasSuffix("labeling-human2.csv") }?.status == .refused)

        let forced = try fixture.ingest { $0.allowUnverified = true }
        #expect(forced.exitStatus == 1)
        let wavOutcome = try #require(forced.recordings.first { $0.name.hasSuffix("Rmale_Afem01.wav") })
        #expect(wavOutcome.status == .failed)
        #expect(wavOutcome.error?.contains("Rmale_Afem01.wav") == true)
        let tableOutcome = try #require(forced.tables.first { $0.name.hasSuffix("labeling-human2.csv") })
        #expect(tableOutcome.status == .failed)
        #expect(tableOutcome.error?.contains("line 2") == true)
        // Everything else is in the catalog, and the failure is recorded.
        let states = try fixture.catalog.recordingStates(root: fixture.root)
        #expect(states.filter { $0.state == "failed" }.count == 1)
        #expect(states.filter { $0.state == "complete" }.count == states.count - 1)

        let strict = try fixture.ingest { $0.allowUnverified = true; $0.strict = true; $0.jobs = 1 }
        #expect(strict.exitStatus == 1)
    }
}

@Suite struct CorruptArchiveTests {
    @Test func aCorruptArchiveMemberFailsAloneWithItsName() throws {
        let fixture = try IngestFixture("ingest-zip", seed: 7)
        defer { fixture.directory.remove() }
        let zip = FilePaths.join(fixture.root, "Data/RawRecordings/Strain/RecordingsCortexless.zip")
        var bytes = try readWholeFile(zip, limit: 1 << 26)
        // Flip bytes inside the first member's stored data: its CRC no longer matches.
        for offset in stride(from: 2_000, to: 2_400, by: 7) { bytes[offset] ^= 0x5A }
        try writeWholeFile(zip, bytes: bytes)

        let refused = try fixture.ingest()
        #expect(refused.recordings.filter { $0.name.contains("RecordingsCortexless.zip//") }.allSatisfy { $0.status == .refused })

        let forced = try fixture.ingest { $0.allowUnverified = true }
        let members = forced.recordings.filter { $0.name.contains("RecordingsCortexless.zip//") }
        let failed = members.filter { $0.status == .failed }
        #expect(failed.count == 1, "\(members)")
        #expect(failed.first?.error?.contains("RecordingsCortexless") == true, "\(failed)")
        #expect(forced.recordings.filter { !$0.name.contains(".zip//") }.allSatisfy { $0.status == .unchanged })
        #expect(forced.exitStatus == 1)
    }
}

@Suite struct ZippedDataSetTests {
    /// The whole data set in one zip (under a top folder, with the strain zip inside it) ingests exactly like
    /// the unpacked directory, and feature plugins read its audio from inside it.
    @Test func aZippedDataSetIngestsLikeTheDirectory() throws {
        let fixture = try IngestFixture("ingest-zipped", seed: 5)
        defer { fixture.directory.remove() }
        let zip = fixture.directory.file("DSC_620840_0003_891.zip")
        let writer = try ArchiveWriter(path: zip, format: .zip(compress: false))
        for item in DirectoryWalker.walk(fixture.root).items {
            try writer.add(member: "DSC_620840_0003_891_v1/" + item.relativePath, copying: FilePaths.join(fixture.root, item.relativePath))
        }
        try writer.close()

        let unpacked = try fixture.ingest()
        var (ingestor, options) = try fixture.ingestor()
        ingestor.catalog = try Catalog(path: fixture.directory.file("zipped.sqlite"))
        options.verify = VerifyOptions(jobs: 2)
        let packed = try ingestor.ingest(root: zip, options: options)
        #expect(packed.exitStatus == 0, "\(packed.recordings + packed.tables)")
        #expect(packed.verification["ok"] == unpacked.verification["ok"])
        #expect(packed.statistics.total == unpacked.statistics.total)
        #expect(packed.statistics.bySex == unpacked.statistics.bySex)
        #expect(packed.statistics.byGenotype == unpacked.statistics.byGenotype)
        #expect(packed.tables.allSatisfy { $0.status == .ingested })

        let registry = try BuiltinPlugins.registry()
        let extended = try registry.require((any USVFeatureComputing).self, id: "feature.extended-24")
        let report = try FeatureRunner(plugin: extended, catalog: ingestor.catalog)
            .run(filter: USVFilter(), parameters: ParameterValues(defaultsOf: extended.descriptor))
        #expect(report.failed.isEmpty, "\(report.failed)")
        #expect(report.computed > 0)
    }
}
