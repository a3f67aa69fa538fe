import Foundation
import USVCore
import USVFeatureDetector
import USVSignal

// usv-bench detector-fidelity FIXTURES
//   The detectors on the real AMVOC recordings (FIXTURES/<n>/rec_<n>.wav, gt_<n>.csv, the published detectors'
//   <name>_<n>.csv), scored with the scorer `usv score` uses: the published detectors' deposited outputs, the
//   paper's pipeline, this detector with its defaults (in sample), and leave-one-recording-out — for each
//   recording, the parameters are chosen on the other three from a grid and the recording is scored with them.

/// `start_s,stop_s` lines.
private func readCalls(_ path: String) throws -> [CallInterval] {
    try String(contentsOfFile: path, encoding: .utf8).split(whereSeparator: \.isNewline).compactMap { line in
        let fields = line.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        return fields.count == 2 ? CallInterval(start: fields[0], stop: fields[1]) : nil
    }
}

private struct Figures {
    var counts = ScoreCounts()
    var event: DetectionFigures {
        DetectionFigures(truePositives: counts.truePositives, falsePositives: counts.falsePositives, falseNegatives: counts.falseNegatives)
    }
    var temporal: DetectionFigures {
        DetectionFigures(truePositives: counts.truePositiveBins, falsePositives: counts.falsePositiveBins, falseNegatives: counts.falseNegativeBins)
    }
    /// What the grid search maximises: event F1 plus temporal F1.
    var objective: Double { event.f1 + temporal.f1 }
    var row: String {
        String(format: "%.3f | %.3f | %.3f | %.3f", event.precision, event.recall, event.f1, temporal.f1)
    }
}

func benchmarkDetectorFidelity(fixtures: String) throws {
    let recordings = [1, 2, 3, 4]
    let scorer = EventScorer()
    var truth: [Int: [CallInterval]] = [:]
    var lengths: [Int: Double] = [:]
    for number in recordings {
        truth[number] = try readCalls("\(fixtures)/\(number)/gt_\(number).csv")
        lengths[number] = try AudioFileReader(path: "\(fixtures)/\(number)/rec_\(number).wav").info.duration
    }
    func score(_ found: [Int: [CallInterval]], on chosen: [Int]) -> Figures {
        var figures = Figures()
        for number in chosen {
            figures.counts = figures.counts + scorer.score(truth: truth[number] ?? [], found: found[number] ?? [], length: lengths[number]).counts
        }
        return figures
    }
    func detect(_ detector: any USVDetecting, _ parameters: ParameterValues, _ number: Int) throws -> [CallInterval] {
        try detector.detect(recordingAt: "\(fixtures)/\(number)/rec_\(number).wav", parameters: parameters).usvs
            .map { CallInterval(start: $0.startSeconds, stop: $0.stopSeconds) }
    }

    print("| detector | event precision | event recall | event F1 | temporal F1 |")
    print("|---|---|---|---|---|")
    for (name, file) in [("VocalMat", "vocalmat"), ("DeepSqueak", "deepsqueak"), ("MSA (v2)", "msa2"), ("MSA (v1)", "msa1"), ("MUPET", "mupet")] {
        var found: [Int: [CallInterval]] = [:]
        for number in recordings { found[number] = try readCalls("\(fixtures)/\(number)/\(file)_\(number).csv") }
        print("| \(name) (deposited output) | \(score(found, on: recordings).row) |")
    }
    let paper = PurityDetector()
    let paperDefaults = try ParameterValues(defaultsOf: PurityDetector.descriptor)
    var paperFound: [Int: [CallInterval]] = [:]
    for number in recordings { paperFound[number] = try detect(paper, paperDefaults, number) }
    print("| usv, `feature.usv-detector-paper` (the paper's pipeline) | \(score(paperFound, on: recordings).row) |")

    let detector = ToneContrastDetector()
    let defaults = try ParameterValues(defaultsOf: ToneContrastDetector.descriptor)
    var defaultFound: [Int: [CallInterval]] = [:]
    for number in recordings { defaultFound[number] = try detect(detector, defaults, number) }
    print("| usv, `feature.usv-detector` defaults (in sample) | \(score(defaultFound, on: recordings).row) |")

    // The grid, the defaults first so that ties keep them.
    var grid: [[String: String]] = [[:]]
    for enterContrast in ["18", "10", "14", "22"] {
        for exitContrast in ["6", "4", "8"] {
            for mergeGap in ["15", "5", "10", "25"] {
                for enterSNR in ["12", "10", "15"] {
                    let setting = ["enter-contrast": enterContrast, "exit-contrast": exitContrast, "merge-gap": mergeGap, "enter-snr": enterSNR]
                    if setting != ["enter-contrast": "18", "exit-contrast": "6", "merge-gap": "15", "enter-snr": "12"] { grid.append(setting) }
                }
            }
        }
    }
    var found: [[Int: [CallInterval]]] = []
    for setting in grid {
        let parameters = try ParameterValues(defaultsOf: ToneContrastDetector.descriptor, overrides: setting)
        var perRecording: [Int: [CallInterval]] = [:]
        for number in recordings { perRecording[number] = try detect(detector, parameters, number) }
        found.append(perRecording)
    }
    var heldOut: [Int: [CallInterval]] = [:]
    var notes: [String] = []
    for held in recordings {
        let training = recordings.filter { $0 != held }
        var best = 0
        for index in grid.indices where score(found[index], on: training).objective > score(found[best], on: training).objective { best = index }
        heldOut[held] = found[best][held]
        let chosen = grid[best].isEmpty ? "the defaults" : grid[best].sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let there = score(found[best], on: training), here = score(found[best], on: [held])
        notes.append("recording \(held) held out: chose \(chosen) on the other three "
            + String(format: "(event F1 %.3f, temporal F1 %.3f there); on recording %d: event F1 %.3f, temporal F1 %.3f",
                     there.event.f1, there.temporal.f1, held, here.event.f1, here.temporal.f1))
    }
    print("| usv, `feature.usv-detector`, leave one recording out (\(grid.count) settings) | \(score(heldOut, on: recordings).row) |")
    print("")
    for note in notes { print("- " + note) }
}
