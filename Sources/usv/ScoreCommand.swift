import ArgumentParser
import Foundation
import USVCore
import USVSignal

struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score found calls against true calls: event and temporal precision, recall, F1, boundary errors.",
        discussion: """
            FOUND and TRUTH are annotation files in any format the tool reads (a start/stop CSV with or without \
            a header, `usv detect --csv` output, crowsetta generic-seq, Raven selection tables, Audacity labels), \
            or directories of them.

            Events: a found call matches a true call when their onsets differ by at most --tolerance seconds \
            (|found - true| <= tolerance in double precision), one to one, closest onsets first. Time: both \
            lists as 1 ms bins over the recording; bin k (time t = k x 0.001 s) is a call bin when a call has \
            start < t <= stop (the AMVOC authors' rule). The recording's length comes from its audio \
            (--recording, or audio files matched by name), else from the latest stop of either list. Also \
            reported: median |onset| and |offset| error of the matched pairs (and the signed medians), split \
            calls (a true call overlapped by 2+ found calls) and merged calls (a found call overlapping 2+ true \
            calls), per recording and pooled (counts summed, bins concatenated). An empty denominator counts \
            as 1 (no found calls: precision 1; no true calls: recall 1); F1 = 2TP / (2TP + FP + FN), so both \
            lists empty give F1 1, one empty gives 0.

            Directories: files are matched by name - the same name without its extension (rec_1.csv and \
            rec_1.txt), or one name is the other's plus more dotted parts (rec_1.csv and \
            rec_1.Table.1.selections.txt; rec_1.wav and rec_1.csv). gt_1.csv and vocalmat_1.csv do not match. \
            Audio files in FOUND's or TRUTH's directory or in --recordings DIR are matched to the recordings \
            the same way. A truth file that matches no found file is listed and makes the exit status 1; found \
            files without truth are listed and left out.

            --png draws each recording's spectrogram (the whole recording, max-pooled to at most 1,600 columns) \
            with a track of the true calls and one of the found calls above it: hits green, misses red, false \
            alarms orange. It needs the audio. With a single pair OUT is a .png file; when FOUND or TRUTH is a \
            directory OUT is a directory that gets one <recording>.png per recording.

            Exit status: 0 scored; 1 a truth file without found file, or a recording below 100 kHz (it cannot \
            hold ultrasonic calls); 2 wrong usage or unusable input (a missing file, a negative time, stop \
            before start, a time past the end of the recording - each named with its file and line).

            Examples:
              usv score vocalmat_1.csv --truth gt_1.csv --recording rec_1.wav
              usv detect rec_1.wav --csv > rec_1.csv && usv score rec_1.csv --truth rec_1.Table.1.selections.txt
              usv score found/ --truth truth/ --recordings audio/ --json > score.json
              usv score found.csv --truth truth.csv --recording rec.wav --png score.png
            """)

    @Argument(help: "The found calls: an annotation file or a directory of them.")
    var found: String

    @Option(help: "The true calls: an annotation file or a directory of them.")
    var truth: String

    @Option(help: "Onset tolerance of the event matching, seconds.")
    var tolerance: Double = EventScorer.defaultTolerance

    @Option(help: "The recording's audio (one FOUND/TRUTH pair): its length bounds the bins and the times.")
    var recording: String?

    @Option(help: "A directory of audio files matched to the recordings by name.")
    var recordings: String?

    @Flag(help: "Write JSON (schemas/score-report.schema.json).")
    var json = false

    @Option(name: .customLong("png"), help: ArgumentHelp("Draw the spectrogram with the true and found calls (a file, or a directory when FOUND or TRUTH is one).",
                                                          valueName: "OUT"))
    var png: String?

    func validate() throws {
        guard tolerance.isFinite, tolerance >= 0 else { throw ValidationError("--tolerance must be a number of seconds, 0 or more") }
    }

    func run() throws {
        let registry = try registry()
        for path in [found, truth] + [recording, recordings].compactMap({ $0 }) { try ScoreSupport.requireExisting(path) }
        let foundIsDirectory = ScoreSupport.isDirectory(found)
        let truthIsDirectory = ScoreSupport.isDirectory(truth)
        let directories = foundIsDirectory || truthIsDirectory
        if let recording, ScoreSupport.isDirectory(recording) {
            throw USVError.usage("--recording \(recording) is a directory; use --recordings DIR for a directory of audio")
        }
        if let recordings, !ScoreSupport.isDirectory(recordings) {
            throw USVError.usage("--recordings \(recordings) is not a directory; use --recording FILE for one recording")
        }

        // Pair truth files with found files, then recordings with pairs.
        let plan = try ScorePlan.make(found: found, truth: truth, registry: registry, recording: recording, recordings: recordings)
        if let png {
            let missing = plan.pairs.filter { $0.audio == nil }
            if !missing.isEmpty {
                throw USVError.usage("--png draws the recording's spectrogram and needs its audio; none found for "
                    + missing.map(\.name).joined(separator: ", ") + " (give --recording FILE or --recordings DIR)")
            }
            if !directories && png.fileExtension != "png" { throw USVError.usage("--png \(png): name a .png file") }
        }

        // Recordings first: a rate below 100 kHz makes scoring meaningless.
        var infos: [String: AudioInfo] = [:]
        for pair in plan.pairs {
            guard let audio = pair.audio else { continue }
            infos[audio] = try AudioFileReader(path: audio).info
        }
        let tooSlow = infos.filter { $0.value.sampleRate < ScoreSupport.minimumSampleRate }.sorted { $0.key < $1.key }
        if !tooSlow.isEmpty {
            for (path, info) in tooSlow { log("usv: " + ScoreSupport.sampleRateMessage(path: path, sampleRate: info.sampleRate)) }
            throw ExitCode(1)
        }

        let scorer = EventScorer(tolerance: tolerance)
        var scored: [(entry: RecordingScoreReport.Source, score: RecordingScore)] = []
        for pair in plan.pairs {
            let info = pair.audio.flatMap { infos[$0] }
            let length = info.map(\.duration)
            let truthCalls = try ScoreSupport.readCalls(pair.truth, registry: registry, length: length, audio: pair.audio)
            let foundCalls = try ScoreSupport.readCalls(pair.found, registry: registry, length: length, audio: pair.audio)
            let score = scorer.score(truth: truthCalls, found: foundCalls, length: length)
            scored.append((RecordingScoreReport.Source(name: pair.name, truthFile: pair.truth, foundFile: pair.found,
                                                       audioFile: pair.audio, sampleRate: info?.sampleRate), score))
        }
        let report = DetectionScoreReport(scorer: scorer, recordings: scored, unmatchedTruthFiles: plan.unmatchedTruth,
                                          unmatchedFoundFiles: plan.unmatchedFound)

        if let png {
            if directories { try makeDirectories(png) }
            for (entry, score) in scored {
                guard let audio = entry.audioFile else { continue }
                let path = directories ? FilePaths.join(png, ScoreSupport.safeFileName(entry.name) + ".png") : png
                try ScoreSupport.drawPicture(audio: audio, score: score, to: path, registry: registry)
                log("\(path): spectrogram of \(FilePaths.lastComponent(audio)) with the true and found calls")
            }
        }

        if json {
            try printJSON(report)
        } else {
            print(ScoreSupport.text(report))
        }
        for file in plan.unmatchedFound { log("usv: found file without truth (not scored): \(file)") }
        if !plan.unmatchedTruth.isEmpty {
            for file in plan.unmatchedTruth { log("usv: truth file without found file: \(file)") }
            log("usv: \(plan.unmatchedTruth.count) truth file(s) match no found file by name "
                + "(same name without extension, or the same name followed by more dotted parts)")
            throw ExitCode(1)
        }
    }
}

