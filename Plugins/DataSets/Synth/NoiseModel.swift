#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The background of a recording: low-frequency cage noise whose level wanders (loud below 10 kHz, where the
/// pipeline's spectrogram does not look, and rolling off into its lowest rows), a white floor well
/// below the calls, and occasional broadband clicks that are not USVs (and not in the ground truth).
/// Levels are chosen so that the sum of everything stays below 0.9 full scale: calls ≤ 0.084 (35 dB over the
/// floor) × 1.15 AM, broadband parts ≤ 4.3 σ of 0.8 × that, cage noise ≤ 4.3 σ × 2, clicks ≤ 0.1.
struct NoiseModel: Codable, Sendable, Hashable {
    /// Standard deviation of the white floor (full scale 1); call SNRs are stated against it.
    static let floorDeviation = 0.0015

    var floorDeviation = NoiseModel.floorDeviation
    /// Cage noise: Gaussian noise through a 4th-order Butterworth low-pass, this standard deviation at level 0 dB.
    var cageDeviation = 0.02
    var cageCutoffHz = 6_000.0
    /// The cage-noise level is a clipped AR(1) walk in dB with one step per `cageLevelStepSeconds`.
    var cageLevelStepSeconds = 0.1
    var cageLevelPersistence = 0.95
    var cageLevelInnovationDB = 1.2
    var cageLevelRangeDB = -10.0...6.0
    var clicksPerSecond = 0.4
    var clickSeconds = 0.001...0.003
    var clickPeak = 0.01...0.1
    /// Samples are clamped here as a last guard; the ground truth counts how many needed it (normally 0).
    var limit = 0.9

    /// Clicks of one recording, in time order (a Poisson process).
    func clicks(frames: Int, sampleRate: Int, random: inout RandomSource) -> [ClickPlan] {
        var clicks: [ClickPlan] = []
        let seconds = Double(frames) / Double(sampleRate)
        var time = random.exponential(mean: 1 / clicksPerSecond)
        while time < seconds - clickSeconds.upperBound {
            let length = Int(random.uniform(clickSeconds.lowerBound, clickSeconds.upperBound) * Double(sampleRate))
            let peak = exp(random.uniform(log(clickPeak.lowerBound), log(clickPeak.upperBound)))
            clicks.append(ClickPlan(startSample: Int(time * Double(sampleRate)), lengthSamples: max(1, length), peak: peak))
            time += random.exponential(mean: 1 / clicksPerSecond)
        }
        return clicks
    }
}

/// A broadband transient: white noise under a sharp onset and exponential decay.
struct ClickPlan: Sendable, Hashable {
    var startSample: Int
    var lengthSamples: Int
    var peak: Double

    func render(random: RandomSource) -> [Float] {
        var noise = GaussianNoise(random)
        let decay = Double(lengthSamples) / 4
        let onset = 15.0
        return GaussianTable.values.withUnsafeBufferPointer { table in
            (0..<lengthSamples).map { index in
                let position = Double(index)
                let envelope = min(1, position / onset) * exp(-position / decay)
                // Gaussian values are within ±4.3: divide so that `peak` bounds the click.
                return Float(peak * envelope / 4.3) * noise.next(table)
            }
        }
    }
}

/// A biquad section in transposed direct form II (double precision state: stable at low cutoffs).
struct Biquad: Sendable {
    var b0, b1, b2, a1, a2: Double
    private var z1 = 0.0
    private var z2 = 0.0

    init(b0: Double, b1: Double, b2: Double, a1: Double, a2: Double) {
        self.b0 = b0
        self.b1 = b1
        self.b2 = b2
        self.a1 = a1
        self.a2 = a2
    }

    /// RBJ cookbook low-pass.
    static func lowPass(cutoffHz: Double, q: Double, sampleRate: Double) -> Biquad {
        let omega = 2 * Double.pi * cutoffHz / sampleRate
        let alpha = sin(omega) / (2 * q)
        let cosine = cos(omega)
        let a0 = 1 + alpha
        return Biquad(b0: (1 - cosine) / 2 / a0, b1: (1 - cosine) / a0, b2: (1 - cosine) / 2 / a0,
                      a1: -2 * cosine / a0, a2: (1 - alpha) / a0)
    }

