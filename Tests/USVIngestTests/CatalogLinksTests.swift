import Foundation
import GRDB
import Testing
import USVBuiltins
@testable import USVCatalog
import USVCore
import USVFormatMAT
import USVIngest
import USVTestSupport

/// The catalog's links and paths (issue #19, item 7): deposited USVs meet their recording by the exact base name of
/// a Windows or POSIX path, unknown and ambiguous names are reported, an edited annotation file replaces its
/// intervals, and every path from the catalog or a bundle is checked like a manifest path.
@Suite struct CatalogLinksTests {
    /// Per-USV files as the real data set has them: `Filename` a Windows path; two files name recordings that only
    /// a wildcard or a case-insensitive match would find.
    @Test func windowsPathsLinkByTheirBaseNameExactly() throws {
        let fixture = try IngestFixture("links-windows", seed: 6)
        defer { fixture.directory.remove() }
        let truth = try readGroundTruth(root: fixture.root).filter { !($0.fields["fileid"] ?? "").isEmpty }
        let odd = Dictionary(uniqueKeysWithValues: truth.prefix(2).enumerated().map { index, call in
            (call.fields["fileid"] ?? "", index == 0 ? "Rfem_Afem0_.wav" : FilePaths.lastComponent(call.recording).uppercased())
        })
        try addPerUSVArchive(root: fixture.root, matlab: MATFormat(), scratch: fixture.directory.file("one.mat")) { call in
            let name = odd[call.fields["fileid"] ?? ""] ?? FilePaths.lastComponent(call.recording)
            return .structure(dimensions: [1, 1], fieldNames: ["Start", "Stop", "SRSound", "Filename"], elements: [[
                "Start": .scalar(call.start), "Stop": .scalar(call.stop), "SRSound": .scalar(300_000),
                "Filename": .string("C:\\DNN\\Data\\RawRecordings\\Sex\\" + name),
            ]])
        }
        var (ingestor, options) = try fixture.ingestor()
        ingestor.formats = try BuiltinPlugins.registry()
        options.verify = VerifyOptions(jobs: 2)
        let report = try ingestor.ingest(root: fixture.root, options: options)
        let outcome = try #require(report.tables.first { $0.name == perUSVArchivePath })
        #expect(outcome.status == .ingested)
        let warning = try #require(outcome.warnings?.first, "\(outcome)")
        #expect(warning.hasPrefix("2 per-USV files name a recording that is not in the catalog"), "\(warning)")
        #expect(warning.contains("Rfem_Afem0_.wav (1)"), "\(warning)")

        var filter = USVFilter()
        filter.source = .deposited
        let deposited = try fixture.catalog.usvs(matching: filter)
        for call in truth {
            let record = try #require(deposited.first { $0.depositedFileID == Int(call.fields["fileid"] ?? "") })
            #expect(record.start == call.start)
            #expect(record.recording == (odd[call.fields["fileid"] ?? ""] == nil ? call.recording : nil), "\(record)")
        }

        // A second recording of the same name elsewhere in the data set: every file naming it is ambiguous.
        let (name, recordingID, runID): (String, Int64, Int64) = try fixture.catalog.database.read { db in
            let row = try #require(try Row.fetchOne(db, sql: "SELECT id, path, ingest_run_id FROM recordings WHERE archive_member = '' ORDER BY id LIMIT 1"))
            return (FilePaths.lastComponent(row["path"] as String), row["id"], row["ingest_run_id"])
        }
        try fixture.catalog.database.write { db in
            try db.execute(sql: """
                INSERT INTO recordings (dataset_id, path, archive_member, state, ingest_run_id, frames, sample_rate)
                SELECT dataset_id, 'Elsewhere/' || ?, '', 'complete', ?, frames, sample_rate FROM recordings WHERE id = ?
                """, arguments: [name, runID, recordingID])
        }
        let registry = try BuiltinPlugins.registry()
        let table = PlannedTable(path: perUSVArchivePath, kind: .perUSVFiles, columns: [], annotator: "deposited-mat")
        let read = try ingestor.adapter.readTable(table, root: fixture.root, formats: registry)
        let dataSetID = try #require(try fixture.catalog.database.read { db in try Int64.fetchOne(db, sql: "SELECT MIN(id) FROM datasets") })
        let stored = try fixture.catalog.store(read, sha256: "edited", dataSetID: dataSetID, runID: runID, animals: [:])
        #expect(stored.warnings.contains { $0.contains("several catalogued recordings") && $0.contains(name) }, "\(stored.warnings)")
    }

