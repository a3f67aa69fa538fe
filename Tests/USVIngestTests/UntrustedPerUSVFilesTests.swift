import Foundation
import Testing
import USVBuiltins
@testable import USVCatalog
import USVCore
import USVFormatMAT
import USVIngest
import USVTestSupport

/// The per-USV MAT-files' `Start`, `Stop` and `SRSound` are untrusted numbers: NaN, huge, reversed or outside
/// the recording is an error naming the file and the variable, or (outside the recording) the USV — never a trap.
@Suite struct UntrustedPerUSVFilesTests {
    /// `data.zip` with one per-USV file whose struct v has `fields`, read by the Donders adapter.
    func readPerUSVFile(_ fields: [String: MATValue]) throws -> Result<DepositedTable, USVError> {
        let directory = try TemporaryDirectory("per-usv-numbers")
        defer { directory.remove() }
        let root = directory.file("root")
        let archive = FilePaths.join(root, perUSVArchivePath)
        try makeDirectories(FilePaths.directoryPart(archive))
        let scratch = directory.file("one.mat")
        try MATFormat().writeMATLAB([("v", .structure(dimensions: [1, 1], fieldNames: fields.keys.sorted(), elements: [fields]))],
                                    to: scratch, version: "v5")
        let writer = try ArchiveWriter(path: archive, format: .zip(compress: true))
        try writer.add(member: "data/data000000001.mat", copying: scratch)
        try writer.close()
        let registry = try BuiltinPlugins.registry()
        let adapter = try registry.require((any DataSetAdapter).self, id: "dataset-adapter.donders")
        let table = PlannedTable(path: perUSVArchivePath, kind: .perUSVFiles, columns: ["Start", "Stop", "SRSound", "Filename"],
                                 annotator: "deposited-mat")
        do {
            return .success(try adapter.readTable(table, root: root, formats: registry))
        } catch let error as USVError {
            return .failure(error)
        }
    }

    @Test func goodValuesAreRead() throws {
        let table = try readPerUSVFile(["Start": .scalar(1.5), "Stop": .scalar(1.6), "SRSound": .scalar(300_000),
                                        "Filename": .string("Rfem_Afem01.wav")]).get()
        #expect(table.rows.first?.values == ["Start": 1.5, "Stop": 1.6, "SRSound": 300_000])
    }

    @Test(arguments: [
        (["Start": MATValue.scalar(.nan), "Stop": .scalar(1.6), "SRSound": .scalar(300_000)], "v.Start"),
        (["Start": .scalar(1.5), "Stop": .scalar(.infinity), "SRSound": .scalar(300_000)], "v.Stop"),
        (["Start": .scalar(1e300), "Stop": .scalar(2e300), "SRSound": .scalar(300_000)], "v.Start, v.Stop"),
        (["Start": .scalar(2), "Stop": .scalar(1), "SRSound": .scalar(300_000)], "v.Start, v.Stop"),
        (["Start": .scalar(-1), "Stop": .scalar(1), "SRSound": .scalar(300_000)], "v.Start, v.Stop"),
        (["Start": .scalar(1.5), "Stop": .scalar(1.6), "SRSound": .scalar(.nan)], "v.SRSound"),
        (["Start": .scalar(1.5), "Stop": .scalar(1.6), "SRSound": .scalar(1e300)], "v.SRSound"),
        (["Start": .scalar(1.5), "Stop": .scalar(1.6), "SRSound": .scalar(0)], "v.SRSound"),
        (["Start": .string("soon"), "Stop": .scalar(1.6)], "v.Start"),
        (["Stop": .scalar(1.6)], "v.Start"),
    ])
    func badValuesNameTheFileAndVariable(fields: [String: MATValue], variable: String) throws {
        guard case .failure(let error) = try readPerUSVFile(fields) else {
            Issue.record("\(fields) must be refused")
            return
        }
        #expect(error.description.contains("data.zip//data/data000000001.mat"), "\(error)")
        #expect(error.description.contains(variable), "\(error)")
    }