    /// RBJ cookbook high-pass.
    static func highPass(cutoffHz: Double, q: Double, sampleRate: Double) -> Biquad {
        let omega = 2 * Double.pi * cutoffHz / sampleRate
        let alpha = sin(omega) / (2 * q)
        let cosine = cos(omega)
        let a0 = 1 + alpha
        return Biquad(b0: (1 + cosine) / 2 / a0, b1: -(1 + cosine) / a0, b2: (1 + cosine) / 2 / a0,
                      a1: -2 * cosine / a0, a2: (1 - alpha) / a0)
    }

    /// The two sections of a 4th-order Butterworth filter (Q = 0.5412 and 1.3066).
    static let butterworthFourthOrderQ = [0.541_196_1, 1.306_563]

    @inline(__always)
    mutating func process(_ input: Double) -> Double {
        let output = b0 * input + z1
        z1 = b1 * input - a1 * output + z2
        z2 = b2 * input - a2 * output
        return output
    }
}

/// Streams the background of one recording block by block (constant memory, deterministic for its stream).
struct BackgroundNoise {
    private let model: NoiseModel
    private var noise: GaussianNoise
    private var levelRandom: RandomSource
    private var sections: [Biquad]
    /// Makes the filtered noise unit-variance before `cageDeviation` is applied.
    private let cageInputGain: Double
    private let stepSamples: Int
    private var levelDB = 0.0
    private var nextLevelDB = 0.0
    private var stepIndex = 0

    init(model: NoiseModel, sampleRate: Int, noiseRandom: RandomSource, levelRandom: RandomSource) {
        self.model = model
        noise = GaussianNoise(noiseRandom)
        self.levelRandom = levelRandom
        let rate = Double(sampleRate)
        sections = Biquad.butterworthFourthOrderQ.map { Biquad.lowPass(cutoffHz: model.cageCutoffHz, q: $0, sampleRate: rate) }
        // Power gain of the filter from its impulse response, so the level is what the model says.
        var probe = sections
        var energy = 0.0
        for index in 0..<16_384 {
            var value = index == 0 ? 1.0 : 0.0
            for section in probe.indices { value = probe[section].process(value) }
            energy += value * value
        }
        cageInputGain = 1 / max(energy, 1e-12).squareRoot()
        stepSamples = max(1, Int(model.cageLevelStepSeconds * rate))
        levelDB = drawLevel(from: 0)
        nextLevelDB = drawLevel(from: levelDB)
    }

    private mutating func drawLevel(from previous: Double) -> Double {
        let value = model.cageLevelPersistence * previous + levelRandom.normal() * model.cageLevelInnovationDB
        return min(max(value, model.cageLevelRangeDB.lowerBound), model.cageLevelRangeDB.upperBound)
    }

    /// Writes the next `buffer.count` background samples into `buffer` (overwriting it).
    mutating func fill(_ buffer: inout [Float], startFrame: Int) {
        let floor = Float(model.floorDeviation)
        let cageScale = model.cageDeviation * cageInputGain
        let chunk = 64
        GaussianTable.values.withUnsafeBufferPointer { table in
            buffer.withUnsafeMutableBufferPointer { output in
                var index = 0
                while index < output.count {
                    // Level: linear in dB between steps, recomputed every 64 samples.
                    let frame = startFrame + index
                    while frame / stepSamples > stepIndex {
                        stepIndex += 1
                        levelDB = nextLevelDB
                        nextLevelDB = drawLevel(from: levelDB)
                    }
                    let within = Double(frame - stepIndex * stepSamples) / Double(stepSamples)
                    let gain = cageScale * pow(10, (levelDB + (nextLevelDB - levelDB) * within) / 20)
                    let end = min(output.count, index + chunk)
                    var s0 = sections[0]
                    var s1 = sections[1]
                    for position in index..<end {
                        let cage = s1.process(s0.process(Double(noise.next(table))))
                        output[position] = Float(cage * gain) + floor * noise.next(table)
                    }
                    sections[0] = s0
                    sections[1] = s1
                    index = end
                }
            }
        }
    }
}
