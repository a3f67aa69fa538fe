#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One period of a sine in a table: with linear interpolation its error (< 3e-7) is far below 16-bit
/// resolution, and it costs a fraction of `sin` on the hot path.
enum SineTable {
    static let size = 4_096
    /// `size + 1` entries, the last repeating the first, so interpolation never wraps.
    static let values: [Float] = (0...size).map { Float(sin(2 * Double.pi * Double($0) / Double(size))) }

    /// sin(2π·cycles) for cycles in [0, 1).
    @inline(__always)
    static func lookup(_ table: UnsafeBufferPointer<Float>, cycles: Double) -> Float {
        let position = cycles * Double(size)
        let index = Int(position)
        let fraction = Float(position - Double(index))
        let low = table[index]
        return low + (table[index + 1] - low) * fraction
    }
}

/// Renders one USV into a Float buffer: a phase-continuous frequency-modulated whistle (the phase integrates
/// the instantaneous frequency, so jumps and tremolo never cause phase steps), an optional second harmonic,
/// raised-cosine onset and offset with slow AM, and noisy broadband stretches.
struct CallSynthesizer {
    /// The slowly varying parts (smooth track, envelope, broadband weight) are evaluated every `gridStep`
    /// samples (53 µs at 300 kHz) and interpolated; jumps and tremolo are exact per sample.
    static let gridStep = 16
    /// Broadband stretches fade in and out over this long.
    static let broadbandEdgeSeconds = 0.0005
    /// Inside a broadband stretch the whistle drops to this fraction …
    static let broadbandToneLevel = 0.35
    /// … and noise of this standard deviation (relative to the amplitude) replaces it.
    static let broadbandNoiseLevel = 0.8

    let sampleRate: Int

    func render(_ call: CallSound, seed: UInt64) -> [Float] {
        let count = call.lengthSamples
        let rate = Double(sampleRate)
        let duration = call.duration
        var random = RandomSource(seed: seed, stream: .callNoise, index: call.noiseIndex)
        var phase = random.uniform()
        let harmonicPhase = random.uniform()
        var noise = GaussianNoise(random)

        // Grid of slow quantities.
        let gridCount = count / Self.gridStep + 2
        var smooth = [Double](repeating: 0, count: gridCount)
        var envelope = [Float](repeating: 0, count: gridCount)
        var broadbandWeight = [Float](repeating: 0, count: gridCount)
        for index in 0..<gridCount {
            let u = min(1, Double(index * Self.gridStep) / Double(count))
            smooth[index] = call.track.smooth(u)
            envelope[index] = Float(call.amplitude * CallModel.envelope(call, at: u))
            var weight = 0.0
            for part in call.broadband {
                let inside = min(u - part.lowerBound, part.upperBound - u) * duration
                weight = max(weight, raisedCosineRamp(inside, length: Self.broadbandEdgeSeconds))
            }
            broadbandWeight[index] = Float(weight)
        }

        let jumpSamples = call.track.jumps.map { Int(($0.position * Double(count)).rounded()) }
        let jumpSteps = call.track.jumps.map(\.stepHz)
        var nextJump = 0
        var jumpOffset = 0.0
        let tremoloRange: Range<Int> = call.tremolo.map {
            Int($0.start * Double(count))..<Int(($0.end * Double(count)).rounded(.up))
        } ?? 0..<0
        let harmonic = Float(call.harmonicRatio)
        let toneDrop = Float(1 - Self.broadbandToneLevel)
        let noiseLevel = Float(Self.broadbandNoiseLevel / 2.squareRoot())
        var previousNoise: Float = 0

        var output = [Float](repeating: 0, count: count)
        SineTable.values.withUnsafeBufferPointer { sine in
            GaussianTable.values.withUnsafeBufferPointer { gaussian in
                output.withUnsafeMutableBufferPointer { samples in
                    for index in 0..<count {
                        while nextJump < jumpSamples.count && index >= jumpSamples[nextJump] {
                            jumpOffset += jumpSteps[nextJump]
                            nextJump += 1
                        }
                        let cell = index / Self.gridStep
                        let fraction = Double(index - cell * Self.gridStep) / Double(Self.gridStep)
                        var frequency = smooth[cell] + (smooth[cell + 1] - smooth[cell]) * fraction + jumpOffset
                        if let tremolo = call.tremolo, tremoloRange.contains(index) {
                            frequency += tremolo.deviation(at: Double(index) / Double(count), duration: duration)
                        }
                        phase += frequency / rate
                        phase -= phase.rounded(.down)
                        var tone = SineTable.lookup(sine, cycles: phase)
                        if harmonic > 0 {
                            var double = 2 * phase + harmonicPhase
                            double -= double.rounded(.down)
                            tone += harmonic * SineTable.lookup(sine, cycles: double)
                        }
                        let fractionFloat = Float(fraction)
                        let level = envelope[cell] + (envelope[cell + 1] - envelope[cell]) * fractionFloat
                        let weight = broadbandWeight[cell] + (broadbandWeight[cell + 1] - broadbandWeight[cell]) * fractionFloat
                        var value = tone
                        if weight > 0 {
                            // First difference of white noise: a rising spectrum, so the noisy stretch shows
                            // across the whole USV band rather than mostly at low frequencies.
                            let white = noise.next(gaussian)
                            value = tone * (1 - toneDrop * weight) + noiseLevel * weight * (white - previousNoise)
                            previousNoise = white
                        }
                        samples[index] = level * value
                    }
                }
            }
        }
        return output
    }
}