    /// Deposited USVs whose Start lies past the end of their recording: reported by ingest and not placed in it.
    @Test func aUSVPastTheEndOfItsRecordingIsReportedNotATrap() throws {
        let fixture = try IngestFixture("per-usv-past-end", seed: 6)
        defer { fixture.directory.remove() }
        try addPerUSVArchive(root: fixture.root, matlab: MATFormat(), scratch: fixture.directory.file("one.mat")) { call in
            .structure(dimensions: [1, 1], fieldNames: ["Start", "Stop", "SRSound", "Filename"], elements: [[
                "Start": .scalar(call.start + 1_000), "Stop": .scalar(call.stop + 1_000), "SRSound": .scalar(300_000),
                "Filename": .string(FilePaths.lastComponent(call.recording)),
            ]])
        }
        var (ingestor, options) = try fixture.ingestor()
        ingestor.formats = try BuiltinPlugins.registry()
        options.verify = VerifyOptions(jobs: 2)
        let report = try ingestor.ingest(root: fixture.root, options: options)
        let warnings = report.tables.first { $0.name == perUSVArchivePath }?.warnings ?? []
        #expect(warnings.contains { $0.contains("past the end of its recording") }, "\(report.tables)")
        let plugin = try BuiltinPlugins.registry().require((any USVFeatureComputing).self, id: "feature.call-properties")
        var filter = USVFilter()
        filter.source = .deposited
        let features = try FeatureRunner(plugin: plugin, catalog: fixture.catalog)
            .run(filter: filter, parameters: try ParameterValues(defaultsOf: plugin.descriptor))
        #expect(features.computed == 0 && features.failed.isEmpty)
    }

    /// A catalogued USV (from another build, a bundle) outside its recording: an error naming it when its sound is read.
    @Test func aStretchOutsideTheRecordingIsAnErrorWhenRead() throws {
        let info = AudioInfo(sampleRate: 300_000, channels: 1, frames: 300_000, bitDepth: 16, encoding: "wav/pcm16")
        func reference(_ start: Int, _ stop: Int) -> USVAudioReference {
            USVAudioReference(usvID: 7, root: "/r", path: "a.wav", archiveMember: nil, startSample: start, stopSample: stop,
                              startSeconds: Double(start) / 300_000, stopSeconds: Double(stop) / 300_000)
        }
        #expect(try USVSnippetReader.frames(of: reference(10, 20), in: info, recording: "a.wav") == 10..<20)
        #expect(try USVSnippetReader.frames(of: reference(299_990, 400_000), in: info, recording: "a.wav") == 299_990..<300_000)
        for (start, stop) in [(300_000, 300_010), (20, 10), (-5, 10), (Int.max - 1, Int.max)] {
            #expect(throws: USVError.self) { try USVSnippetReader.frames(of: reference(start, stop), in: info, recording: "a.wav") }
        }
    }
}

/// Labels in the catalog outside their task's classes (a catalog written by another build, an imported bundle)
/// are refused when samples are assembled, naming the USV — training would index past the class list.
@Suite struct StoredLabelsOutsideTheirClassesTests {
    @Test func aStoredLabelOutsideItsClassesIsRefused() throws {
        let fixture = try IngestFixture("labels-outside", seed: 4)
        defer { fixture.directory.remove() }
        _ = try fixture.ingest()
        _ = try fixture.catalog.labelledSamples(from: .deposited, task: .direction, filter: USVFilter())
        _ = try fixture.catalog.labelledSamples(from: .deposited, task: .sex, filter: USVFilter())
        try fixture.catalog.database.write { db in
            try db.execute(sql: "UPDATE annotations SET direction = 7 WHERE id = (SELECT MIN(id) FROM annotations)")
            try db.execute(sql: "UPDATE animals SET sex = 5 WHERE id = (SELECT MIN(id) FROM animals WHERE sex IS NOT NULL)")
        }
        for task in [ModelTask.direction, .sex] {
            do {
                let samples = try fixture.catalog.labelledSamples(from: .deposited, task: task, filter: USVFilter())
                Issue.record("\(task): labels \(Set(samples.labels)) for classes \(samples.classNames) must be refused")
            } catch let error as USVError {
                #expect(error.description.contains("not one of the task's classes"), "\(error)")
                #expect(error.description.contains("USV "), "\(error)")
            }
        }
    }
}
