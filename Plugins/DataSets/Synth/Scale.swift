import USVCore

/// A named size of the synthetic data set. Every scale uses the same call, animal and noise models: only the
/// number and length of recordings, the call rate and the default difficulty change, so what a test learns
/// on `tiny` holds on `paper`.
struct SynthScale: Sendable, Hashable, Codable {
    var name: String
    var femaleAnimals: Int
    var maleAnimals: Int
    /// Length of each `Data/RawRecordings/Sex` recording.
    var sexSeconds: Double
    var cortexlessAnimals: Int
    var controlAnimals: Int
    /// Length of each recording inside `RecordingsCortexless.zip`.
    var strainSeconds: Double
    /// Mean USVs per second of recording (before each animal's own rate factor).
    var callsPerSecond: Double
    /// Default `difficulty`: 0 makes the sexes easy to tell apart, 1 identical.
    var difficulty: Double

    /// Unit tests: six short recordings, under 5 MB, made in well under a second (release).
    static let tiny = SynthScale(name: "tiny", femaleAnimals: 2, maleAnimals: 2, sexSeconds: 1.5,
                                 cortexlessAnimals: 1, controlAnimals: 1, strainSeconds: 0.5,
                                 callsPerSecond: 9, difficulty: 0.3)
    /// The demo: about 100 MB and a few hundred USVs, enough to look at and to train something small.
    static let small = SynthScale(name: "small", femaleAnimals: 3, maleAnimals: 3, sexSeconds: 20,
                                  cortexlessAnimals: 2, controlAnimals: 2, strainSeconds: 10,
                                  callsPerSecond: 2.5, difficulty: 0.5)
    /// The size of the published data set: 18 × 180 s Sex recordings (≈1.94 GB), 12 × 180 s in the zip,
    /// ≈10,000 USVs over the Sex recordings (the paper reports 10,055).
    static let paper = SynthScale(name: "paper", femaleAnimals: 10, maleAnimals: 8, sexSeconds: 180,
                                  cortexlessAnimals: 6, controlAnimals: 6, strainSeconds: 180,
                                  callsPerSecond: 3.15, difficulty: 0.6)

    static let all: [SynthScale] = [tiny, small, paper]

    static func named(_ name: String) throws -> SynthScale {
        guard let scale = all.first(where: { $0.name == name }) else {
            throw USVError.usage("unknown scale '\(name)'; use one of \(all.map(\.name).joined(separator: ", "))")
        }
        return scale
    }
}

/// The scale with the user's parameter overrides applied and checked: what one run generates.
struct SynthSettings: Sendable, Hashable {
    var scale: SynthScale
    var seed: UInt64
    var difficulty: Double
    var femaleAnimals: Int
    var maleAnimals: Int
    var sexSeconds: Double
    var cortexlessAnimals: Int
    var controlAnimals: Int
    var strainSeconds: Double

    /// Parameter names a `DondersSynthSource` accepts; "scale" or an empty value means "the scale's default".
    static let parameterNames = ["difficulty", "female-animals", "male-animals", "seconds",
                                 "cortexless-animals", "control-animals"]

    init(options: GenerationOptions) throws {
        scale = try SynthScale.named(options.scale)
        seed = options.seed
        let known = Set(Self.parameterNames)
        if let unknown = options.parameters.values.keys.sorted().first(where: { !known.contains($0) }) {
            throw USVError.usage("dataset-source.donders-synth has no parameter '\(unknown)'; "
                + "known: \(Self.parameterNames.sorted().joined(separator: ", "))")
        }
        /// Empty or "scale" (the descriptor's default) keeps the scale's value.
        func given(_ name: String) -> Bool {
            let value = options.parameters[name] ?? ""
            return !value.isEmpty && value != "scale"
        }
        func count(_ name: String, _ fallback: Int) throws -> Int {
            guard given(name) else { return fallback }
            let value = try options.parameters.int(name)
            guard (0...99).contains(value) else {
                throw USVError.usage("parameter '\(name)' must be between 0 and 99 (two-digit animal numbers), got \(value)")
            }
            return value
        }
        difficulty = scale.difficulty
        if given("difficulty") {
            difficulty = try options.parameters.double("difficulty")
            guard (0...1).contains(difficulty) else {
                throw USVError.usage("parameter 'difficulty' must be between 0 and 1, got \(difficulty)")
            }
        }
        femaleAnimals = try count("female-animals", scale.femaleAnimals)
        maleAnimals = try count("male-animals", scale.maleAnimals)
        cortexlessAnimals = try count("cortexless-animals", scale.cortexlessAnimals)
        controlAnimals = try count("control-animals", scale.controlAnimals)
        sexSeconds = scale.sexSeconds
        strainSeconds = scale.strainSeconds
        if given("seconds") {
            let seconds = try options.parameters.double("seconds")
            guard seconds >= 0.5, seconds <= 3600 else {
                throw USVError.usage("parameter 'seconds' must be between 0.5 and 3600, got \(seconds)")
            }
            sexSeconds = seconds
            strainSeconds = seconds
        }
        guard femaleAnimals + maleAnimals + cortexlessAnimals + controlAnimals > 0 else {
            throw USVError.usage("nothing to generate: every animal count is 0")
        }
    }

    /// How strongly the sexes differ: 1 − difficulty.
    var sexEffect: Double { 1 - difficulty }
}
