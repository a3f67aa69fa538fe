import Foundation
import Testing
import USVCatalog
import USVCore
import USVFormatPNG
import USVSignal
import USVTestSupport

/// What a researcher meets first: a record becomes a picture and a sound, read-only commands never make an empty
/// catalog, and parameters are checked (types, per-model scope) before any work.
@Suite struct ResearcherCommandTests {
    /// A tiny twin ingested into a catalog of its own; the first detected USV's id.
    func ingestedTwin(_ directory: TemporaryDirectory) throws -> (catalog: String, usv: Int) {
        let root = directory.file("twin"), catalog = directory.file("c.sqlite")
        #expect(try USVExecutable.run(["synth", root, "--scale", "tiny", "--seed", "4"]).status == 0)
        let ingest = try USVExecutable.run(["ingest", root, "--catalog", catalog])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let list = try USVExecutable.run(["ls", "--catalog", catalog, "--source", "detected", "--json", "--limit", "1"])
        guard case .array(let usvs)? = try JSONDecoder().decode(JSONValue.self, from: list.stdout)["usvs"],
              case .number(let id)? = usvs.first?["id"] else {
            throw USVError.usage("no detected USV in the twin")
        }
        return (catalog, Int(id))
    }

    @Test func showDrawsTheCallAndMakesItAudible() throws {
        let directory = try TemporaryDirectory("cli-show-media")
        defer { directory.remove() }
        let (catalog, id) = try ingestedTwin(directory)
        let detail = try JSONDecoder().decode(JSONValue.self, from: try USVExecutable.run(["show", String(id), "--catalog", catalog, "--json"]).stdout)
        guard case .number(let start)? = detail["usv"]?["start"], case .number(let stop)? = detail["usv"]?["stop"] else {
            Issue.record("no interval in show --json")
            return
        }
        let result = try USVExecutable.run(["show", String(id), "--catalog", catalog, "--png", directory.file("call.png"),
                                            "--wav", directory.file("slow.wav"), "--margin", "0.05"])
        #expect(result.status == 0, "\(result.stderr)")
        // The picture: a PNG whose call track is drawn in the call colour.
        let image = try PNGFormat().readRGBImage(path: directory.file("call.png"))
        #expect(image.width > 100 && image.height > 100)
        var green = 0
        for pixel in stride(from: 0, to: image.pixels.count, by: 3)
        where image.pixels[pixel] == 46 && image.pixels[pixel + 1] == 160 && image.pixels[pixel + 2] == 67 { green += 1 }
        #expect(green > 20, "the call is marked")
        // The sound: 20× slower at 300 kHz / 20 = 15 kHz, the stretch (the call and its margins, clipped at the
        // recording's ends) 20× longer.
        guard case .string(let recording)? = detail["usv"]?["recording"] else {
            Issue.record("no recording in show --json")
            return
        }
        let length = try AudioFileReader(path: directory.file("twin/" + recording)).info.duration
        func stretch(_ margin: Double) -> Double { min(length, stop + margin) - max(0, start - margin) }
        let slow = try AudioFileReader(path: directory.file("slow.wav")).info
        #expect(slow.sampleRate == 15_000)
        #expect(abs(slow.duration - 20 * stretch(0.05)) < 20 * 0.001, "\(slow.duration) vs \(20 * stretch(0.05))")
        // Heterodyned: real time, at most 48 kHz.
        let beat = try USVExecutable.run(["show", String(id), "--catalog", catalog, "--wav", directory.file("beat.wav"), "--heterodyne", "60000"])
        #expect(beat.status == 0, "\(beat.stderr)")
        let heard = try AudioFileReader(path: directory.file("beat.wav")).info
        #expect(heard.sampleRate <= 48_000 && abs(heard.duration - stretch(0.02)) < 0.002, "\(heard.duration) vs \(stretch(0.02))")
        // Nothing is overwritten without --force; conflicting choices are usage errors.
        #expect(try USVExecutable.run(["show", String(id), "--catalog", catalog, "--wav", directory.file("slow.wav")]).status == 2)
        #expect(try USVExecutable.run(["show", String(id), "--catalog", catalog, "--wav", directory.file("x.wav"), "--slow", "10",
                                       "--heterodyne", "50000"]).status == 2)
        #expect(try USVExecutable.run(["show", String(id), "--catalog", catalog, "--slow", "10"]).status == 2)
    }

    /// Long work says what it does: evaluate reports every finished training (plain lines when stderr is not a
    /// terminal), train says it is training; train never overwrites its model file without --force.
    @Test func longCommandsShowProgressAndTrainKeepsItsModelFile() throws {
        let directory = try TemporaryDirectory("cli-progress")
        defer { directory.remove() }
        let (catalog, _) = try ingestedTwin(directory)
        let evaluate = try USVExecutable.run(["evaluate", "--model", "ridge", "--task", "sex", "--protocol", "kfold", "--folds", "3",
                                              "--features", "deposited", "--catalog", catalog, "--progress", "plain"])
        #expect(evaluate.status == 0, "\(evaluate.stderr)")
        #expect(evaluate.stderr.contains("ridge: fold 1/3") && evaluate.stderr.contains("trainings: 6 / 6"), "\(evaluate.stderr)")
        let silent = try USVExecutable.run(["evaluate", "--model", "ridge", "--task", "sex", "--protocol", "kfold", "--folds", "3",
                                            "--features", "deposited", "--catalog", catalog, "--progress", "none"])
        #expect(!silent.stderr.contains("trainings"))
        let model = directory.file("ridge.h5")
        let first = try USVExecutable.run(["train", "--model", "ridge", "--features", "deposited", "--out", model, "--catalog", catalog])
        #expect(first.status == 0, "\(first.stderr)")
        let again = try USVExecutable.run(["train", "--model", "ridge", "--features", "deposited", "--out", model, "--catalog", catalog])
        #expect(again.status == 2 && again.stderr.contains("--force"), "\(again.stderr)")
        #expect(try USVExecutable.run(["train", "--model", "ridge", "--features", "deposited", "--out", model, "--catalog", catalog,
                                       "--force"]).status == 0)
    }

    /// Ctrl-C in the middle of an ingest: exit 130, the run is marked interrupted, the message says to run the
    /// same command again, and that command finishes the job.
    @Test func anInterruptedIngestSaysHowToResume() throws {
        let directory = try TemporaryDirectory("cli-interrupt")
        defer { directory.remove() }
        let root = directory.file("twin"), catalog = directory.file("c.sqlite")
        // Long enough recordings that the ingest is still running when the signal comes.
        #expect(try USVExecutable.run(["synth", root, "--scale", "small", "--seed", "2", "--set", "seconds=40"]).status == 0)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: USVExecutable.path)
        process.arguments = ["ingest", root, "--catalog", catalog]
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        Thread.sleep(forTimeInterval: 1.5)
        process.interrupt()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130, "\(stderr)")
        #expect(stderr.contains("interrupted") && stderr.contains("Run the same command again"), "\(stderr)")
        let resumed = try USVExecutable.run(["ingest", root, "--catalog", catalog, "--json"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let runs = try Catalog(path: catalog).ingestRunStatuses()
        #expect(runs.count == 2 && runs.first?.status == "interrupted" && runs.last?.status != "running", "\(runs)")
    }

    /// One identity per animal: filters take the names `ls` shows, evaluation folds are named by them (with id and
    /// sex), and durations take units.
    @Test func animalsAreNamedAndDurationsTakeUnits() throws {
        let directory = try TemporaryDirectory("cli-names")
        defer { directory.remove() }
        let (catalog, _) = try ingestedTwin(directory)
        func ids(_ arguments: [String]) throws -> [Double] {
            let list = try USVExecutable.run(["ls", "--catalog", catalog, "--json", "--limit", "100000"] + arguments)
            #expect(list.status == 0, "\(arguments): \(list.stderr)")
            guard case .array(let usvs)? = try JSONDecoder().decode(JSONValue.self, from: list.stdout)["usvs"] else { return [] }
            return usvs.compactMap { if case .number(let id)? = $0["id"] { return id } else { return nil } }
        }
        let byName = try ids(["--animal", "Rfem01"]), byID = try ids(["--animal", "1"])
        #expect(!byName.isEmpty && byName == byID)
        #expect(try ids(["--min-duration", "30ms"]) == ids(["--min-duration", "0.03"]))
        #expect(try !ids(["--min-duration", "0.03s"]).isEmpty)
        #expect(try USVExecutable.run(["ls", "--catalog", catalog, "--min-duration", "long"]).status == 2)
        // stats keeps the two sources apart and says how many detected USVs are deposited calls found again.
        let stats = try USVExecutable.run(["stats", "--catalog", catalog])
        #expect(stats.stdoutText.contains(" detected") && stats.stdoutText.contains(" deposited")
            && stats.stdoutText.contains("overlap a deposited one") && stats.stdoutText.contains("female detected"), "\(stats.stdoutText)")
        let statsJSON = try USVExecutable.run(["stats", "--catalog", catalog, "--json"])
        try validateAgainstSchema("catalog-stats.schema.json", statsJSON.stdout)
        #expect(try JSONDecoder().decode(JSONValue.self, from: statsJSON.stdout)["detectedOverlappingDeposited"] != nil)
        let chart = directory.file("sex.svg")
        let evaluation = try USVExecutable.run(["evaluate", "--model", "ridge", "--task", "sex", "--protocol", "loao",
                                                "--features", "deposited", "--catalog", catalog, "--progress", "none", "--chart", chart])
        #expect(evaluation.status == 0, "\(evaluation.stderr)")
        #expect(evaluation.stdoutText.contains("Rfem01 (female), id 1") && evaluation.stdoutText.contains("(male), id 1"),
                "\(evaluation.stdoutText)")
        // The chart: a white background, every fold's control beside its model (pale), the mean ± s.d., animals by name and sex.
        let svg = try String(contentsOfFile: chart, encoding: .utf8)
        #expect(svg.contains("fill=\"white\"") && svg.contains("#b7cce6") && svg.contains("mean ± s.d.")
            && svg.contains("Rfem01 (female), id 1") && svg.contains("ridge, shuffled labels"))
        // --dry-run: the plan (folds, USVs per class and animal, trainings, an estimate), no evaluation table.
        let plan = try USVExecutable.run(["evaluate", "--model", "ridge,svm", "--task", "sex", "--protocol", "loao", "--features", "deposited",
                                          "--catalog", catalog, "--dry-run"])
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stdoutText.contains("USVs per animal: Rfem01 (female), id 1") && plan.stdoutText.contains("train USVs")
            && plan.stdoutText.contains("model.ridge: ") && plan.stdoutText.contains("trainings") && plan.stdoutText.contains("in all about"),
                "\(plan.stdoutText)")
        #expect(!plan.stdoutText.contains("mean"), "a dry run evaluates nothing")
    }

    /// `make completions` writes these: every subcommand completes in bash, zsh and fish.
    @Test func completionScriptsNameEverySubcommand() throws {
        for shell in ["bash", "zsh", "fish"] {
            let script = try USVExecutable.run(["--generate-completion-script", shell])
            #expect(script.status == 0, "\(shell): \(script.stderr)")
            for command in ["verify", "ingest", "detect", "score", "spectrogram", "show", "evaluate"] {
                #expect(script.stdoutText.contains(command), "\(shell) completion lacks \(command)")
            }
        }
    }

    /// No silent subsetting: evaluate, train and classify say what they used and what they left out, and why.
    @Test func commandsSayWhatTheyUsedAndLeftOut() throws {
        let directory = try TemporaryDirectory("cli-subsetting")
        defer { directory.remove() }
        let (catalog, _) = try ingestedTwin(directory)
        // Features for two animals only (one of each sex): the other animals' USVs have none.
        for animal in ["Rfem01", "Rmale01"] {
            #expect(try USVExecutable.run(["features", "--plugin", "extended-24", "--animal", animal, "--catalog", catalog]).status == 0)
        }
        let evaluation = try USVExecutable.run(["evaluate", "--model", "ridge", "--task", "sex", "--protocol", "kfold", "--folds", "3",
                                                "--features", "extended-24", "--catalog", catalog, "--progress", "none"])
        #expect(evaluation.status == 0, "\(evaluation.stderr)")
        #expect(evaluation.stderr.contains("used ") && evaluation.stderr.contains("of 2 animals")
            && evaluation.stderr.contains("without complete feature.extended-24 features"), "\(evaluation.stderr)")
        let all = try USVExecutable.run(["evaluate", "--model", "ridge", "--task", "sex", "--protocol", "kfold", "--folds", "3",
                                         "--features", "deposited", "--catalog", catalog, "--progress", "none"])
        #expect(all.stderr.contains("nothing left out"), "\(all.stderr)")
        // --source is honoured: deposited features with --source detected select nothing, and say so.
        let contradiction = try USVExecutable.run(["evaluate", "--model", "ridge", "--features", "deposited", "--source", "detected",
                                                   "--catalog", catalog])
        #expect(contradiction.status == 2 && contradiction.stderr.contains("--source detected"), "\(contradiction.stderr)")
    }

    @Test func aMistypedCommandGetsASuggestion() throws {
        let typo = try USVExecutable.run(["verfy", "somewhere"])
        #expect(typo.status == 2 && typo.stderr.contains("did you mean 'verify'"), "\(typo.stderr)")
        let help = try USVExecutable.run(["help", "ingst"])
        #expect(help.status == 2 && help.stderr.contains("did you mean 'ingest'"), "\(help.stderr)")
        let known = try USVExecutable.run(["help", "verify"])
        #expect(known.status == 0 && known.stdoutText.contains("manifest"), "\(known.stdoutText)")
    }

    @Test func readOnlyCommandsRefuseAMissingCatalogAndMakeNone() throws {
        let directory = try TemporaryDirectory("cli-missing-catalog")
        defer { directory.remove() }
        let missing = directory.file("nowhere/never.sqlite")
        for command in [["ls"], ["stats"], ["show", "1"], ["evaluate", "--model", "ridge", "--task", "sex"],
                        ["train", "--model", "ridge", "--task", "sex", "--out", directory.file("m.h5")],
                        ["features", "--plugin", "feature.extended-24"]] {
            let result = try USVExecutable.run(command + ["--catalog", missing])
            #expect(result.status == 2, "\(command): \(result.stderr)")
            #expect(result.stderr.contains("no catalog at") && result.stderr.contains("usv ingest"), "\(command): \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: directory.file("nowhere")), "a read-only command made the catalog's folder")
    }

    @Test func parametersAreCheckedBeforeAnyWorkAndCanNameTheirPlugin() throws {
        let directory = try TemporaryDirectory("cli-parameters")
        defer { directory.remove() }
        var scene = [Float](repeating: 0, count: 60_000)
        var random = SplitMix64(seed: 1)
        for index in scene.indices { scene[index] = Float(0.003 * random.normal()) }
        let writer = try AudioFileWriter(path: directory.file("rec.wav"), sampleRate: 300_000)
        try writer.write(scene)
        try writer.close()
        let path = directory.file("rec.wav")
        // Typed values, units and the plugin's own name as a scope.
        #expect(try USVExecutable.run(["detect", path, "--param", "merge-gap=0.02s"]).status == 0)
        #expect(try USVExecutable.run(["detect", path, "--param", "usv-detector.enter-snr=15"]).status == 0)
        #expect(try USVExecutable.run(["detect", path, "--param", "feature.usv-detector.min-frequency=30kHz"]).status == 0)
        let wrongType = try USVExecutable.run(["detect", path, "--param", "enter-snr=loud"])
        #expect(wrongType.status == 2 && wrongType.stderr.contains("'enter-snr'"), "\(wrongType.stderr)")
        let typo = try USVExecutable.run(["detect", path, "--param", "enter-snrr=15"])
        #expect(typo.status == 2 && typo.stderr.contains("did you mean 'enter-snr'"), "\(typo.stderr)")
        let otherPlugin = try USVExecutable.run(["detect", path, "--param", "ridge.alpha=1"])
        #expect(otherPlugin.status == 2 && otherPlugin.stderr.contains("not a plugin of this command"), "\(otherPlugin.stderr)")
        let strictBoolean = try USVExecutable.run(["detect", path, "--detector", "feature.usv-detector-paper", "--param", "sparse=maybe"])
        #expect(strictBoolean.status == 2, "\(strictBoolean.stderr)")
        #expect(try USVExecutable.run(["detect", path, "--detector", "feature.usv-detector-paper", "--param", "sparse=off"]).status == 0)
    }
}
