import Foundation
import Testing
import USVCore
import USVFormatPNG
import USVSignal
import USVTestSupport

/// `usv score` and `usv detect --truth` end to end: figures, JSON against the schema, name matching of
/// directories, bad input with file and line, exit statuses, the picture.
@Suite struct ScoreCommandTests {
    /// 0.6 s at `rate` Hz: noise with two whistles, at 0.100–0.150 s and 0.400–0.480 s.
    func recording(_ directory: TemporaryDirectory, name: String = "rec.wav", rate: Int = 300_000) throws -> String {
        var random = SplitMix64(seed: 5)
        var samples = (0..<(rate * 6 / 10)).map { _ in Float(0.003 * random.normal()) }
        if rate == 300_000 {
            let first = TestCall(duration: 0.05) { 60_000 + 10_000 * $0 }.samples(seed: 1)
            let second = TestCall(duration: 0.08) { 80_000 - 20_000 * $0 }.samples(seed: 2)
            // TestCall pads 5 ms of noise before the call.
            for (offset, call) in [(28_500, first), (118_500, second)] {
                for index in call.indices where offset + index < samples.count { samples[offset + index] += call[index] }
            }
        }
        let path = directory.file(name)
        try makeDirectories(FilePaths.directoryPart(path))
        let writer = try AudioFileWriter(path: path, sampleRate: rate)
        try writer.write(samples)
        try writer.close()
        return path
    }

    /// Truth: three calls. Found: a hit 2 ms late, a false alarm, and the third true call missed.
    let truthText = "0.100,0.150\n0.400,0.480\n0.520,0.540\n"
    let foundText = "start_s,stop_s,start_sample,stop_sample\n0.102000,0.151000,30600,45300\n0.250000,0.260000,75000,78000\n0.398000,0.470000,119400,141000\n"

    func number(_ value: JSONValue?) -> Double? {
        if case .number(let number)? = value { return number }
        return nil
    }

    @Test func scoresAPairAndWritesJSONThatFitsTheSchema() throws {
        let directory = try TemporaryDirectory("cli-score")
        defer { directory.remove() }
        let audio = try recording(directory)
        let truth = try directory.write("truth.csv", truthText)
        let found = try directory.write("found.csv", foundText)

        let json = try USVExecutable.run(["score", found, "--truth", truth, "--recording", audio, "--json"])
        #expect(json.status == 0, "\(json.stderr)")
        try validateAgainstSchema("score-report.schema.json", json.stdout)
        let report = try JSONDecoder().decode(JSONValue.self, from: json.stdout)
        let pooled = report["pooled"]
        // 2 hits of 3 true and 3 found calls: P = R = F1 = 2/3.
        #expect(number(pooled?["events"]?["truePositives"]) == 2)
        #expect(number(pooled?["events"]?["f1"]).map { abs($0 - 2.0 / 3.0) < 1e-12 } == true)
        #expect(number(pooled?["temporal"]?["bins"]) == 600)
        // Onset errors +2 and −2 ms: median |e| 2 ms.
        #expect(number(pooled?["onsetErrorMs"]?["medianAbsolute"]).map { abs($0 - 2) < 1e-6 } == true)
        let recording = report["recordings"]?[0]
        #expect(recording?["name"] == .string("rec") && recording?["lengthFrom"] == .string("audio"))
        #expect(recording?["truth"]?[2]?["status"] == .string("miss") && recording?["truth"]?[2]?["line"] == .number(3))
        #expect(recording?["found"]?[1]?["status"] == .string("false-alarm"))
        // The same through the decoder of the library type.
        let decoded = try JSONDecoder().decode(DetectionScoreReport.self, from: json.stdout)
        #expect(decoded.recordings.first?.truth.map(\.status) == [.hit, .hit, .miss])

        let text = try USVExecutable.run(["score", found, "--truth", truth, "--recording", audio])
        #expect(text.status == 0)
        #expect(text.stdoutText.contains("rec ") && text.stdoutText.contains("0.667"))

        // Without audio the bins run to the latest stop (0.54 s: t = 0 … 540 ms).
        let open = try USVExecutable.run(["score", found, "--truth", truth, "--json"])
        #expect(open.status == 0, "\(open.stderr)")
        let openReport = try JSONDecoder().decode(DetectionScoreReport.self, from: open.stdout)
        #expect(openReport.pooled.temporal.bins == 541 && openReport.recordings.first?.lengthFrom == "calls")
    }

