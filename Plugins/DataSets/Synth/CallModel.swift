#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum Sex: String, Codable, Sendable, CaseIterable {
    case female, male

    /// The Donders tables' code: 0 female, 1 male.
    var code: Int { self == .female ? 0 : 1 }
    var letter: String { self == .female ? "F" : "M" }
}

enum Genotype: String, Codable, Sendable {
    case wildtype, cortexless
}

/// Sex and strain effects on call-parameter distributions. Values are the full effect (difficulty 0); the
/// generator multiplies each by `1 − difficulty`. The paper found that males' calls are longer, louder and
/// more often broadband, that average frequency and direction do not differ, and that most other properties
/// differ a little: so centre frequency and shape probabilities carry no sex effect at all, while sweep
/// width, bump width and AM depth differ slightly — details a spectrogram model can use and the twelve
/// scalar features do not show.
struct PopulationModel: Codable, Sendable, Hashable {
    // Duration: log-normal, clipped to the detector's 7–300 ms window.
    var medianDurationSeconds = 0.040
    var durationLogDeviation = 0.55
    /// ln(male median / female median) at difficulty 0.
    var durationLogRatioMaleFemale = 0.75
    /// The pipeline keeps runs longer than 7 ms; calls start at 8 ms so every true call is a USV by that rule.
    var minimumDurationSeconds = 0.008
    var maximumDurationSeconds = 0.300

    // Frequency: identical for both sexes.
    var meanCenterHz = 70_000.0
    var centerDeviationHz = 9_000.0
    var bandLowHz = 35_000.0
    var bandHighHz = 110_000.0
    var medianBandwidthHz = 12_000.0
    var bandwidthLogDeviation = 0.5
    /// ln(male / female median sweep width) at difficulty 0.
    var bandwidthLogRatioMaleFemale = 0.3
    var shapeProbabilities: [String: Double] = [
        CallShape.flat.rawValue: 0.22, CallShape.up.rawValue: 0.20, CallShape.down.rawValue: 0.20,
        CallShape.u.rawValue: 0.12, CallShape.invertedU.rawValue: 0.16, CallShape.chevron.rawValue: 0.10,
    ]

    // Peaks and breaks: Poisson means for a 40 ms call, growing with √(duration / 40 ms).
    var bumpsPerCall = 0.45
    var bumpSexEffect = 0.25
    var breaksPerCall = 0.30
    var breakSexEffect = 0.25
    var breakStepHz = 10_000.0...25_000.0
    /// Bump width as a fraction of the duration, and ln(male / female width) at difficulty 0.
    var bumpWidth = 0.04...0.09
    var bumpWidthLogRatioMaleFemale = 0.4

    // Tremolo (calls ≥ 25 ms only).
    var tremoloProbability = 0.14
    /// Females tremble slightly more often.
    var tremoloSexEffect = 0.05
    var tremoloRateHz = 50.0...150.0
    var tremoloDepthHz = 1_000.0...3_000.0
    var tremoloFraction = 0.25...1.0

    // Broadband segments.
    var broadbandProbability = 0.14
    /// Added for males and subtracted for females (scaled by 1 − difficulty).
    var broadbandSexEffect = 0.12
    var broadbandFraction = 0.08...0.45

    // Second harmonic (only where it stays below 145 kHz).
    var harmonicProbability = 0.25
    var harmonicSexEffect = 0.05
    var harmonicLevelDB = -25.0 ... -15.0

    // Level: in-band SNR of the fundamental against the white floor, 20·log10(A / σ_floor).
    var meanSNRdB = 24.0
    var snrDeviationDB = 3.5
    /// Male minus female mean SNR at difficulty 0.
    var snrSexEffectDB = 5.0
    var snrRangeDB = 15.0...35.0

    // Individual signatures.
    var animalFrequencyOffsetHz = 5_000.0
    var animalDurationLogDeviation = 0.15
    var animalShapePreferenceLogDeviation = 0.6
    var animalLevelDeviationDB = 2.0
    var animalRateLogDeviation = 0.2