    /// A recording path changed in the catalog (or arriving in a bundle) to climb out of the root, to be absolute, or
    /// to pass through a symlink to outside the root: refused before anything is opened.
    @Test func catalogAndBundlePathsAreCheckedLikeManifestPaths() throws {
        let fixture = try IngestFixture("links-unsafe", seed: 4)
        defer { fixture.directory.remove() }
        _ = try fixture.ingest()
        let references = try fixture.catalog.usvAudioReferences(matching: USVFilter())
        let reference = try #require(references.first)
        _ = try USVSnippetReader().read(reference)
        // Outside the root through a symlink inside it.
        let outside = fixture.directory.file("outside.wav")
        try FileManager.default.copyItem(atPath: FilePaths.join(fixture.root, reference.path), toPath: outside)
        try FileManager.default.createSymbolicLink(atPath: FilePaths.join(fixture.root, "link.wav"), withDestinationPath: outside)
        for (path, words) in [("../outside.wav", "'..'"), (outside, "absolute"), ("link.wav", "symlink")] {
            var changed = reference
            changed.path = path
            do {
                _ = try USVSnippetReader().read(changed)
                Issue.record("\(path) must be refused")
            } catch let error as USVError {
                guard case .unsafePath = error else { Issue.record("\(path): \(error)"); continue }
                #expect(error.description.contains(words), "\(error)")
            }
        }
        // A bundle whose recording climbs out of its root is refused on import, and nothing is imported.
        try fixture.catalog.database.write { db in
            try db.execute(sql: "UPDATE recordings SET path = '../../etc/passwd' WHERE id = (SELECT MIN(id) FROM recordings)")
        }
        let bundle = fixture.directory.file("bundle.h5")
        _ = try fixture.catalog.exportBundle(to: bundle, createdBy: "test")
        let fresh = try Catalog(path: fixture.directory.file("fresh.sqlite"))
        do {
            _ = try fresh.importBundle(from: bundle)
            Issue.record("an unsafe recording path must be refused")
        } catch let error as USVError {
            guard case .unsafePath = error else { Issue.record("\(error)"); return }
            #expect(error.description.contains("../../etc/passwd") && error.description.contains("recordings/path"), "\(error)")
        }
        #expect(try fresh.usvs(matching: USVFilter()).isEmpty)
        // A USV with a sample range but no seconds (possible in a bundle): not a reference to read, and no trap.
        try fixture.catalog.database.write { db in
            try db.execute(sql: "UPDATE usvs SET start_s = NULL WHERE id = ?", arguments: [reference.usvID])
        }
        #expect(try !fixture.catalog.usvAudioReferences(matching: USVFilter()).contains { $0.usvID == reference.usvID })
    }

    /// Re-importing an edited annotation file (same path, new bytes) replaces its intervals.
    @Test func anEditedAnnotationFileReplacesItsIntervals() throws {
        let fixture = try IngestFixture("links-reimport", seed: 4)
        defer { fixture.directory.remove() }
        _ = try fixture.ingest()
        let recording = try #require(try fixture.catalog.usvAudioReferences(matching: USVFilter()).first?.path)
        let intervals = (0..<5).map { AnnotatedInterval(recording: recording, onset: Double($0) * 0.2, offset: Double($0) * 0.2 + 0.05, label: "up") }
        let first = try fixture.catalog.attachIntervals(intervals, sourceFile: "/data/labels/rec.txt", sourceSHA256: "one", format: "format.raven")
        #expect(first.attached == 5)
        let edited = try fixture.catalog.attachIntervals(Array(intervals.dropLast(2)), sourceFile: "/data/labels/rec.txt", sourceSHA256: "two",
                                                         format: "format.raven")
        #expect(edited.attached == 3)
        #expect(try fixture.catalog.intervals().count == 3)
        // Another file with the same name elsewhere adds its own.
        _ = try fixture.catalog.attachIntervals(intervals, sourceFile: "/data/other/rec.txt", sourceSHA256: "two", format: "format.raven")
        #expect(try fixture.catalog.intervals().count == 8)
    }
}
