#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import USVSignal

/// The basic contour of a USV's frequency track, as human labellers name them.
enum CallShape: String, CaseIterable, Codable, Sendable {
    case flat, up, down, u = "U", invertedU = "inverted-U", chevron
}

/// A Gaussian bump on the smooth track: how interior peaks arise.
struct TrackBump: Sendable, Hashable, Codable {
    /// Centre as a fraction of the call's duration.
    var position: Double
    /// Standard deviation as a fraction of the duration.
    var width: Double
    var heightHz: Double
}

/// An instantaneous frequency jump (a "break").
struct TrackJump: Sendable, Hashable, Codable {
    var position: Double
    var stepHz: Double
}

/// Sinusoidal frequency modulation over part of the call, faded in and out over `rampSeconds` so that the
/// track has no step where it starts or stops.
struct Tremolo: Sendable, Hashable, Codable {
    var start: Double
    var end: Double
    var rateHz: Double
    var depthHz: Double
    var rampSeconds: Double

    var fraction: Double { end - start }

    /// Frequency deviation at fraction `u` of a call lasting `duration` seconds.
    func deviation(at u: Double, duration: Double) -> Double {
        guard u > start, u < end else { return 0 }
        let time = (u - start) * duration
        let remaining = (end - u) * duration
        let fade = raisedCosineRamp(min(time, remaining), length: rampSeconds)
        return depthHz * fade * sin(2 * Double.pi * rateHz * time)
    }
}

/// 0 at `position` 0, 1 from `length` on, raised-cosine in between: smooth onsets without clicks.
@inline(__always)
func raisedCosineRamp(_ position: Double, length: Double) -> Double {
    if position <= 0 { return 0 }
    if position >= length || length <= 0 { return 1 }
    return 0.5 - 0.5 * cos(Double.pi * position / length)
}

/// The fundamental-frequency track of one call as a function of the fraction `u` ∈ [0, 1] of its duration:
/// a shape, bumps and jumps, fitted into the USV band. Tremolo is added on top by the caller.
struct FrequencyTrack: Sendable, Hashable, Codable {
    var shape: CallShape
    var centerHz: Double
    /// Extent of the shape's sweep before `modulationScale`.
    var bandwidthHz: Double
    /// End-minus-start slant added to the symmetric shapes (U, inverted U, chevron, flat).
    var tiltHz: Double
    /// Shape exponent: curvature of up/down sweeps, sharpness of the chevron apex.
    var exponent: Double
    /// Chevron apex position.
    var apex: Double
    var bumps: [TrackBump]
    var jumps: [TrackJump]
    /// Factor on the smooth deviation (shape and bumps) that `fitted(into:)` may lower to stay in band.
    var modulationScale: Double = 1
    /// Shift that `fitted(into:)` may apply to stay in band.
    var offsetHz: Double = 0
    /// Minus the mean of shape and bumps: makes `centerHz` the smooth track's mean, so that sweep width,
    /// bumps and shape (which differ a little between the sexes) never move the average frequency.
    var meanCorrectionHz: Double = 0

    /// Shape deviation from the centre, before scaling.
    func shapeDeviation(_ u: Double) -> Double {
        switch shape {
        case .flat:
            return tiltHz * (u - 0.5)
        case .up:
            return bandwidthHz * (pow(u, exponent) - 0.5)
        case .down:
            return -bandwidthHz * (pow(u, exponent) - 0.5)
        case .u:
            let x = 2 * u - 1
            return bandwidthHz * (x * x - 1.0 / 3) + tiltHz * (u - 0.5)
        case .invertedU:
            let x = 2 * u - 1
            return -bandwidthHz * (x * x - 1.0 / 3) + tiltHz * (u - 0.5)
        case .chevron:
            let tent = u < apex ? u / apex : (1 - u) / (1 - apex)
            return bandwidthHz * (pow(max(tent, 0), exponent) - 0.5) + tiltHz * (u - 0.5)
        }
    }

    func bumpDeviation(_ u: Double) -> Double {
        var total = 0.0
        for bump in bumps {
            let z = (u - bump.position) / bump.width
            total += bump.heightHz * exp(-0.5 * z * z)
        }
        return total
    }

    /// The smooth track (no jumps, no tremolo): where peaks are counted.
    func smooth(_ u: Double) -> Double {
        centerHz + offsetHz + modulationScale * (shapeDeviation(u) + bumpDeviation(u) + meanCorrectionHz)
    }

    /// The track with `meanCorrectionHz` set.
    func meanCentered(points: Int = 257) -> FrequencyTrack {
        var track = self
        var sum = 0.0
        for index in 0..<points {
            let u = (Double(index) + 0.5) / Double(points)
            sum += shapeDeviation(u) + bumpDeviation(u)
        }
        track.meanCorrectionHz = -sum / Double(points)
        return track
    }

    func jumpOffset(_ u: Double) -> Double {
        var total = 0.0
        for jump in jumps where u >= jump.position { total += jump.stepHz }
        return total
    }

    /// Smooth track plus jumps.
    func frequency(_ u: Double) -> Double { smooth(u) + jumpOffset(u) }

    /// Scales down the sweep and shifts the track so that it stays within `band` (with `margin` left for
    /// tremolo); drops the last jump while even a flat sweep with the jumps cannot fit.
    func fitted(into band: ClosedRange<Double>, margin: Double) -> FrequencyTrack {
        var track = self
        let low = band.lowerBound + margin
        let high = band.upperBound - margin
        for _ in 0...3 {
            for scale in [1.0, 0.8, 0.6, 0.45, 0.3, 0.2, 0.1] {
                track.modulationScale = scale
                track.offsetHz = 0
                let (minimum, maximum) = track.extremes(points: 257)
                guard maximum - minimum <= high - low else { continue }
                if maximum > high { track.offsetHz = high - maximum }
                if minimum < low { track.offsetHz = low - minimum }
                return track
            }
            if track.jumps.isEmpty { break }
            track.jumps.removeLast()
        }
        track.modulationScale = 0
        track.offsetHz = 0
        track.centerHz = min(max(track.centerHz, low), high)
        return track
    }

    /// Minimum and maximum of `frequency` on an even grid of `points`.
    func extremes(points: Int) -> (Double, Double) {
        var minimum = Double.infinity
        var maximum = -Double.infinity
        for index in 0..<points {
            let value = frequency(Double(index) / Double(points - 1))
            minimum = min(minimum, value)
            maximum = max(maximum, value)
        }
        return (minimum, maximum)
    }

    /// Wiggles smaller than this are not peaks (a labeller would not see them in a 600 Hz-per-row spectrogram).
    static let peakMinimumProminenceHz = 1_000.0

    /// Interior local maxima of the smooth track whose prominence is at least `peakMinimumProminenceHz`, capped at 3
    /// as the labels are. Prominence: height above the higher of the two lowest points between the peak and
    /// the nearest higher point (or the call's edge) on each side.
    func peakCount(points: Int = 513) -> Int {
        let values = (0..<points).map { smooth(Double($0) / Double(points - 1)) }
        return countProminentMaxima(values, prominence: Self.peakMinimumProminenceHz, cap: 3)
    }
}