/// Which truth file is scored against which found file, with which audio.
struct ScorePlan {
    struct Pair {
        var name: String
        var truth: String
        var found: String
        var audio: String?
    }

    var pairs: [Pair] = []
    var unmatchedTruth: [String] = []
    var unmatchedFound: [String] = []

    static let annotationExtensions: Set<String> = ["csv", "tsv", "txt", "labels"]

    static func make(found: String, truth: String, registry: PluginRegistry, recording: String?, recordings: String?) throws -> ScorePlan {
        let foundIsDirectory = ScoreSupport.isDirectory(found)
        let truthIsDirectory = ScoreSupport.isDirectory(truth)
        let audioExtensions = Set(registry.all((any AudioReadingFormat).self).flatMap { type(of: $0).fileExtensions })
        var plan = ScorePlan()

        if !foundIsDirectory && !truthIsDirectory {
            // One pair, whatever the names.
            plan.pairs = [Pair(name: stem(truth), truth: truth, found: found, audio: nil)]
        } else {
            let truthFiles = truthIsDirectory ? try files(in: truth, extensions: annotationExtensions) : [truth]
            let foundFiles = foundIsDirectory ? try files(in: found, extensions: annotationExtensions) : [found]
            if truthFiles.isEmpty { throw USVError.usage("\(truth): no annotation files (.csv, .tsv, .txt, .labels)") }
            var used = Set<String>()
            for truthFile in truthFiles {
                guard let match = try bestMatch(for: truthFile, among: foundFiles, what: "found files") else {
                    plan.unmatchedTruth.append(truthFile)
                    continue
                }
                if used.contains(match) {
                    let others = plan.pairs.filter { $0.found == match }.map(\.truth)
                    throw USVError.usage("\(match) matches more than one truth file by name: "
                        + (others + [truthFile]).joined(separator: ", ") + "; keep one truth file per recording")
                }
                used.insert(match)
                let names = [baseName(truthFile), baseName(match)]
                plan.pairs.append(Pair(name: names.min { $0.count < $1.count } ?? stem(truthFile), truth: truthFile, found: match, audio: nil))
            }
            plan.unmatchedFound = foundFiles.filter { !used.contains($0) }
        }

        // Audio: --recording for a single pair; else files matched by name.
        if let recording {
            guard plan.pairs.count == 1 else {
                throw USVError.usage("--recording names one recording but there are \(plan.pairs.count) pairs to score; use --recordings DIR")
            }
            plan.pairs[0].audio = recording
            plan.pairs[0].name = stem(recording)
        } else {
            var directories: [String] = []
            if let recordings { directories.append(recordings) }
            if foundIsDirectory { directories.append(found) }
            if truthIsDirectory { directories.append(truth) }
            var audioFiles: [String] = []
            var listed = Set<String>()
            for directory in directories where listed.insert((try? FilePaths.realPath(directory).get()) ?? directory).inserted {
                audioFiles += try files(in: directory, extensions: audioExtensions)
            }
            for index in plan.pairs.indices {
                let pair = plan.pairs[index]
                let audio = try bestMatch(for: pair.truth, among: audioFiles, what: "recordings")
                    ?? bestMatch(for: pair.found, among: audioFiles, what: "recordings")
                if let audio {
                    plan.pairs[index].audio = audio
                    plan.pairs[index].name = stem(audio)
                }
            }
        }
        return plan
    }

