import Foundation
import Testing
import USVCore
import USVTestSupport

/// A lab's own recordings (`dataset-adapter.folder`): a folder of WAVs in subfolders with a recordings.csv and a
/// SHA256SUMS made by sha256sum, ingested, featured, evaluated, trained and classified like the Donders layout.
@Suite struct FolderDataSetTests {
    /// Four recordings of the tiny twin, renamed and spread over two cage folders, with a recordings.csv that
    /// names their animals in the lab's own words (and a column the catalog does not keep).
    func labFolder(_ directory: TemporaryDirectory) throws -> String {
        let twin = directory.file("twin")
        #expect(try USVExecutable.run(["synth", twin, "--scale", "small", "--seed", "6"]).status == 0)
        let lab = directory.file("lab")
        for (source, target) in [("Rfem_Afem01", "cage1/f01"), ("Rfem_Afem02", "cage1/f02"), ("Rmale_Afem01", "cage2/m01"), ("Rmale_Afem02", "cage2/m02")] {
            let destination = "\(lab)/\(target).wav"
            try FileManager.default.createDirectory(atPath: FilePaths.directoryPart(destination), withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: "\(twin)/Data/RawRecordings/Sex/\(source).wav", toPath: destination)
        }
        try "file,animal,sex,genotype,age_days\ncage1/f01.wav,F01,female,wildtype,60\nf02.wav,F02,f,,61\ncage2/m01.wav,M01,male,wt,62\ncage2/m02.wav,M02,1,,63\n"
            .write(toFile: "\(lab)/recordings.csv", atomically: true, encoding: .utf8)
        let sums = Process()
        sums.executableURL = URL(fileURLWithPath: "/bin/bash")
        sums.arguments = ["-c", "cd '\(lab)' && sha256sum cage1/*.wav cage2/*.wav recordings.csv > SHA256SUMS"]
        try sums.run()
        sums.waitUntilExit()
        #expect(sums.terminationStatus == 0)
        return lab
    }

    @Test func aLabFolderGoesThroughTheWholePipeline() throws {
        let directory = try TemporaryDirectory("cli-folder")
        defer { directory.remove() }
        let lab = try labFolder(directory)
        let catalog = directory.file("c.sqlite")
        let ingest = try USVExecutable.run(["ingest", lab, "--catalog", catalog, "--json"])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let report = try JSONDecoder().decode(JSONValue.self, from: ingest.stdout)
        #expect(report["dataSet"] == .string("lab"), "the folder's name names the data set: \(ingest.stdoutText.prefix(300))")
        #expect(ingest.stdoutText.contains("age_days"), "the column the catalog does not keep is reported")
        let stats = try USVExecutable.run(["stats", "--catalog", catalog])
        for animal in ["F01", "F02", "M01", "M02"] { #expect(stats.stdoutText.contains(animal), "\(stats.stdoutText)") }
        #expect(stats.stdoutText.contains("female detected") && stats.stdoutText.contains("male detected"))
        let features = try USVExecutable.run(["features", "--plugin", "extended-24", "--catalog", catalog])
        #expect(features.status == 0, "\(features.stderr)")
        let evaluation = try USVExecutable.run(["evaluate", "--model", "ridge", "--task", "sex", "--protocol", "loao",
                                                "--features", "extended-24", "--catalog", catalog, "--progress", "none"])
        #expect(evaluation.status == 0, "\(evaluation.stderr)")
        #expect(evaluation.stdoutText.contains("F01 (female), id 1") && evaluation.stdoutText.contains("M02 (male), id 4"), "\(evaluation.stdoutText)")
        let model = directory.file("lab-ridge.h5")
        #expect(try USVExecutable.run(["train", "--model", "ridge", "--features", "extended-24", "--out", model, "--catalog", catalog]).status == 0)
        let classify = try USVExecutable.run(["classify", "--model", model, "--catalog", catalog])
        #expect(classify.status == 0, "\(classify.stderr)")
        #expect(classify.stdoutText.contains("classified by model.ridge (sex)"))
    }

    @Test func aSheetThatNamesNoRecordingIsRefusedWithItsLine() throws {
        let directory = try TemporaryDirectory("cli-folder-bad")
        defer { directory.remove() }
        let lab = try labFolder(directory)
        try "file,animal,sex\ncage1/f01.wav,F01,female\ncage3/missing.wav,X,male\n".write(toFile: "\(lab)/recordings.csv", atomically: true, encoding: .utf8)
        let ingest = try USVExecutable.run(["ingest", lab, "--catalog", directory.file("c.sqlite"), "--allow-unverified"])
        #expect(ingest.status != 0)
        #expect(ingest.stderr.contains("recordings.csv") && ingest.stderr.contains("line 3") && ingest.stderr.contains("names no recording"),
                "\(ingest.stderr)")
        try "file,animal,sex\ncage1/f01.wav,F01,maybe\n".write(toFile: "\(lab)/recordings.csv", atomically: true, encoding: .utf8)
        let sex = try USVExecutable.run(["ingest", lab, "--catalog", directory.file("c.sqlite"), "--allow-unverified"])
        #expect(sex.status != 0 && sex.stderr.contains("line 2") && sex.stderr.contains("'maybe'"), "\(sex.stderr)")
    }
}