    // Cortexless animals: subtly narrower sweeps and fewer peaks and breaks than their controls.
    var cortexlessBandwidthFactor = 0.85
    var cortexlessBumpFactor = 0.8
    var cortexlessBreakFactor = 0.8

    // Envelope.
    var rampSeconds = 0.001...0.003
    var amplitudeModulationDepth = 0.0...0.15
    /// Added to the AM depth of males and subtracted for females (half each) at difficulty 0.
    var amplitudeModulationSexEffect = 0.06
    var amplitudeModulationRateHz = 8.0...40.0
}

/// The distributions one (sex, genotype) group's calls are drawn from, after the difficulty is applied.
/// Written to `ground-truth.json` so that anyone can see exactly what separates the groups.
struct CallDistributions: Codable, Sendable, Hashable {
    var medianDurationSeconds: Double
    var durationLogDeviation: Double
    var meanCenterHz: Double
    var centerDeviationHz: Double
    var medianBandwidthHz: Double
    var bumpWidthScale: Double
    var bumpsPerCall: Double
    var breaksPerCall: Double
    var tremoloProbability: Double
    var broadbandProbability: Double
    var harmonicProbability: Double
    var meanSNRdB: Double
    var snrDeviationDB: Double
    var amplitudeModulationOffset: Double

    init(population p: PopulationModel, sex: Sex, genotype: Genotype, sexEffect: Double) {
        // −1 for females, +1 for males: each effect is split evenly around the population value.
        let side = sex == .male ? 0.5 : -0.5
        let effect = side * sexEffect
        medianDurationSeconds = p.medianDurationSeconds * exp(effect * p.durationLogRatioMaleFemale)
        durationLogDeviation = p.durationLogDeviation
        meanCenterHz = p.meanCenterHz
        centerDeviationHz = p.centerDeviationHz
        medianBandwidthHz = p.medianBandwidthHz * exp(effect * p.bandwidthLogRatioMaleFemale)
            * (genotype == .cortexless ? p.cortexlessBandwidthFactor : 1)
        bumpWidthScale = exp(effect * p.bumpWidthLogRatioMaleFemale)
        bumpsPerCall = p.bumpsPerCall * (1 + effect * 2 * p.bumpSexEffect)
            * (genotype == .cortexless ? p.cortexlessBumpFactor : 1)
        breaksPerCall = p.breaksPerCall * (1 + effect * 2 * p.breakSexEffect)
            * (genotype == .cortexless ? p.cortexlessBreakFactor : 1)
        tremoloProbability = p.tremoloProbability - effect * 2 * p.tremoloSexEffect
        broadbandProbability = max(0.01, p.broadbandProbability + effect * 2 * p.broadbandSexEffect)
        harmonicProbability = p.harmonicProbability + effect * 2 * p.harmonicSexEffect
        meanSNRdB = p.meanSNRdB + effect * p.snrSexEffectDB
        snrDeviationDB = p.snrDeviationDB
        amplitudeModulationOffset = effect * p.amplitudeModulationSexEffect
    }
}

/// What makes one animal recognisable: offsets it applies to every call, so that leave-one-animal-out is
/// harder than a random split (as in the paper: 77 % vs 85 %).
struct AnimalSignature: Codable, Sendable, Hashable {
    var frequencyOffsetHz: Double
    var durationScale: Double
    /// Relative preference for each shape (multiplies the population probabilities).
    var shapePreferences: [String: Double]
    var tremoloRateHz: Double
    var levelOffsetDB: Double
    var callRateFactor: Double
    /// Mean number of calls in a bout.
    var boutCallsMean: Double

