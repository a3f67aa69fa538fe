import Foundation

/// `GROUND_TRUTH/ground-truth.json` (schemas/ground-truth.schema.json): what the columns of `usvs.csv` mean,
/// which animals and recordings exist, the counts, and every parameter the generator used, so that results
/// computed on the twin can be checked against what was put in.
struct GroundTruthDescription: Codable, Sendable {
    static let path = "GROUND_TRUTH/ground-truth.json"

    struct Generator: Codable, Sendable {
        var id: String
        var version: String
    }

    struct Column: Codable, Sendable {
        var name: String
        var type: String
        var unit: String?
        var description: String
    }

    struct AnimalEntry: Codable, Sendable {
        var id: Int
        var name: String
        var sex: String
        var genotype: String
        var group: String
        var recording: String
        var signature: AnimalSignature
    }

    struct RecordingEntry: Codable, Sendable {
        var path: String
        var animalId: Int
        var frames: Int
        var seconds: Double
        var usvs: Int
        var clicks: Int
        /// Samples clamped at the limit (0 unless something is wrong with the level design).
        var limitedSamples: Int
        var peak: Double
    }

    struct Counts: Codable, Sendable {
        var usvs: Int
        /// USVs per group: `female`, `male` (Sex recordings), `cortexless`, `control` (strain recordings).
        var byGroup: [String: Int]
        /// USVs per animal id (as text keys, JSON objects need them).
        var byAnimal: [String: Int]
        var humanLabelled: Int
        var clicks: Int
        var recordings: Int
        var animals: Int
    }

    struct Settings: Codable, Sendable {
        var femaleAnimals: Int
        var maleAnimals: Int
        var sexSeconds: Double
        var cortexlessAnimals: Int
        var controlAnimals: Int
        var strainSeconds: Double
        var callsPerSecond: Double
        var sampleRateHz: Int
        var bitsPerSample: Int
        var maleIdOffset: Int
    }

    struct Parameters: Codable, Sendable {
        var settings: Settings
        var population: PopulationModel
        /// Keyed `female-wildtype`, `male-wildtype`, `female-cortexless`, `male-cortexless`.
        var distributions: [String: CallDistributions]
        var schedule: ScheduleModel
        var noise: NoiseModel
        var labels: LabelNoiseModel
        var synthesis: Synthesis
    }

    struct Synthesis: Codable, Sendable {
        var gridStepSamples: Int
        var broadbandEdgeSeconds: Double
        var broadbandToneLevel: Double
        var broadbandNoiseLevel: Double
        var directionDeadZoneHz: Double
        var peakMinimumProminenceHz: Double
        var harmonicMaximumHz: Double
    }

    var schemaVersion = 1
    var synthetic = true
    var generator: Generator
    var scale: String
    var seed: UInt64
    var difficulty: Double
    var conventions: [String: String]
    var files: [String: String]
    var columns: [Column]
    var animals: [AnimalEntry]
    var recordings: [RecordingEntry]
    var counts: Counts
    var parameters: Parameters

    static let columnDescriptions: [Column] = [
        Column(name: "fileid", type: "integer", unit: nil,
               description: "Shuffled 0-based USV index as in the Donders tables; empty for strain (zip) recordings"),
        Column(name: "recording", type: "string", unit: nil,
               description: "Recording path relative to the data-set root; zip members as archive.zip//member"),
        Column(name: "animal_id", type: "integer", unit: nil,
               description: "Female NN → NN, male NN → NN+10 (Donders convention), cortexless NN → 100+NN, control NN → 200+NN"),
        Column(name: "animal_name", type: "string", unit: nil,
               description: "RfemNN, RmaleNN (Sex recordings) or Cortexless_<F|M>NN, Control_<F|M>NN"),
        Column(name: "sex", type: "string", unit: nil, description: "female or male (the Donders tables code 0 and 1)"),
        Column(name: "genotype", type: "string", unit: nil, description: "wildtype or cortexless"),
        Column(name: "start_s", type: "number", unit: "s", description: "Onset: start_sample / 300000"),
        Column(name: "stop_s", type: "number", unit: "s", description: "Offset: stop_sample / 300000"),
        Column(name: "start_sample", type: "integer", unit: "sample", description: "First sample of the call"),
        Column(name: "stop_sample", type: "integer", unit: "sample", description: "One past the last sample of the call"),
        Column(name: "f_start_hz", type: "number", unit: "Hz", description: "Fundamental at the onset (track with jumps, without tremolo)"),
        Column(name: "f_end_hz", type: "number", unit: "Hz", description: "Fundamental at the offset (track with jumps, without tremolo)"),
        Column(name: "f_min_hz", type: "number", unit: "Hz", description: "Lowest instantaneous fundamental, tremolo included"),
        Column(name: "f_max_hz", type: "number", unit: "Hz", description: "Highest instantaneous fundamental, tremolo included"),
        Column(name: "shape", type: "string", unit: nil, description: "flat, up, down, U, inverted-U or chevron"),
        Column(name: "direction", type: "integer", unit: nil,
               description: "Sign of f_end − f_start with a ±3 kHz dead zone: −1, 0 or 1"),
        Column(name: "peaks", type: "integer", unit: nil,
               description: "Interior local maxima of the smooth track with prominence ≥ 1 kHz, capped at 3"),
        Column(name: "breaks", type: "integer", unit: nil, description: "Instantaneous frequency jumps of 10–25 kHz, 0–3"),
        Column(name: "broadband", type: "number", unit: "fraction", description: "Fraction of the duration that is broadband noise"),
        Column(name: "tremolo", type: "number", unit: "fraction", description: "Fraction of the duration with tremolo (sinusoidal FM)"),
        Column(name: "complex", type: "number", unit: "fraction", description: "min(1, (peaks + breaks) / 6 + tremolo / 2)"),
        Column(name: "harmonic", type: "number", unit: "ratio",
               description: "Second-harmonic amplitude relative to the fundamental (0: none; present only when below 145 kHz)"),
        Column(name: "amplitude", type: "number", unit: "full scale",
               description: "Peak linear amplitude of the fundamental before envelope and AM (full scale 1)"),
    ]

    static let conventionTexts: [String: String] = [
        "sexRecordings": "Data/RawRecordings/Sex/Rfem_AfemNN.wav (resident female NN) and Rmale_AfemNN.wav (resident male NN), "
            + "each with an anaesthetised female partner: every USV belongs to the resident",
        "strainRecordings": "Data/RawRecordings/Strain/RecordingsCortexless.zip members RecordingsCortexless/<Genotype>_<Sex><NN>.wav: "
            + "Genotype Cortexless or Control, Sex F or M (alternating M, F, … within a genotype), NN the 2-digit number within the genotype",
        "fileid": "A seeded permutation of 0..N−1 over the Sex recordings' USVs; it carries no sex or animal information",
        "featuresTable": "No header, CRLF; columns named in the file name; avgfreq in kHz, avgvol = mean linear amplitude "
            + "(full scale 1) of the fundamental over the call",
        "labelsTable": "labeling-human2.csv: fileid,direction,peaks,breaks,broadband,tremolo,complex for a seeded subset, "
            + "the true values with label noise (see parameters.labels)",
        "groundTruthTable": "GROUND_TRUTH/usvs.csv: header row, LF; every synthesized USV including strain recordings; "
            + "broadband clicks are not USVs and are not listed",
        "difficulty": "Sex effect sizes are multiplied by 1 − difficulty: 0 very separable, 1 identical distributions",
    ]
}