    /// The file name without its last extension.
    static func baseName(_ path: String) -> String {
        let name = FilePaths.lastComponent(path)
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return name }
        return String(name[..<dot])
    }

    /// The file name up to its first dot (`rec_1.Table.1.selections.txt` → `rec_1`).
    static func stem(_ path: String) -> String {
        let name = FilePaths.lastComponent(path)
        guard let dot = name.firstIndex(of: "."), dot != name.startIndex else { return baseName(path) }
        return String(name[..<dot])
    }

    /// 2: same base name; 1: one base name is the other's followed by a dot and more; 0: no match.
    static func nameMatch(_ first: String, _ second: String) -> Int {
        let a = baseName(first), b = baseName(second)
        if a == b { return 2 }
        return a.hasPrefix(b + ".") || b.hasPrefix(a + ".") ? 1 : 0
    }

    /// The one candidate matching `path` best by name; nil when none matches; a usage error when several tie.
    static func bestMatch(for path: String, among candidates: [String], what: String) throws -> String? {
        let ranked = candidates.map { ($0, nameMatch(path, $0)) }.filter { $0.1 > 0 }
        guard let best = ranked.map(\.1).max() else { return nil }
        let top = ranked.filter { $0.1 == best }.map(\.0)
        guard top.count == 1, let only = top.first else {
            throw USVError.usage("\(path) matches several \(what) by name: \(top.joined(separator: ", ")); keep one per recording")
        }
        return only
    }

    /// Regular files of `directory` (not hidden, not OS artefacts) with one of `extensions`, sorted.
    static func files(in directory: String, extensions: Set<String>) throws -> [String] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw USVError.usage("\(directory): cannot list the directory (\(error.localizedDescription))")
        }
        return names.sorted().filter { name in
            !name.hasPrefix(".") && !OSArtefacts.isArtefact(name) && extensions.contains(name.fileExtension)
                && !ScoreSupport.isDirectory(FilePaths.join(directory, name))
        }.map { FilePaths.join(directory, $0) }
    }
}