    init(population p: PopulationModel, random: inout RandomSource) {
        frequencyOffsetHz = max(-p.animalFrequencyOffsetHz,
                                min(p.animalFrequencyOffsetHz, random.normal() * p.animalFrequencyOffsetHz / 2))
        durationScale = exp(random.normal() * p.animalDurationLogDeviation)
        var preferences: [String: Double] = [:]
        for shape in CallShape.allCases {
            preferences[shape.rawValue] = exp(random.normal() * p.animalShapePreferenceLogDeviation)
        }
        shapePreferences = preferences
        tremoloRateHz = random.uniform(p.tremoloRateHz.lowerBound, p.tremoloRateHz.upperBound)
        levelOffsetDB = random.normal() * p.animalLevelDeviationDB
        callRateFactor = exp(random.normal() * p.animalRateLogDeviation)
        boutCallsMean = random.uniform(4, 10)
    }

    /// The signatures with the mean frequency offset, log duration scale and level offset of the group
    /// removed: individual animals still differ, but with few animals per group the chance draw of the
    /// offsets cannot add to or cancel the sex effect that `difficulty` sets.
    static func centered(_ signatures: [AnimalSignature], population p: PopulationModel) -> [AnimalSignature] {
        guard signatures.count > 1 else { return signatures.map { $0.withoutOffsets } }
        let count = Double(signatures.count)
        let frequency = signatures.reduce(0) { $0 + $1.frequencyOffsetHz } / count
        let duration = signatures.reduce(0) { $0 + log($1.durationScale) } / count
        let level = signatures.reduce(0) { $0 + $1.levelOffsetDB } / count
        return signatures.map { signature in
            var centered = signature
            centered.frequencyOffsetHz = min(max(signature.frequencyOffsetHz - frequency, -p.animalFrequencyOffsetHz),
                                             p.animalFrequencyOffsetHz)
            centered.durationScale = exp(log(signature.durationScale) - duration)
            centered.levelOffsetDB = signature.levelOffsetDB - level
            return centered
        }
    }

    private var withoutOffsets: AnimalSignature {
        var copy = self
        copy.frequencyOffsetHz = 0
        copy.durationScale = 1
        copy.levelOffsetDB = 0
        return copy
    }
}

/// One animal of the data set and where its recording lies.
struct Animal: Sendable, Hashable {
    enum Group: String, Sendable, Codable { case sexResident = "sex-resident", cortexless, control }

    /// Numeric id: female NN → NN and male NN → NN + `maleIDOffset` (the original code's convention), cortexless
    /// NN → 100 + NN, control NN → 200 + NN.
    var id: Int
    var number: Int
    var name: String
    var sex: Sex
    var genotype: Genotype
    var group: Group
    /// The recording file relative to the data-set root (for zip members: `archive.zip//member`).
    var recording: String
    var signature: AnimalSignature
}

/// One synthesized USV: how it sounds and its true properties.
struct CallPlan: Sendable, Hashable {
    var sound: CallSound
    var properties: CallProperties

    var startSample: Int { sound.startSample }
    var lengthSamples: Int { sound.lengthSamples }
}

/// Everything `CallSynthesizer` needs to render one USV.
struct CallSound: Sendable, Hashable {
    var startSample: Int
    var lengthSamples: Int
    /// lengthSamples / sample rate.
    var duration: Double
    var track: FrequencyTrack
    var tremolo: Tremolo?
    /// Broadband parts as (start, end) fractions of the duration.
    var broadband: [ClosedRange<Double>]
    /// Second-harmonic amplitude relative to the fundamental, 0 when absent.
    var harmonicRatio: Double
    /// Peak linear amplitude of the fundamental (full scale 1).
    var amplitude: Double
    var rampOnSeconds: Double
    var rampOffSeconds: Double
    var modulationDepth: Double
    var modulationRateHz: Double
    var modulationPhase: Double
    /// Seed of this call's own noise (broadband parts).
    var noiseIndex: UInt64
}