    @Test func badInputIsNamedWithFileAndLine() throws {
        let directory = try TemporaryDirectory("cli-score-bad")
        defer { directory.remove() }
        let audio = try recording(directory)
        let found = try directory.write("found.csv", foundText)
        // A true call past the end of the 0.6 s recording: exit 2, file and line named.
        let late = try directory.write("late.csv", "0.100,0.150\n0.400,0.480\n0.590,0.700\n")
        let past = try USVExecutable.run(["score", found, "--truth", late, "--recording", audio])
        #expect(past.status == 2)
        #expect(past.stderr.contains("late.csv: line 3:") && past.stderr.contains("past the end of the recording"), "\(past.stderr)")
        let negative = try directory.write("negative.csv", "0.100,0.150\n-0.2,0.1\n")
        let minus = try USVExecutable.run(["score", found, "--truth", negative])
        #expect(minus.status == 2 && minus.stderr.contains("negative.csv: line 2: negative time"), "\(minus.stderr)")
        let reversed = try directory.write("reversed.csv", "start_s,stop_s\n0.3,0.2\n")
        let backwards = try USVExecutable.run(["score", reversed, "--truth", late])
        #expect(backwards.status == 2 && backwards.stderr.contains("reversed.csv: line 2: stop 0.2 s is before start 0.3 s"), "\(backwards.stderr)")
        let junk = try directory.write("junk.csv", "0.1,0.2\n0.3,soon\n")
        let unreadable = try USVExecutable.run(["score", junk, "--truth", late])
        #expect(unreadable.status == 2 && unreadable.stderr.contains("junk.csv: line 2: stop 'soon' is not a number"), "\(unreadable.stderr)")
        // Missing files are usage errors.
        #expect(try USVExecutable.run(["score", directory.file("nope.csv"), "--truth", late]).status == 2)
        #expect(try USVExecutable.run(["score", found, "--truth", late, "--recording", directory.file("nope.wav")]).status == 2)
        // A recording that cannot hold ultrasonic calls: exit 1 with the reason.
        let slow = try recording(directory, name: "slow.wav", rate: 44_100)
        let tooSlow = try USVExecutable.run(["score", found, "--truth", found, "--recording", slow])
        #expect(tooSlow.status == 1 && tooSlow.stderr.contains("44100 Hz, which cannot hold ultrasonic calls"), "\(tooSlow.stderr)")
    }

    @Test func directoriesMatchByNameAndAnUnmatchedTruthFileExitsOne() throws {
        let directory = try TemporaryDirectory("cli-score-dirs")
        defer { directory.remove() }
        _ = try recording(directory, name: "audio/rec_1.wav")
        _ = try recording(directory, name: "audio/rec_2.wav")
        // rec_1: plain CSVs; rec_2: a Raven table against `usv detect --csv` output; rec_3: truth without found file;
        // gt_4 / vocalmat_4: different names, so no match.
        _ = try directory.write("truth/rec_1.csv", truthText)
        _ = try directory.write("truth/rec_2.Table.1.selections.txt", """
            Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\tHigh Freq (Hz)\tAnnotation
            1\tSpectrogram 1\t1\t0.1\t0.15\t50000\t70000\tA
            1\tWaveform 1\t1\t0.1\t0.15\t50000\t70000\tA
            2\tSpectrogram 1\t1\t0.4\t0.48\t60000\t80000\tB
            2\tWaveform 1\t1\t0.4\t0.48\t60000\t80000\tB

            """)
        _ = try directory.write("truth/rec_3.csv", truthText)
        _ = try directory.write("truth/gt_4.csv", truthText)
        _ = try directory.write("found/rec_1.csv", foundText)
        _ = try directory.write("found/rec_2.csv", foundText)
        _ = try directory.write("found/vocalmat_4.csv", foundText)

        let run = try USVExecutable.run(["score", directory.file("found"), "--truth", directory.file("truth"),
                                         "--recordings", directory.file("audio"), "--json"])
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stderr.contains("truth file without found file: \(directory.file("truth/rec_3.csv"))"), "\(run.stderr)")
        #expect(run.stderr.contains("truth file without found file: \(directory.file("truth/gt_4.csv"))"))
        #expect(run.stderr.contains("found file without truth (not scored): \(directory.file("found/vocalmat_4.csv"))"))
        try validateAgainstSchema("score-report.schema.json", run.stdout)
        let report = try JSONDecoder().decode(DetectionScoreReport.self, from: run.stdout)
        #expect(report.recordings.map(\.name) == ["rec_1", "rec_2"])
        #expect(report.recordings.map(\.audioFile) == [directory.file("audio/rec_1.wav"), directory.file("audio/rec_2.wav")])
        #expect(report.unmatchedTruthFiles == [directory.file("truth/gt_4.csv"), directory.file("truth/rec_3.csv")])
        #expect(report.unmatchedFoundFiles == [directory.file("found/vocalmat_4.csv")])
        // The Raven table's two selections (one per selection, not per view), with their lines: both hit.
        #expect(report.recordings[1].truth.map(\.line) == [2, 4])
        #expect(report.recordings[1].scores.events.truePositives == 2 && report.recordings[1].scores.foundCalls == 3)
        // Pooled: 2 + 2 hits of 3 + 2 true calls and 3 + 3 found calls.
        #expect(report.pooled.events.truePositives == 4 && report.pooled.truthCalls == 5 && report.pooled.foundCalls == 6)
        #expect(report.pooled.temporal.bins == 1200)

