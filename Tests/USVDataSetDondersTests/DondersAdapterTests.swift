import Foundation
import Testing
import USVCore
@testable import USVDataSetDonders
import USVDataSetSynth
import USVTestSupport

/// A tiny synthetic twin for the adapter's tests.
func makeTwin(_ label: String, seed: UInt64 = 2) throws -> (directory: TemporaryDirectory, root: String) {
    let directory = try TemporaryDirectory(label)
    let root = directory.file("twin")
    _ = try DondersSynthSource().generate(into: root, options: GenerationOptions(scale: "tiny", seed: seed), progress: SilentProgress())
    return (directory, root)
}

@Suite struct DondersAdapterTests {
    let adapter = DondersAdapter()

    @Test func conformsAndRecognisesTheLayoutOnly() throws {
        #expect(checkPluginDescriptor(adapter) == [])
        let (directory, root) = try makeTwin("donders")
        defer { directory.remove() }
        #expect(adapter.recognises(root: root))
        #expect(!adapter.recognises(root: directory.path))
        #expect(!adapter.recognises(root: root + "/MANIFEST.txt"))
        #expect(throws: USVError.self) { try adapter.plan(root: directory.path, excludedAnimals: []) }
    }

    @Test func planNamesAnimalsByTheOriginalConvention() throws {
        let (directory, root) = try makeTwin("donders")
        defer { directory.remove() }
        let plan = try adapter.plan(root: root, excludedAnimals: [])
        let sex = plan.recordings.filter { $0.archiveMember == nil }
        #expect(sex.map(\.animal.originalName).sorted() == ["Rfem01", "Rfem02", "Rmale01", "Rmale02"])
        #expect(sex.first { $0.animal.originalName == "Rmale02" }?.animal.dataSetAnimalID == 12)
        #expect(sex.first { $0.animal.originalName == "Rfem02" }?.animal.sex == .female)
        #expect(sex.allSatisfy { $0.animal.genotype == .wildType })
        let strain = plan.recordings.filter { $0.archiveMember != nil }
        #expect(strain.count == 2)
        #expect(strain.contains { $0.animal.genotype == .cortexless && $0.animal.dataSetAnimalID > 100 && $0.animal.dataSetAnimalID < 200 })
        #expect(strain.contains { $0.animal.genotype == .wildType && $0.animal.dataSetAnimalID > 200 })
        #expect(plan.tables.map(\.kind) == [.features, .labels])
        #expect(plan.tables.first?.columns == ["fileid", "animalid", "sex", "duration", "avgfreq", "avgvol", "direction", "peaks",
                                               "breaks", "broadband", "tremolo", "complex"])
        #expect(plan.dataSet.name.contains("synthetic"))

        let excluded = try adapter.plan(root: root, excludedAnimals: ["2", "Rmale01"])
        #expect(excluded.recordings.count == plan.recordings.count - 2)
        #expect(excluded.skipped.filter { $0.reason.contains("excluded") }.count == 2)
    }

    @Test func tablesReadExactlyWhatTheFilesSay() throws {
        let (directory, root) = try makeTwin("donders")
        defer { directory.remove() }
        let plan = try adapter.plan(root: root, excludedAnimals: [])
        let features = try adapter.readTable(try #require(plan.tables.first), root: root)
        let text = String(decoding: try readWholeFile(FilePaths.join(root, features.table.path), limit: 1 << 24), as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(features.rows.count == lines.count)
        for (row, line) in zip(features.rows, lines) {
            let cells = line.split(separator: ",").map { Double($0) ?? .nan }
            #expect(Double(row.fileID) == cells[0])
            #expect(Double(row.animalID ?? -1) == cells[1])
            #expect(Double(row.sex?.rawValue ?? -1) == cells[2])
            #expect(row.values["duration"] == cells[3])
            #expect(row.values["complex"] == cells[11])
            #expect(Double(row.properties?.direction ?? 9) == cells[6])
        }
    }

    @Test func badTablesNameTheFileLineAndColumn() throws {
        let directory = try TemporaryDirectory("donders-bad")
        defer { directory.remove() }
        let path = "Data/FIG_USVClassify_BasicAnalysis/features_fileid_animalid_sex_duration.csv"
        let table = PlannedTable(path: path, kind: .features, columns: DondersAdapter.columns(fromFileName: path), annotator: "x")
        try directory.write(path, "0,1,0,0.02\r\n1,2,abc,0.03\r\n")
        do {
            _ = try adapter.readTable(table, root: directory.path)
            Issue.record("text in a number column must fail")
        } catch let error as USVError {
            #expect(error.description.contains("line 2"))
            #expect(error.description.contains("column 'sex'"))
            #expect(error.description.contains("abc"))
        }
        try directory.write(path, "0,1,0\r\n")
        #expect(throws: USVError.self) { try adapter.readTable(table, root: directory.path) }
        try directory.write(path, "0,1,5,0.02\r\n")
        #expect(throws: USVError.self) { try adapter.readTable(table, root: directory.path) }
    }
}