/// The true properties of a call in the Donders label conventions (computed from the generator's parameters,
/// not measured from audio).
struct CallProperties: Sendable, Hashable {
    var duration: Double
    var averageFrequencyHz: Double
    var averageAmplitude: Double
    var startFrequencyHz: Double
    var endFrequencyHz: Double
    var minimumFrequencyHz: Double
    var maximumFrequencyHz: Double
    /// −1, 0, 1: sign of end − start frequency with a ±3 kHz dead zone.
    var direction: Int
    var peaks: Int
    var breaks: Int
    var broadband: Double
    var tremolo: Double
    /// (peaks + breaks) / 6 + tremolo / 2, at most 1.
    var complexity: Double
}

/// Draws calls for one animal from its group's distributions and its signature.
struct CallModel: Sendable {
    static let directionDeadZoneHz = 3_000.0
    /// A second harmonic is added only to calls whose whole second harmonic stays below this (Nyquist 150 kHz).
    static let harmonicCeilingHz = 145_000.0

    let population: PopulationModel
    let distributions: CallDistributions
    let signature: AnimalSignature
    let sampleRate: Int
    private let shapeWeights: [Double]

    init(population: PopulationModel, distributions: CallDistributions, signature: AnimalSignature, sampleRate: Int) {
        self.population = population
        self.distributions = distributions
        self.signature = signature
        self.sampleRate = sampleRate
        shapeWeights = CallShape.allCases.map {
            (population.shapeProbabilities[$0.rawValue] ?? 0) * (signature.shapePreferences[$0.rawValue] ?? 1)
        }
    }

    /// Mean call duration, for scheduling bouts at the requested call rate.
    var meanDurationSeconds: Double {
        distributions.medianDurationSeconds * signature.durationScale
            * exp(distributions.durationLogDeviation * distributions.durationLogDeviation / 2)
    }

    func drawDuration(_ random: inout RandomSource) -> Double {
        let p = population
        // Truncated, not clipped: redraw values outside the range so that no mass piles up at the limits.
        var value = 0.0
        for _ in 0..<32 {
            value = random.logNormal(median: distributions.medianDurationSeconds * signature.durationScale,
                                     logDeviation: distributions.durationLogDeviation)
            if value >= p.minimumDurationSeconds && value <= p.maximumDurationSeconds { return value }
        }
        return min(max(value, p.minimumDurationSeconds), p.maximumDurationSeconds)
    }