/// What `usv score` and `usv detect --truth` share.
enum ScoreSupport {
    /// Below this sample rate a recording cannot hold mouse USVs (30–110 kHz).
    static let minimumSampleRate = 100_000

    static let hitColor = PictureColor(40, 170, 60)
    static let missColor = PictureColor(220, 30, 30)
    static let falseAlarmColor = PictureColor(255, 150, 0)

    static func isDirectory(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
    }

    /// A missing input is a usage error (exit status 2).
    static func requireExisting(_ path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw USVError.usage("\(path): no such file or directory") }
    }

    static func sampleRateMessage(path: String, sampleRate: Int) -> String {
        "\(path): sampled at \(sampleRate) Hz, which cannot hold ultrasonic calls (mouse USVs lie at 30-110 kHz, a "
            + "recording needs at least \(minimumSampleRate / 1000) kHz); score against the original ultrasonic recording"
    }

    /// The calls of `path`, checked: times not negative, stop not before start, none past the recording's end.
    static func readCalls(_ path: String, registry: PluginRegistry, length: Double?, audio: String?) throws -> [CallInterval] {
        let calls = try CallListReader(registry: registry).read(path: path).calls
        try CallListCheck.check(calls, path: path, length: length, audio: audio)
        return calls
    }

    /// A recording name usable as a file name.
    static func safeFileName(_ name: String) -> String {
        let cleaned = String(name.map { $0 == "/" || $0 == "\u{0}" ? "_" : $0 })
        return cleaned.isEmpty || cleaned.hasPrefix(".") ? "_" + cleaned : cleaned
    }

    /// The per-recording table, the pooled row when there is more than one recording, and how it was scored.
    static func text(_ report: DetectionScoreReport) -> String {
        func figure(_ value: Double) -> String { String(format: "%.3f", value) }
        func milliseconds(_ value: Double?) -> String { value.map { String(format: "%.2f", $0) } ?? "-" }
        func row(_ name: String, _ scores: ScoreFiguresReport) -> [String] {
            [name, String(scores.truthCalls), String(scores.foundCalls), String(scores.events.truePositives),
             String(scores.events.falseNegatives), String(scores.events.falsePositives),
             figure(scores.events.precision), figure(scores.events.recall), figure(scores.events.f1),
             figure(scores.temporal.precision), figure(scores.temporal.recall), figure(scores.temporal.f1),
             milliseconds(scores.onsetErrorMs.medianAbsolute), milliseconds(scores.offsetErrorMs.medianAbsolute),
             String(scores.splitCalls), String(scores.mergedCalls)]
        }
        var rows = report.recordings.map { row($0.name, $0.scores) }
        if report.recordings.count != 1 { rows.append(row("pooled", report.pooled)) }
        let header = ["recording", "true", "found", "hits", "misses", "false alarms", "P", "R", "F1", "time P", "time R", "time F1",
                      "|onset| ms", "|offset| ms", "split", "merged"]
        var lines = [TextTable.render(header: header, rows: rows, rightAligned: Set(1..<header.count))]
        let pooled = report.pooled
        let lengths = Set(report.recordings.map(\.lengthFrom))
        let span = lengths == ["audio"] ? "the recordings" : lengths == ["calls"] ? "the span up to the latest stop"
            : "the recordings (audio) or up to the latest stop"
        lines.append(String(format: "Events: onsets within %g ms, one to one, closest first. Time: %g ms bins over ",
                            report.tolerance * 1000, report.binWidth * 1000) + span + ". "
            + "Signed median errors (found - true): onset \(milliseconds(pooled.onsetErrorMs.median)) ms, "
            + "offset \(milliseconds(pooled.offsetErrorMs.median)) ms.")
        return lines.joined(separator: "\n")
    }

    /// Draws the recording's spectrogram with the true calls (hits green, misses red) and the found calls (hits
    /// green, false alarms orange) as two tracks above it.
    static func drawPicture(audio: String, score: RecordingScore, to path: String, registry: PluginRegistry) throws {
        guard let writer = registry.all((any SpectrogramTrackImageWriting).self).first else {
            throw USVError.usage("no plugin draws spectrogram pictures with tracks in this build")
        }
        let spectrogram = try overviewSpectrogram(path: audio)
        let truth = PictureTrack(name: "true", spans: order(score.truth.map {
            PictureTrack.Span(start: $0.call.start, stop: $0.call.stop, color: $0.match == nil ? missColor : hitColor)
        }))
        let found = PictureTrack(name: "found", spans: order(score.found.map {
            PictureTrack.Span(start: $0.call.start, stop: $0.call.stop, color: $0.match == nil ? falseAlarmColor : hitColor)
        }))
        let counts = score.counts
        let title = "\(FilePaths.lastComponent(audio))  \(counts.truePositives) hits, \(counts.falseNegatives) misses, "
            + "\(counts.falsePositives) false alarms"
        try writer.writeSpectrogramImage(spectrogram, to: path, startSeconds: 0, tracks: [truth, found],
                                         legend: [("hit", hitColor), ("miss", missColor), ("false alarm", falseAlarmColor)],
                                         options: PictureOptions(title: title))
    }

    /// Hits first, so that misses and false alarms are drawn over them where spans share a column.
    private static func order(_ spans: [PictureTrack.Span]) -> [PictureTrack.Span] {
        spans.filter { $0.color == hitColor } + spans.filter { $0.color != hitColor }
    }

    /// The whole recording's spectrogram (streamed), max-pooled over time to at most `maximumColumns` frames so
    /// that no call disappears; the pooled frames keep the time axis (their hop is the pooled hop).
    static func overviewSpectrogram(path: String, maximumColumns: Int = 1_600) throws -> Spectrogram {
        let info = try AudioFileReader(path: path).info
        var parameters = SpectrogramParameters()
        let frames = parameters.frameCount(samples: info.frames)
        guard frames > 0 else { throw USVError.unusable(path: path, reason: "shorter than one spectrogram window (\(parameters.windowLength) samples)") }
        let pool = max(1, (frames + maximumColumns - 1) / maximumColumns)
        let columns = (frames + pool - 1) / pool
        let rows = parameters.rowCount(sampleRate: info.sampleRate)
        var values = [Float](repeating: 0, count: columns * rows)
        try StreamingSpectrogram(parameters: parameters).run(path: path) { first, count, blockRows, block in
            guard blockRows == rows else { return }
            for frame in 0..<count {
                let base = (first + frame) / pool * rows
                for row in 0..<rows { values[base + row] = max(values[base + row], block[frame * rows + row]) }
            }
        }
        parameters.hop *= pool
        return Spectrogram(rows: rows, frames: columns, values: values, sampleRate: info.sampleRate, parameters: parameters)
    }
}

