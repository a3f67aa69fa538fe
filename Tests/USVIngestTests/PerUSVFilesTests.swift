import Foundation
import Testing
import USVBuiltins
import USVCatalog
import USVCore
import USVFormatMAT
import USVIngest
import USVTestSupport

@Suite struct PerUSVFilesTests {
    /// The data set's `data.zip` of per-USV MAT-files (struct `v`: Sound{1}, Spec{1}, Start, Stop, Duration, F,
    /// SRSound, SRSpec, Filename) positions the deposited USVs in their recordings.
    @Test func perUSVMATFilesPositionTheDepositedRecords() throws {
        let fixture = try IngestFixture("ingest-mat", seed: 6)
        defer { fixture.directory.remove() }
        let truth = try readGroundTruth(root: fixture.root).filter { !($0.fields["fileid"] ?? "").isEmpty }
        #expect(!truth.isEmpty)
        // data.zip as the Donders data set has it, one MAT-file per USV, plus a member that is not one.
        let path = perUSVArchivePath
        try addPerUSVArchive(root: fixture.root, matlab: MATFormat(), scratch: fixture.directory.file("one.mat"),
                             extraMembers: [("data/network.ckpt", Array("weights".utf8))]) { call in
            .structure(dimensions: [1, 1], fieldNames: ["Sound", "Spec", "Start", "Stop", "Duration", "F", "SRSound", "SRSpec", "Filename"],
                       elements: [[
                "Sound": .cell(dimensions: [1, 1], values: [.matrix(rows: 3, columns: 1, rowMajor: [0.1, -0.2, 0.3])]),
                "Spec": .cell(dimensions: [1, 1], values: [.matrix(rows: 2, columns: 2, rowMajor: [1, 2, 3, 4])]),
                "Start": .scalar(call.start), "Stop": .scalar(call.stop), "Duration": .scalar(call.stop - call.start),
                "F": .matrix(rows: 1, columns: 2, rowMajor: [10_200, 10_800]), "SRSound": .scalar(300_000), "SRSpec": .scalar(1_200),
                "Filename": .string(FilePaths.lastComponent(call.recording)),
            ]])
        }

        var (ingestor, options) = try fixture.ingestor()
        ingestor.formats = try BuiltinPlugins.registry()
        options.verify = VerifyOptions(jobs: 2)
        let report = try ingestor.ingest(root: fixture.root, options: options)
        #expect(report.exitStatus == 0, "\(report.tables)")
        #expect(report.tables.first { $0.name == path }?.usvs == truth.count)

        var filter = USVFilter()
        filter.source = .deposited
        let deposited = try fixture.catalog.usvs(matching: filter)
        for call in truth {
            let record = try #require(deposited.first { $0.depositedFileID == Int(call.fields["fileid"] ?? "") })
            #expect(record.start == call.start)
            #expect(record.stop == call.stop)
            #expect(record.recording == call.recording)
        }
        // Re-detecting the recordings (new parameters) replaces the detected USVs and keeps the deposited
        // records' positions and recording links.
        let detector = try BuiltinPlugins.registry().require((any USVDetecting).self, id: "feature.usv-detector").descriptor
        options.detectorParameters = try ParameterValues(defaultsOf: detector, overrides: ["min-frequency": "26000"])
        let again = try ingestor.ingest(root: fixture.root, options: options)
        #expect(again.recordings.allSatisfy { $0.status == .ingested })
        let kept = try fixture.catalog.usvs(matching: filter)
        #expect(kept == deposited)

        // Without the MAT reader the archive is a failed table with a clear reason, and nothing else breaks.
        let fresh = try Catalog(path: fixture.directory.file("nomat.sqlite"))
        var (bare, bareOptions) = try fixture.ingestor()
        bare.catalog = fresh
        bareOptions.verify = VerifyOptions(jobs: 2)
        let without = try bare.ingest(root: fixture.root, options: bareOptions)
        #expect(without.tables.first { $0.name == path }?.status == .failed)
        #expect(without.tables.first { $0.name == path }?.error?.contains("MAT") == true)
        #expect(without.recordings.allSatisfy { $0.status == .ingested })
    }
}