    /// A call of `duration` seconds starting at `startSample`.
    func drawCall(startSample: Int, duration requested: Double, noiseIndex: UInt64,
                  random: inout RandomSource) -> CallPlan {
        let p = population
        let d = distributions
        let lengthSamples = max(1, Int((requested * Double(sampleRate)).rounded()))
        let duration = Double(lengthSamples) / Double(sampleRate)
        let complexityScale = (duration / 0.040).squareRoot()

        // Track.
        let shape = CallShape.allCases[random.weightedIndex(shapeWeights)]
        let center = min(max(random.normal(mean: d.meanCenterHz, deviation: d.centerDeviationHz)
                             + signature.frequencyOffsetHz, 45_000), 100_000)
        let bandwidth = min(max(random.logNormal(median: d.medianBandwidthHz, logDeviation: p.bandwidthLogDeviation),
                                Self.directionDeadZoneHz + 2_000), 40_000)
        let tilt: Double
        let exponent: Double
        switch shape {
        case .flat:
            tilt = random.uniform(-2_000, 2_000)
            exponent = 1
        case .up, .down:
            tilt = 0
            exponent = exp(random.uniform(log(0.5), log(2)))
        case .u, .invertedU:
            tilt = random.normal() * 0.25 * bandwidth
            exponent = 1
        case .chevron:
            tilt = random.normal() * 0.2 * bandwidth
            exponent = random.uniform(1, 1.8)
        }
        let apex = random.uniform(0.3, 0.7)
        var bumps: [TrackBump] = []
        for _ in 0..<min(3, random.poisson(mean: d.bumpsPerCall * complexityScale)) {
            bumps.append(TrackBump(position: random.uniform(0.15, 0.85),
                                   width: random.uniform(p.bumpWidth.lowerBound, p.bumpWidth.upperBound) * d.bumpWidthScale,
                                   heightHz: random.uniform(4_000, 10_000)))
        }
        // Breaks need room: at least 5 ms between jumps and from the edges.
        let maximumBreaks = duration >= 0.015 ? min(3, Int(duration / 0.005) - 1) : 0
        let breakCount = min(maximumBreaks, random.poisson(mean: d.breaksPerCall * complexityScale))
        var track = FrequencyTrack(shape: shape, centerHz: center, bandwidthHz: bandwidth, tiltHz: tilt,
                                   exponent: exponent, apex: apex, bumps: bumps, jumps: []).meanCentered()
        track.jumps = drawJumps(count: breakCount, duration: duration, track: track, random: &random)

        // Tremolo: only where there is time for at least a cycle or two.
        var tremolo: Tremolo?
        if duration >= 0.025, random.chance(d.tremoloProbability) {
            let fraction = random.uniform(p.tremoloFraction.lowerBound, p.tremoloFraction.upperBound)
            let start = random.uniform(0, 1 - fraction)
            tremolo = Tremolo(start: start, end: start + fraction,
                              rateHz: signature.tremoloRateHz * random.uniform(0.9, 1.1),
                              depthHz: random.uniform(p.tremoloDepthHz.lowerBound, p.tremoloDepthHz.upperBound),
                              rampSeconds: min(0.002, fraction * duration / 4))
        }
        track = track.fitted(into: p.bandLowHz...p.bandHighHz, margin: 1_000 + (tremolo?.depthHz ?? 0))

        // Broadband parts: one or (in longer calls) two noisy stretches, each at least 1.5 ms.
        var broadband: [ClosedRange<Double>] = []
        if random.chance(d.broadbandProbability) {
            let fraction = min(1, max(random.uniform(p.broadbandFraction.lowerBound, p.broadbandFraction.upperBound),
                                      0.0015 / duration))
            if duration >= 0.040 && random.chance(0.4) {
                // Two stretches: split the free time at random before, between and after them.
                let first = fraction * random.uniform(0.3, 0.7)
                let before = random.uniform(0, 1 - fraction)
                let between = random.uniform(0, 1 - fraction - before)
                let secondStart = before + first + between
                broadband = [before...(before + first), secondStart...min(1, secondStart + fraction - first)]
            } else {
                let start = random.uniform(0, 1 - fraction)
                broadband = [start...(start + fraction)]
            }
        }

        let (_, maximumWithoutTremolo) = track.extremes(points: 257)
        let maximumFrequency = maximumWithoutTremolo + (tremolo?.depthHz ?? 0)
        var harmonicRatio = 0.0
        if 2 * maximumFrequency < Self.harmonicCeilingHz, random.chance(d.harmonicProbability) {
            harmonicRatio = pow(10, random.uniform(p.harmonicLevelDB.lowerBound, p.harmonicLevelDB.upperBound) / 20)
        }

        let snr = min(max(random.normal(mean: d.meanSNRdB + signature.levelOffsetDB, deviation: d.snrDeviationDB),
                          p.snrRangeDB.lowerBound), p.snrRangeDB.upperBound)
        let amplitude = NoiseModel.floorDeviation * pow(10, snr / 20)
        let rampLimit = duration / 4
        let sound = CallSound(
            startSample: startSample, lengthSamples: lengthSamples, duration: duration, track: track, tremolo: tremolo,
            broadband: broadband, harmonicRatio: harmonicRatio, amplitude: amplitude,
            rampOnSeconds: min(random.uniform(p.rampSeconds.lowerBound, p.rampSeconds.upperBound), rampLimit),
            rampOffSeconds: min(random.uniform(p.rampSeconds.lowerBound, p.rampSeconds.upperBound), rampLimit),
            modulationDepth: max(0, random.uniform(p.amplitudeModulationDepth.lowerBound, p.amplitudeModulationDepth.upperBound)
                                 + d.amplitudeModulationOffset),
            modulationRateHz: random.uniform(p.amplitudeModulationRateHz.lowerBound, p.amplitudeModulationRateHz.upperBound),
            modulationPhase: random.uniform(0, 2 * Double.pi),
            noiseIndex: noiseIndex)
        return CallPlan(sound: sound, properties: Self.measure(sound))
    }

