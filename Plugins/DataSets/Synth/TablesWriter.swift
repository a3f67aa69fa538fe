import Foundation

/// How the "human" labels of `labeling-human2.csv` deviate from the truth: a labeller sees a subset of the
/// USVs, occasionally misjudges a count or a direction, and rates fractions coarsely.
struct LabelNoiseModel: Codable, Sendable, Hashable {
    var labelledFraction = 0.4
    var directionErrorProbability = 0.06
    var peaksErrorProbability = 0.12
    var breaksErrorProbability = 0.08
    /// Fractions (broadband, tremolo, complex) get this much Gaussian noise, then are rounded to 0.1.
    var fractionDeviation = 0.05
    /// Chance of rating a fraction 0.1 when it is really 0.
    var falsePositiveFraction = 0.02
}

/// Writes the Donders-style tables (no header, CRLF) and the ground-truth table (header, LF).
struct TablesWriter {
    static let featuresPath = "Data/FIG_USVClassify_BasicAnalysis/"
        + "features_fileid_animalid_sex_duration_avgfreq_avgvol_direction_peaks_breaks_broadband_tremolo_complex.csv"
    static let labelsPath = "Data/USVSpectrograms/labeling-human2.csv"
    static let groundTruthPath = "GROUND_TRUTH/usvs.csv"

    static let groundTruthColumns = [
        "fileid", "recording", "animal_id", "animal_name", "sex", "genotype", "start_s", "stop_s", "start_sample",
        "stop_sample", "f_start_hz", "f_end_hz", "f_min_hz", "f_max_hz", "shape", "direction", "peaks", "breaks",
        "broadband", "tremolo", "complex", "harmonic", "amplitude",
    ]

    let plan: DataSetPlan
    let labelNoise = LabelNoiseModel()

    /// One Sex-recording call with its fileid.
    private struct SexCall {
        var fileID: Int
        var animal: Animal
        var call: CallPlan
    }

    private var sexCalls: [SexCall] {
        var rows: [SexCall] = []
        for (recording, fileIDs) in zip(plan.recordings, plan.fileIDs) {
            guard let fileIDs else { continue }
            for (call, fileID) in zip(recording.calls, fileIDs) {
                rows.append(SexCall(fileID: fileID, animal: recording.animal, call: call))
            }
        }
        return rows.sorted { $0.fileID < $1.fileID }
    }

    /// fileid, animalid, sex, duration (s), avgfreq (kHz), avgvol (mean linear amplitude), direction, peaks,
    /// breaks, broadband, tremolo, complex — one row per Sex-recording USV, sorted by fileid.
    func features() -> [UInt8] {
        var text = ""
        for row in sexCalls {
            let p = row.call.properties
            let fields = [
                "\(row.fileID)", "\(row.animal.id)", "\(row.animal.sex.code)", number(p.duration),
                number(p.averageFrequencyHz / 1_000), number(p.averageAmplitude), "\(p.direction)", "\(p.peaks)",
                "\(p.breaks)", number(p.broadband), number(p.tremolo), number(p.complexity),
            ]
            text += fields.joined(separator: ",") + "\r\n"
        }
        return Array(text.utf8)
    }

    /// fileid, direction, peaks, breaks, broadband, tremolo, complex for a seeded subset, with label noise.
    /// Returns the bytes and the number of labelled USVs.
    func humanLabels() -> (bytes: [UInt8], count: Int) {
        var random = RandomSource(seed: plan.settings.seed, stream: .humanLabels)
        var text = ""
        var count = 0
        for row in sexCalls {
            // Draw every random number for every row so a row's label does not depend on earlier choices.
            let chosen = random.chance(labelNoise.labelledFraction)
            let p = row.call.properties
            var direction = p.direction
            if random.chance(labelNoise.directionErrorProbability) {
                direction = direction == 0 ? (random.chance(0.5) ? 1 : -1) : 0
            }
            let peaks = perturbedCount(p.peaks, probability: labelNoise.peaksErrorProbability, random: &random)
            let breaks = perturbedCount(p.breaks, probability: labelNoise.breaksErrorProbability, random: &random)
            let broadband = perturbedFraction(p.broadband, random: &random)
            let tremolo = perturbedFraction(p.tremolo, random: &random)
            let complexity = perturbedFraction(p.complexity, random: &random)
            guard chosen else { continue }
            count += 1
            let fields = ["\(row.fileID)", "\(direction)", "\(peaks)", "\(breaks)", number(broadband), number(tremolo),
                          number(complexity)]
            text += fields.joined(separator: ",") + "\r\n"
        }
        return (Array(text.utf8), count)
    }

    private func perturbedCount(_ value: Int, probability: Double, random: inout RandomSource) -> Int {
        let wrong = random.chance(probability)
        let up = random.chance(0.5)
        guard wrong else { return value }
        if value == 0 { return 1 }
        if value == 3 { return 2 }
        return up ? value + 1 : value - 1
    }

    private func perturbedFraction(_ value: Double, random: inout RandomSource) -> Double {
        let noise = random.normal() * labelNoise.fractionDeviation
        let falsePositive = random.chance(labelNoise.falsePositiveFraction)
        if value == 0 { return falsePositive ? 0.1 : 0 }
        return (min(1, max(0, value + noise)) * 10).rounded() / 10
    }

    /// Every synthesized USV, Sex and strain recordings alike, in recording and time order; header row, LF.
    func groundTruth() -> [UInt8] {
        var text = Self.groundTruthColumns.joined(separator: ",") + "\n"
        let rate = Double(DondersSynthSource.sampleRate)
        for (recording, fileIDs) in zip(plan.recordings, plan.fileIDs) {
            let animal = recording.animal
            for (index, call) in recording.calls.enumerated() {
                let p = call.properties
                let stop = call.startSample + call.lengthSamples
                let fields = [
                    fileIDs.map { "\($0[index])" } ?? "", animal.recording, "\(animal.id)", animal.name,
                    animal.sex.rawValue, animal.genotype.rawValue,
                    String(format: "%.6f", Double(call.startSample) / rate), String(format: "%.6f", Double(stop) / rate),
                    "\(call.startSample)", "\(stop)",
                    hertz(p.startFrequencyHz), hertz(p.endFrequencyHz), hertz(p.minimumFrequencyHz),
                    hertz(p.maximumFrequencyHz), call.sound.track.shape.rawValue, "\(p.direction)", "\(p.peaks)",
                    "\(p.breaks)", String(format: "%.4f", p.broadband), String(format: "%.4f", p.tremolo),
                    String(format: "%.4f", p.complexity), String(format: "%.4f", call.sound.harmonicRatio),
                    number(call.sound.amplitude, digits: 6),
                ]
                text += fields.joined(separator: ",") + "\n"
            }
        }
        return Array(text.utf8)
    }

    private func number(_ value: Double, digits: Int = 5) -> String {
        value == 0 ? "0" : String(format: "%.\(digits)g", value)
    }

    private func hertz(_ value: Double) -> String { String(format: "%.1f", value) }
}
