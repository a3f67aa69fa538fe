import Foundation
import Testing
import USVCore
import USVTestSupport

/// Issue #19 at the command line: inputs that used to lose data silently are refused or reported.
@Suite struct UntrustedInputCommandTests {
    @Test func convertRefusesAWordAmongNumbersUnlessLenient() throws {
        let directory = try TemporaryDirectory("cli-lenient")
        defer { directory.remove() }
        try directory.write("in.csv", "id,duration\n" + (1...10).map { "\($0),0.0\($0 - 1)\n" }.joined() + "11,abc\n")
        let refused = try USVExecutable.run(["convert", directory.file("in.csv"), directory.file("out.jsonl")])
        #expect(refused.status == 1, "\(refused.stderr)")
        #expect(refused.stderr.contains("line 12, column 'duration' (2)"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.file("out.jsonl")))
        let lenient = try USVExecutable.run(["convert", directory.file("in.csv"), directory.file("out.jsonl"), "--lenient"])
        #expect(lenient.status == 0, "\(lenient.stderr)")
        #expect(lenient.stderr.contains("kept as text because 1 of its cells is not a number"), "\(lenient.stderr)")
        let written = String(decoding: try readWholeFile(directory.file("out.jsonl"), limit: 1 << 20), as: UTF8.self)
        #expect(written.contains("\"duration\":\"abc\""), "\(written)")
        // Decimal commas are read as numbers and said.
        try directory.write("eu.csv", "a;b\n1,5;2\n2,25;3\n")
        let european = try USVExecutable.run(["convert", directory.file("eu.csv"), directory.file("eu.jsonl")])
        #expect(european.status == 0 && european.stderr.contains("decimal comma"), "\(european.stderr)")
        let converted = String(decoding: try readWholeFile(directory.file("eu.jsonl"), limit: 1 << 20), as: UTF8.self)
        #expect(converted.contains("\"a\":1.5"), "\(converted)")
    }

    @Test func convertRefusesEmptyAndCutMATFiles() throws {
        let directory = try TemporaryDirectory("cli-mat-cut")
        defer { directory.remove() }
        let original = try MATValueFixture.write(directory.file("data000000001.mat"))
        let bytes = try readWholeFile(original, limit: 1 << 24)
        try directory.write("header.mat", bytes: Array(bytes.prefix(128)))
        try directory.write("cut.mat", bytes: Array(bytes.prefix(bytes.count - 3)))
        let header = try USVExecutable.run(["convert", directory.file("header.mat"), directory.file("h.h5")])
        #expect(header.status == 2 && header.stderr.contains("no variables"), "\(header.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.file("h.h5")))
        let cut = try USVExecutable.run(["convert", directory.file("cut.mat"), directory.file("c.h5")])
        #expect(cut.status == 1 && cut.stderr.contains("truncated"), "\(cut.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.file("c.h5")))
    }

    @Test func ravenLabelsComeFromSpeciesOrTheChosenColumn() throws {
        let directory = try TemporaryDirectory("cli-raven-labels")
        defer { directory.remove() }
        try directory.write("rec.Table.1.selections.txt", """
            Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\tHigh Freq (Hz)\tSpecies\tNotes\r
            1\tSpectrogram 1\t1\t1.5\t1.6\t2878.2\t4049.0\tEATO\tfaint\r

            """)
        let input = directory.file("rec.Table.1.selections.txt")
        #expect(try USVExecutable.run(["convert", input, directory.file("a.csv"), "--to", "generic-seq"]).status == 0)
        let seq = String(decoding: try readWholeFile(directory.file("a.csv"), limit: 1 << 20), as: UTF8.self)
        #expect(seq.contains("\nEATO,1.5,1.6,"), "\(seq)")
        #expect(try USVExecutable.run(["convert", input, directory.file("b.csv"), "--to", "generic-seq", "--label-column", "Notes"]).status == 0)
        #expect(String(decoding: try readWholeFile(directory.file("b.csv"), limit: 1 << 20), as: UTF8.self).contains("\nfaint,1.5,"))
        let missing = try USVExecutable.run(["convert", input, directory.file("c.csv"), "--to", "generic-seq", "--label-column", "Call Type"])
        #expect(missing.status == 2 && missing.stderr.contains("no label column 'Call Type'"), "\(missing.stderr)")
        // No label column at all: said on stderr.
        try directory.write("bare.txt", "Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\tHigh Freq (Hz)\tNotes\n1\tSpectrogram 1\t1\t1.5\t1.6\t1\t2\tx\n")
        let bare = try USVExecutable.run(["convert", directory.file("bare.txt"), directory.file("d.csv"), "--from", "raven", "--to", "generic-seq"])
        #expect(bare.status == 0 && bare.stderr.contains("no label column"), "\(bare.stderr)")
    }