    /// Jump positions at least 5 ms apart and from the edges; each jump's sign keeps the accumulated step
    /// within ±25 kHz and points back towards the band's middle when there is a choice.
    private func drawJumps(count: Int, duration: Double, track: FrequencyTrack,
                           random: inout RandomSource) -> [TrackJump] {
        guard count > 0 else { return [] }
        let edge = 0.005 / duration
        let range = max(0.15, edge)...min(0.85, max(1 - edge, 0.15))
        var positions: [Double] = []
        var attempts = 0
        while positions.count < count && attempts < 50 {
            attempts += 1
            let candidate = random.uniform(range.lowerBound, range.upperBound)
            if positions.allSatisfy({ abs($0 - candidate) * duration >= 0.005 }) { positions.append(candidate) }
        }
        positions.sort()
        let middle = (population.bandLowHz + population.bandHighHz) / 2
        var accumulated = 0.0
        var jumps: [TrackJump] = []
        for position in positions {
            let size = random.uniform(population.breakStepHz.lowerBound, population.breakStepHz.upperBound)
            let here = track.smooth(position) + accumulated
            var sign: Double = random.chance(0.5) ? 1 : -1
            if random.chance(0.6) { sign = here > middle ? -1 : 1 }
            if abs(accumulated + sign * size) > 25_000 { sign = -sign }
            accumulated += sign * size
            jumps.append(TrackJump(position: position, stepHz: sign * size))
        }
        return jumps
    }

    /// The true label-style properties of a call, from its parameters on a fine grid.
    static func measure(_ call: CallSound) -> CallProperties {
        let callSeconds = call.duration
        let cycles = (call.tremolo?.rateHz ?? 0) * callSeconds
        let points = max(1_025, Int(cycles * 32))
        var frequencySum = 0.0
        var envelopeSum = 0.0
        var minimum = Double.infinity
        var maximum = -Double.infinity
        for index in 0..<points {
            let u = (Double(index) + 0.5) / Double(points)
            let frequency = call.track.frequency(u) + (call.tremolo?.deviation(at: u, duration: callSeconds) ?? 0)
            frequencySum += frequency
            minimum = min(minimum, frequency)
            maximum = max(maximum, frequency)
            envelopeSum += envelope(call, at: u)
        }
        let start = call.track.frequency(0)
        let end = call.track.frequency(1)
        let change = end - start
        let direction = change > directionDeadZoneHz ? 1 : (change < -directionDeadZoneHz ? -1 : 0)
        let peaks = call.track.peakCount()
        let breaks = min(3, call.track.jumps.count)
        let broadband = min(1, call.broadband.reduce(0) { $0 + ($1.upperBound - $1.lowerBound) })
        let tremolo = call.tremolo?.fraction ?? 0
        return CallProperties(
            duration: callSeconds, averageFrequencyHz: frequencySum / Double(points),
            averageAmplitude: call.amplitude * envelopeSum / Double(points),
            startFrequencyHz: start, endFrequencyHz: end, minimumFrequencyHz: minimum, maximumFrequencyHz: maximum,
            direction: direction, peaks: peaks, breaks: breaks, broadband: broadband, tremolo: tremolo,
            complexity: min(1, Double(peaks + breaks) / 6 + 0.5 * tremolo))
    }

    /// Amplitude envelope (relative to `amplitude`) at fraction `u`: raised-cosine ramps times slow AM.
    static func envelope(_ call: CallSound, at u: Double) -> Double {
        let time = u * call.duration
        let remaining = (1 - u) * call.duration
        return raisedCosineRamp(time, length: call.rampOnSeconds) * raisedCosineRamp(remaining, length: call.rampOffSeconds)
            * (1 + call.modulationDepth * sin(2 * Double.pi * call.modulationRateHz * time + call.modulationPhase))
    }
}
