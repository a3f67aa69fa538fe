#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SplitMix64: turns a seed (and a stream number) into well-mixed 64-bit states for `RandomSource`.
/// Used only for seeding, as its authors recommend.
struct SplitMix64 {
    private var state: UInt64

    init(_ seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}

/// Named, independent random streams. Every consumer of randomness draws from its own stream derived from
/// (seed, purpose, index), so that generating recordings in parallel or in another order never changes a
/// single byte of the output.
enum RandomStream: UInt64 {
    case animals = 1
    case schedule = 2
    case noise = 3
    case fileIDs = 4
    case humanLabels = 5
    case manifestOrder = 6
    case callNoise = 7
    case clickNoise = 8
}

/// xoshiro256** (Blackman & Vigna): fast, statistically strong and, unlike the system generator,
/// reproducible across machines and Swift versions. All distribution helpers are written here so that
/// no standard-library algorithm whose implementation might change sits between a seed and the bytes.
struct RandomSource {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// A generator whose state comes from SplitMix64 over the seed mixed with the stream and index.
    init(seed: UInt64, stream: RandomStream, index: UInt64 = 0) {
        var mixer = SplitMix64(seed)
        let base = mixer.next()
        var seeder = SplitMix64(base ^ (stream.rawValue &* 0xD1B5_4A32_D192_ED03) ^ (index &* 0x8CB9_2BA7_2F3D_8DD7))
        s0 = seeder.next()
        s1 = seeder.next()
        s2 = seeder.next()
        s3 = seeder.next()
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }
    }

    @inline(__always)
    mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, 7) &* 9
        let shifted = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= shifted
        s3 = rotateLeft(s3, 45)
        return result
    }

    @inline(__always)
    private func rotateLeft(_ value: UInt64, _ count: UInt64) -> UInt64 { (value << count) | (value >> (64 - count)) }

    /// Uniform in [0, 1) with 53 random bits.
    mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in [low, high).
    mutating func uniform(_ low: Double, _ high: Double) -> Double { low + (high - low) * uniform() }

    /// Uniform whole number in `range` (Lemire's multiply-shift; the tiny bias is irrelevant here).
    mutating func integer(in range: ClosedRange<Int>) -> Int {
        let width = UInt64(range.upperBound - range.lowerBound) + 1
        return range.lowerBound + Int(next().multipliedFullWidth(by: width).high)
    }

    mutating func chance(_ probability: Double) -> Bool { uniform() < probability }

    /// Standard normal by Box–Muller. Per-call parameters only: per-sample noise uses `GaussianTable`.
    mutating func normal() -> Double {
        let u1 = max(uniform(), 0x1.0p-60)
        let u2 = uniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    mutating func normal(mean: Double, deviation: Double) -> Double { mean + deviation * normal() }

    /// exp(N(logMedian, logDeviation)): durations, levels and rates are positive and right-skewed.
    mutating func logNormal(median: Double, logDeviation: Double) -> Double {
        median * exp(logDeviation * normal())
    }

    /// Exponential with this mean (waiting times between bouts and clicks).
    mutating func exponential(mean: Double) -> Double { -mean * log(max(1 - uniform(), 0x1.0p-60)) }

    /// Poisson count by inversion (the means used here are small).
    mutating func poisson(mean: Double) -> Int {
        guard mean > 0 else { return 0 }
        let limit = exp(-mean)
        var product = uniform()
        var count = 0
        while product > limit && count < 1000 {
            product *= uniform()
            count += 1
        }
        return count
    }

    /// Index drawn with probability proportional to `weights` (all ≥ 0, not all 0).
    mutating func weightedIndex(_ weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        var target = uniform() * total
        for (index, weight) in weights.enumerated() {
            target -= weight
            if target < 0 { return index }
        }
        return max(0, weights.count - 1)
    }

    /// Fisher–Yates, written out so the permutation for a seed never depends on the standard library.
    mutating func shuffle<T>(_ values: inout [T]) {
        guard values.count > 1 else { return }
        for index in stride(from: values.count - 1, to: 0, by: -1) {
            let other = integer(in: 0...index)
            if other != index { values.swapAt(index, other) }
        }
    }
}

/// 65,536 standard-normal quantiles in a table: per-sample Gaussian noise costs one table read per 16 random
/// bits instead of a logarithm and a cosine. The extreme entries are about ±4.3, which also bounds the noise
/// peaks (part of how the generator guarantees no clipping).
enum GaussianTable {
    static let size = 1 << 16
    static let values: [Float] = (0..<size).map { index in
        Float(inverseNormalCDF((Double(index) + 0.5) / Double(size)))
    }

    /// Acklam's rational approximation of the standard normal quantile (relative error < 1.2e-9).
    static func inverseNormalCDF(_ p: Double) -> Double {
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                 -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let low = 0.02425
        if p < low {
            let q = (-2 * log(p)).squareRoot()
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        if p > 1 - low {
            let q = (-2 * log(1 - p)).squareRoot()
            return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        let q = p - 0.5
        let r = q * q
        return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
            / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    }
}

/// Fills buffers with standard-normal samples from `GaussianTable`, four per 64-bit draw.
struct GaussianNoise {
    private var random: RandomSource
    private var bits: UInt64 = 0
    private var remaining = 0

    init(_ random: RandomSource) { self.random = random }

    @inline(__always)
    mutating func next(_ table: UnsafeBufferPointer<Float>) -> Float {
        if remaining == 0 {
            bits = random.next()
            remaining = 4
        }
        let index = Int(truncatingIfNeeded: bits & 0xFFFF)
        bits >>= 16
        remaining -= 1
        return table[index]
    }
}