        // With the stray files gone every truth file has its found file: exit 0.
        try FileManager.default.removeItem(atPath: directory.file("truth/rec_3.csv"))
        try FileManager.default.removeItem(atPath: directory.file("truth/gt_4.csv"))
        let clean = try USVExecutable.run(["score", directory.file("found"), "--truth", directory.file("truth"),
                                           "--recordings", directory.file("audio")])
        #expect(clean.status == 0, "\(clean.stderr)")
        #expect(clean.stdoutText.contains("pooled"))
    }

    @Test func pictureShowsTheTracksInTheirColours() throws {
        let directory = try TemporaryDirectory("cli-score-png")
        defer { directory.remove() }
        let audio = try recording(directory)
        let truth = try directory.write("truth.csv", truthText)
        let found = try directory.write("found.csv", foundText)
        let picture = directory.file("score.png")
        let run = try USVExecutable.run(["score", found, "--truth", truth, "--recording", audio, "--png", picture])
        #expect(run.status == 0, "\(run.stderr)")
        let image = try PNGFormat().readRGBImage(path: picture)
        // 719 spectrogram frames (0.599 s at hop 250) at 4 px per ms would be 2,397 px: fitted into 1,600 px between
        // 72 + 92 px of margins (axis labels; colour bar); 233 rows of 2 px under a 12 px margin, the title (24 px),
        // the legend (22 px) and two tracks (18 px apart, 12 px high), over 50 px of time axis.
        #expect(image.width == 72 + 1_600 + 92 && image.height == 12 + 24 + 22 + 2 * 18 + 233 * 2 + 50)
        func colours(row y: Int) -> Set<[UInt8]> {
            Set((0..<image.width).map { x in Array(image.pixels[(3 * (y * image.width + x))..<(3 * (y * image.width + x) + 3)]) })
        }
        let hit: [UInt8] = [40, 170, 60], miss: [UInt8] = [220, 30, 30], falseAlarm: [UInt8] = [255, 150, 0]
        // Track rows: true calls at y 50–61, found calls at y 68–79 (below the title and the legend).
        let truthRow = colours(row: 55), foundRow = colours(row: 73)
        #expect(truthRow.contains(hit) && truthRow.contains(miss) && !truthRow.contains(falseAlarm))
        #expect(foundRow.contains(hit) && foundRow.contains(falseAlarm) && !foundRow.contains(miss))
        // The miss (520–540 ms) sits where its time is: column 72 + 530/599.17 × 1,600.
        let x = 72 + Int(0.530 / (719.0 * 250 / 300_000) * 1_600)
        #expect(Array(image.pixels[(3 * (55 * image.width + x))..<(3 * (55 * image.width + x) + 3)]) == miss)

        // Without audio there is nothing to draw: a usage error.
        #expect(try USVExecutable.run(["score", found, "--truth", truth, "--png", picture]).status == 2)
    }

    @Test func detectWithTruthAddsTheScore() throws {
        let directory = try TemporaryDirectory("cli-detect-truth")
        defer { directory.remove() }
        let audio = try recording(directory)
        let truth = try directory.write("truth.csv", "0.100,0.150\n0.400,0.480\n")
        let json = try USVExecutable.run(["detect", audio, "--truth", truth, "--json"])
        #expect(json.status == 0, "\(json.stderr)")
        try validateAgainstSchema("detect-report.schema.json", json.stdout)
        let report = try JSONDecoder().decode(JSONValue.self, from: json.stdout)
        #expect(number(report["score"]?["pooled"]?["truthCalls"]) == 2)
        #expect(report["score"]?["recordings"]?[0]?["foundFile"] == nil)
        let text = try USVExecutable.run(["detect", audio, "--truth", truth])
        #expect(text.status == 0 && text.stdoutText.contains("Scored against \(truth):"))
        // Without --truth there is no score member, and a missing truth file stops before detecting.
        let plain = try USVExecutable.run(["detect", audio, "--json"])
        #expect(try JSONDecoder().decode(JSONValue.self, from: plain.stdout)["score"] == nil)
        #expect(try USVExecutable.run(["detect", audio, "--truth", directory.file("nope.csv")]).status == 2)
        let late = try directory.write("late.csv", "0.100,0.150\n0.550,0.650\n")
        let past = try USVExecutable.run(["detect", audio, "--truth", late])
        #expect(past.status == 2 && past.stderr.contains("late.csv: line 2:"), "\(past.stderr)")
    }

    /// detect-report.schema.json carries a copy of score-report.schema.json's definitions (the validator resolves
    /// only local references); the copy must not drift.
    @Test func detectSchemaCopiesTheScoreSchema() throws {
        func load(_ name: String) throws -> JSONValue {
            try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: URL(fileURLWithPath: repositoryRoot() + "/schemas/" + name)))
        }
        let score = try load("score-report.schema.json")
        let detect = try load("detect-report.schema.json")
        for name in ["figures", "boundaryError", "call", "recording"] {
            #expect(score["$defs"]?[name] != nil && detect["$defs"]?[name] == score["$defs"]?[name], "$defs/\(name) differs")
        }
        for key in ["type", "required", "additionalProperties", "properties"] {
            #expect(detect["$defs"]?["scoreReport"]?[key] == score[key], "scoreReport \(key) differs")
        }
    }
}