    /// `usv import` of an annotation file, edited, then imported again: its intervals are replaced, not added to.
    @Test func reimportingAnEditedAnnotationFileReplacesItsIntervals() throws {
        let directory = try TemporaryDirectory("cli-reimport")
        defer { directory.remove() }
        let root = directory.file("twin")
        let catalog = directory.file("c.sqlite")
        #expect(try USVExecutable.run(["synth", root, "--scale", "tiny", "--seed", "8"]).status == 0)
        #expect(try USVExecutable.run(["ingest", root, "--catalog", catalog]).status == 0)
        let selections = directory.file("selections.txt")
        #expect(try USVExecutable.run(["export", "--format", "raven", "--label", "sex", "--source", "detected", selections,
                                       "--catalog", catalog]).status == 0)
        func imported() throws -> Int {
            let back = directory.file("back-\(UUID().uuidString.prefix(4)).csv")
            #expect(try USVExecutable.run(["export", "--format", "generic-seq", "--intervals", back, "--catalog", catalog]).status == 0)
            return try String(contentsOfFile: back, encoding: .utf8).split(separator: "\n").count - 1
        }
        #expect(try USVExecutable.run(["import", selections, "--catalog", catalog]).status == 0)
        let lines = try String(contentsOfFile: selections, encoding: .utf8).split(separator: "\n")
        #expect(try imported() == lines.count - 1)
        // Edited: two selections removed, one relabelled; imported from another working directory by another path.
        var edited = Array(lines.dropLast(2))
        edited[1] = Substring(edited[1].replacingOccurrences(of: "\tfemale", with: "\tunsure").replacingOccurrences(of: "\tmale", with: "\tunsure"))
        try directory.write("selections.txt", edited.joined(separator: "\n") + "\n")
        #expect(try USVExecutable.run(["import", "../selections.txt", "--catalog", catalog], currentDirectory: root).status == 0)
        #expect(try imported() == lines.count - 3)
    }

    /// classify scores against the model's classes by name (a one-animal selection is not "class 0"), and says
    /// when the scored USVs are the model's training USVs (same catalog: by id; another catalog: by animal).
    @Test func classifyMapsLabelsThroughTheModelsClassesAndNamesTrainingOverlap() throws {
        let directory = try TemporaryDirectory("cli-classify-classes")
        defer { directory.remove() }
        let root = directory.file("twin")
        let catalog = directory.file("c.sqlite")
        #expect(try USVExecutable.run(["synth", root, "--scale", "tiny", "--seed", "8"]).status == 0)
        #expect(try USVExecutable.run(["ingest", root, "--catalog", catalog]).status == 0)
        let model = directory.file("animal.h5")
        let trained = try USVExecutable.run(["train", "--model", "ridge", "--task", "animal", "--features", "deposited", "--balance", "none",
                                            "--out", model, "--catalog", catalog, "--json"])
        #expect(trained.status == 0, "\(trained.stderr)")
        try validateAgainstSchema("model-card.schema.json", trained.stdout)
        let card = try JSONDecoder().decode(JSONValue.self, from: trained.stdout)
        guard case .array(let classes)? = card["classes"], classes.count >= 2, case .string(let last)? = classes.last,
              let animal = last.split(separator: " ").last else { Issue.record("classes \(String(describing: card["classes"]))"); return }
        // One animal, the model's last class: truth must be that class, not class 0 of the selection's one class.
        let result = try USVExecutable.run(["classify", "--model", model, "--animal", String(animal), "--source", "deposited",
                                           "--catalog", catalog, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        try validateAgainstSchema("classify-report.schema.json", result.stdout)
        let report = try JSONDecoder().decode(JSONValue.self, from: result.stdout)
        guard case .number(let scored)? = report["withKnownLabels"], case .number(let accuracy)? = report["balancedAccuracy"],
              case .object(let perClass)? = report["perClass"] else { Issue.record("\(report)"); return }
        let right: Double = if case .number(let count)? = perClass[last] { count } else { 0 }
        #expect(scored > 0 && abs(accuracy - right / scored) < 1e-9, "\(report)")
        #expect(report["trainingOverlap"] == .object(["by": .string("usv"), "scored": .number(scored), "inTraining": .number(scored)]))
        let text = try USVExecutable.run(["classify", "--model", model, "--animal", String(animal), "--source", "deposited", "--catalog", catalog])
        #expect(text.stdoutText.contains("were in the model's training set") && text.stdoutText.contains("not an estimate of generalisation"),
                "\(text.stdoutText)")
        // The same data set in another catalog: the overlap is told by animal.
        let copy = directory.file("copy.sqlite")
        try FileManager.default.copyItem(atPath: catalog, toPath: copy)
        let elsewhere = try USVExecutable.run(["classify", "--model", model, "--animal", String(animal), "--source", "deposited",
                                              "--catalog", copy, "--json"])
        #expect(try JSONDecoder().decode(JSONValue.self, from: elsewhere.stdout)["trainingOverlap"]?["by"] == .string("animal"), "\(elsewhere.stderr)")
    }
}