/// `usv detect REC --truth FILE`: the truth is read and checked against the recording before detection, then
/// the detections are scored as `usv score` scores a found file.
struct DetectScoring {
    let plugins: PluginRegistry
    let truth: String
    let recording: String
    let scorer: EventScorer
    let calls: [CallInterval]

    init(truth: String, recording: String, tolerance: Double) throws {
        plugins = try registry()
        self.truth = truth
        self.recording = recording
        scorer = EventScorer(tolerance: tolerance)
        try ScoreSupport.requireExisting(truth)
        let info = try AudioFileReader(path: recording).info
        if info.sampleRate < ScoreSupport.minimumSampleRate {
            log("usv: " + ScoreSupport.sampleRateMessage(path: recording, sampleRate: info.sampleRate))
            throw ExitCode(1)
        }
        calls = try ScoreSupport.readCalls(truth, registry: plugins, length: info.duration, audio: recording)
    }

    func score(_ result: DetectionResult) throws -> DetectionScoreReport {
        try CallListCheck.check(calls, path: truth, length: result.duration, audio: recording)
        let found = result.usvs.map { CallInterval(start: $0.startSeconds, stop: $0.stopSeconds) }
        let source = RecordingScoreReport.Source(name: ScorePlan.stem(recording), truthFile: truth, foundFile: nil,
                                                 audioFile: recording, sampleRate: result.sampleRate)
        return DetectionScoreReport(scorer: scorer, recordings: [(source, scorer.score(truth: calls, found: found, length: result.duration))])
    }

    func printText(_ score: DetectionScoreReport, toStandardError: Bool) {
        let text = "\nScored against \(truth):\n" + ScoreSupport.text(score)
        if toStandardError { log(text) } else { print(text) }
    }
}
