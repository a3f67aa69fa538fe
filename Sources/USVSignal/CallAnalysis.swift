import Foundation
import USVCore

/// Thresholds of the automatic call-property estimates. Defaults match the label conventions of the
/// Donders data set as the synthetic twin defines them (direction dead zone ±3 kHz, peaks with ≥ 1 kHz
/// prominence, breaks as jumps of the frequency track).
public struct CallAnalysisSettings: Sendable, Hashable {
    /// |end − start| frequency change below this is "flat" (direction 0).
    public var directionDeadZone: Double = 3_000
    /// A step of the peak track larger than this, that persists, is a break.
    public var breakStep: Double = 5_000
    /// Interior maxima of the smoothed, de-jumped track with at least this prominence are peaks.
    public var peakProminence: Double = 1_000
    /// A frame is broadband when its magnitude above a quarter of its maximum spans more than this.
    public var broadbandSpan: Double = 25_000
    /// Tremolo: RMS deviation of the de-jumped track from its 10 ms running mean above this.
    public var tremoloDepth: Double = 500
    /// Smoothing of the peak track before counting peaks, seconds (removes tremolo).
    public var smoothing: Double = 0.012
    /// The smoothing applies only when at least this fraction of the call trembles.
    public var smoothingTremolo: Double = 0.2
    /// Where the edge frequencies for the direction are taken, in frames from the first and last frame
    /// centres (−1 is the detected edge: frame f's centre lies f + 1 hops into the call).
    public var edgePosition: Double = -1

    public init() {}
}

/// Per-USV measurements on a spectrogram: the peak track and everything derived from it. Shared by the
/// properties, vectors and extended-feature plugins (plugins never call each other).
public struct CallAnalysis: Sendable {
    public let spectrogram: Spectrogram
    /// Frequency (Hz) of the largest magnitude per frame, refined by parabolic interpolation.
    public let peakTrack: [Double]
    /// Largest magnitude per frame.
    public let peakMagnitude: [Float]
    /// Frames whose peak stands clearly out of the USV's background (4× its median magnitude) and within
    /// 20 dB of its loudest frame.
    public let voiced: [Bool]
    /// Frames whose energy spans a wide band (clicks, noisy parts).
    public let broadbandFrames: [Bool]
    let settings: CallAnalysisSettings

    public init(_ spectrogram: Spectrogram, settings: CallAnalysisSettings = CallAnalysisSettings()) {
        self.spectrogram = spectrogram
        self.settings = settings
        let rows = spectrogram.rows
        let frequencies = spectrogram.frequencies
        let binWidth = rows > 1 ? frequencies[1] - frequencies[0] : 1
        let background = Double(percentile(spectrogram.values, 50))
        var track: [Double] = []
        var magnitudes: [Float] = []
        var voiced: [Bool] = []
        var broadband: [Bool] = []
        for frame in 0..<spectrogram.frames {
            var best: Float = -1
            var bestRow = 0
            for row in 0..<rows where spectrogram[row, frame] > best {
                best = spectrogram[row, frame]
                bestRow = row
            }
            var offset = 0.0
            if bestRow > 0, bestRow < rows - 1 {
                let left = Double(spectrogram[bestRow - 1, frame]), centre = Double(best)
                let right = Double(spectrogram[bestRow + 1, frame])
                let denominator = left - 2 * centre + right
                if denominator < 0 { offset = max(-0.5, min(0.5, 0.5 * (left - right) / denominator)) }
            }
            track.append(frequencies.isEmpty ? 0 : frequencies[bestRow] + offset * binWidth)
            magnitudes.append(max(best, 0))
            voiced.append(Double(best) > 4 * background)
            var low = rows
            var high = -1
            for row in 0..<rows where spectrogram[row, frame] >= best / 4 {
                low = min(low, row)
                high = max(high, row)
            }
            broadband.append(Double(high - low) * binWidth > settings.broadbandSpan)
        }
        // A frame far below the call's loudest (−20 dB) is noise at the call's edge (a detector's boundary
        // may include a frame or two past the call), not a part of the call's track.
        let loudest = magnitudes.max() ?? 0
        for frame in voiced.indices where magnitudes[frame] < loudest / 10 { voiced[frame] = false }
        peakTrack = track
        peakMagnitude = magnitudes
        self.voiced = voiced
        broadbandFrames = broadband
    }

    /// Frames used for the frequency track: voiced and not broadband.
    var tonalFrames: [Int] { (0..<peakTrack.count).filter { voiced[$0] && !broadbandFrames[$0] } }

    /// `values` on tonal frames, with the other frames filled by linear interpolation (edges held).
    func filledGaps(_ values: [Double]) -> [Double] {
        let tonal = tonalFrames
        guard let first = tonal.first, let last = tonal.last else { return values }
        var output = values
        var previous = first
        var nextIndex = 0
        for index in 0..<output.count {
            if index <= first { output[index] = values[first]; continue }
            if index >= last { output[index] = values[last]; continue }
            while nextIndex < tonal.count && tonal[nextIndex] <= index { nextIndex += 1 }
            if voiced[index] && !broadbandFrames[index] { previous = index; continue }
            let next = nextIndex < tonal.count ? tonal[nextIndex] : last
            let fraction = Double(index - previous) / Double(max(1, next - previous))
            output[index] = values[previous] + fraction * (values[next] - values[previous])
        }
        return output
    }

    /// The track on tonal frames with gaps filled by linear interpolation (edges held).
    public var cleanTrack: [Double] { filledGaps(peakTrack) }

    /// Positions (the first frame after the step) and sizes (Hz) of the track's breaks. The track is a smooth
    /// curve plus steps: a break is a discontinuity between consecutive tonal frames (a gap of up to three
    /// non-tonal frames may separate them: a frequency jump splatters energy across the band for a frame or
    /// two) that is larger than `breakStep`, much larger than the local slope on either side (a steep sweep
    /// moves fast but continuously), and persists (a spike that returns is a peak, not two breaks). Its size
    /// is the difference of straight lines fitted to three tonal frames on each side, both taken at the gap,
    /// so that a break in a sweep leaves no dip or bump behind when it is removed.
    public var jumps: [(frame: Int, step: Double)] {
        let tonal = tonalFrames
        guard tonal.count >= 6 else { return [] }
        let track = peakTrack
        var found: [(Int, Double)] = []
        var index = 3
        while index <= tonal.count - 3 {
            let before = tonal[index - 1], after = tonal[index]
            let jump = track[after] - track[before]
            guard after - before <= 4, abs(jump) > settings.breakStep else { index += 1; continue }
            let left = TrackLine(tonal[(index - 3)..<index], track), right = TrackLine(tonal[index..<(index + 3)], track)
            let boundary = Double(before + after) / 2
            let step = right.value(at: boundary) - left.value(at: boundary)
            let slope = max(abs(left.slope), abs(right.slope)) * Double(after - before)
            let persistent = median(tonal[index..<(index + 3)].map { track[$0] }) - median(tonal[(index - 3)..<index].map { track[$0] })
            if abs(step) > settings.breakStep && abs(jump) > 2.5 * slope && abs(persistent) > settings.breakStep && persistent * jump > 0 {
                found.append((after, step))
                index += 3
            } else {
                index += 1
            }
        }
        return found
    }

    /// The peak track with the breaks removed and the gaps filled.
    var continuousTrack: [Double] {
        var track = peakTrack
        for jump in jumps {
            for index in jump.frame..<track.count { track[index] -= jump.step }
        }
        return filledGaps(track)
    }

    /// The continuous track, with tremolo smoothed out when the call trembles: where peaks are counted.
    public var smoothTrack: [Double] {
        let track = continuousTrack
        // A running mean removes tremolo, but flattens narrow peaks too: it is applied only when a good part
        // of the call trembles (and then over at most a fifth of the call), and only to calls long enough to
        // tell tremolo from a single wiggle (two running-mean windows).
        let window10ms = Int((0.010 * spectrogram.frameRate).rounded())
        let trembles = track.count >= 2 * window10ms && tremolo > settings.smoothingTremolo
        let window = trembles ? max(1, min(Int((settings.smoothing * spectrogram.frameRate).rounded()), track.count / 5)) : 1
        return movingAverage(track, window: window, edgeSafe: true)
    }

    public var duration: Double { Double(spectrogram.frames) / spectrogram.frameRate }

    /// −1, 0 or 1: sign of the end − start frequency change (breaks included) beyond the dead zone. The
    /// frequencies at the call's edges come from straight lines through the first and last three tonal
    /// frames, extended to the edges (frame centres lie a hop inside them; a steep sweep moves kilohertz
    /// in that time).
    public var direction: Int {
        let tonal = tonalFrames
        guard tonal.count >= 2 else { return 0 }
        let jumpFrames = jumps.map(\.frame)
        let count = min(3, tonal.count)
        // Fit within the stretch before the first break and after the last one.
        let head = edgeFrames(Array(tonal.prefix { $0 < (jumpFrames.first ?? Int.max) }), count: count)
        let tail = edgeFrames(Array(tonal.reversed().prefix { $0 >= (jumpFrames.last ?? Int.min) }), count: count).reversed()
        let start = TrackLine(head.isEmpty ? Array(tonal.prefix(count)) : head, peakTrack).value(at: settings.edgePosition)
        let end = TrackLine(tail.isEmpty ? Array(tonal.suffix(count)) : Array(tail), peakTrack)
            .value(at: Double(peakTrack.count - 1) - settings.edgePosition)
        let change = end - start
        return change > settings.directionDeadZone ? 1 : (change < -settings.directionDeadZone ? -1 : 0)
    }

    /// The first `count` of `candidates` (tonal frames ordered from a call's edge inwards) whose frequency lies
    /// within a break step of the median of the first five: a lone frame of noise at the edge (cage noise in
    /// the lowest rows, a click) is neither a break nor part of the track, and would tilt the edge's line.
    func edgeFrames(_ candidates: [Int], count: Int) -> [Int] {
        let nearest = Array(candidates.prefix(5))
        let centre = median(nearest.map { peakTrack[$0] })
        return Array(nearest.filter { abs(peakTrack[$0] - centre) <= settings.breakStep }.prefix(count))
    }

    public var breaks: Int { min(3, jumps.count) }

    public var peaks: Int {
        let track = smoothTrack
        return countProminentMaxima(track, prominence: settings.peakProminence, cap: 3)
    }

    /// Fraction of the frames that are broadband.
    public var broadband: Double {
        guard !broadbandFrames.isEmpty else { return 0 }
        return Double(broadbandFrames.filter { $0 }.count) / Double(broadbandFrames.count)
    }

    /// Fraction of the frames in which the de-jumped track oscillates around its running mean.
    public var tremolo: Double {
        let track = continuousTrack
        let window = max(3, Int((0.010 * spectrogram.frameRate).rounded()))
        guard track.count > window else { return 0 }
        let mean = movingAverage(track, window: window, edgeSafe: true)
        let residual = zip(track, mean).map { $0 - $1 }
        // Tremolo oscillates: within the window the track swings both ways about its running mean by more
        // than the depth, about equally (a single bump swings up far more than down), and crosses it at
        // least twice.
        let half = window / 2
        var flagged = 0
        for frame in residual.indices {
            let stretch = residual[max(0, frame - half)...min(residual.count - 1, frame + half)]
            let up = stretch.max() ?? 0, down = -(stretch.min() ?? 0)
            var crossings = 0
            var previousSign = 0.0
            for value in stretch where value != 0 {
                let sign: Double = value > 0 ? 1 : -1
                if previousSign != 0 && sign != previousSign { crossings += 1 }
                previousSign = sign
            }
            if up > settings.tremoloDepth && down > settings.tremoloDepth && min(up, down) > 0.5 * max(up, down) && crossings >= 2 {
                flagged += 1
            }
        }
        return Double(flagged) / Double(track.count)
    }

    /// (peaks + breaks) / 6 + tremolo / 2, at most 1 — the complexity score of the label conventions.
    public var complex: Double { min(1, Double(peaks + breaks) / 6 + 0.5 * tremolo) }

    /// Mean over frames of the power-weighted mean frequency, in Hz and as a 1-based row index (the
    /// original code's form).
    public var averageFrequency: (hertz: Double, row: Double) {
        let rows = spectrogram.rows
        let frequencies = spectrogram.frequencies
        var sumHertz = 0.0
        var sumRow = 0.0
        var counted = 0
        for frame in 0..<spectrogram.frames {
            var total = 0.0
            var weightedHertz = 0.0
            var weightedRow = 0.0
            for row in 0..<rows {
                let power = Double(spectrogram[row, frame]) * Double(spectrogram[row, frame])
                total += power
                weightedHertz += power * frequencies[row]
                weightedRow += power * Double(row + 1)
            }
            guard total > 0 else { continue }
            sumHertz += weightedHertz / total
            sumRow += weightedRow / total
            counted += 1
        }
        return counted > 0 ? (sumHertz / Double(counted), sumRow / Double(counted)) : (0, 0)
    }

    /// Mean magnitude of the call: the mean over frames of each frame's largest magnitude.
    public var averageVolume: Double {
        peakMagnitude.isEmpty ? 0 : Double(peakMagnitude.reduce(0, +)) / Double(peakMagnitude.count)
    }

    // MARK: - Vectors

    /// Sum over frequency per frame.
    public var timeMarginal: [Float] {
        (0..<spectrogram.frames).map { frame in (0..<spectrogram.rows).reduce(Float(0)) { $0 + spectrogram[$1, frame] } }
    }

    /// Sum over time per row.
    public var frequencyMarginal: [Float] {
        (0..<spectrogram.rows).map { row in (0..<spectrogram.frames).reduce(Float(0)) { $0 + spectrogram[row, $1] } }
    }

    /// Per frame, the frequency (Hz) at which the cumulative energy reaches 50 %, on the spectrogram cleaned
    /// by a 3×3 median filter; frames without energy are interpolated from their neighbours.
    public var spectralLine: [Float] {
        let cleaned = medianFilter3x3(spectrogram)
        let frequencies = spectrogram.frequencies
        var line = [Float?](repeating: nil, count: spectrogram.frames)
        for frame in 0..<spectrogram.frames {
            let column = (0..<spectrogram.rows).map { Double(cleaned[frame * spectrogram.rows + $0]) }
            let total = column.reduce(0) { $0 + $1 * $1 }
            guard total > 0 else { continue }
            var cumulative = 0.0
            for row in 0..<spectrogram.rows {
                cumulative += column[row] * column[row]
                if cumulative >= total / 2 { line[frame] = Float(frequencies[row]); break }
            }
        }
        return interpolateGaps(line)
    }
}

// MARK: - Small numeric helpers

/// The least-squares straight line through `track` at `frames` (a constant for one frame).
struct TrackLine {
    let slope: Double
    let meanFrame: Double
    let meanValue: Double

    init<Frames: Collection<Int>>(_ frames: Frames, _ track: [Double]) {
        let count = Double(max(1, frames.count))
        let frameMean = frames.reduce(0.0) { $0 + Double($1) } / count
        let valueMean = frames.reduce(0.0) { $0 + track[$1] } / count
        let spread = frames.reduce(0.0) { $0 + (Double($1) - frameMean) * (Double($1) - frameMean) }
        let covariance = frames.reduce(0.0) { $0 + (Double($1) - frameMean) * (track[$1] - valueMean) }
        (meanFrame, meanValue, slope) = (frameMean, valueMean, spread > 0 ? covariance / spread : 0)
    }

    func value(at frame: Double) -> Double { meanValue + slope * (frame - meanFrame) }
}

public func median(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/// Centred moving average; with `edgeSafe` the window shrinks at the ends instead of padding with zeros.
public func movingAverage(_ values: [Double], window: Int, edgeSafe: Bool) -> [Double] {
    guard window > 1, !values.isEmpty else { return values }
    let half = window / 2
    return values.indices.map { index in
        let low = max(0, index - half), high = min(values.count - 1, index + half)
        let sum = values[low...high].reduce(0, +)
        return edgeSafe ? sum / Double(high - low + 1) : sum / Double(window)
    }
}

/// Interior local maxima with at least `prominence` (height above the higher of the lowest points between
/// the maximum and the nearest higher point or edge on each side), at most `cap`.
public func countProminentMaxima(_ values: [Double], prominence: Double, cap: Int) -> Int {
    guard values.count >= 3 else { return 0 }
    var count = 0
    for index in 1..<(values.count - 1) {
        let value = values[index]
        guard value > values[index - 1], value >= values[index + 1] else { continue }
        var leftBase = value
        var left = index - 1
        while left >= 0 && values[left] <= value { leftBase = min(leftBase, values[left]); left -= 1 }
        var rightBase = value
        var right = index + 1
        while right < values.count && values[right] <= value { rightBase = min(rightBase, values[right]); right += 1 }
        if value - max(leftBase, rightBase) >= prominence { count += 1 }
    }
    return min(count, cap)
}

/// 3×3 median filter of a frame-major spectrogram, zero-padded (MATLAB `medfilt2`).
public func medianFilter3x3(_ spectrogram: Spectrogram) -> [Float] {
    let rows = spectrogram.rows, frames = spectrogram.frames
    var output = [Float](repeating: 0, count: rows * frames)
    var window = [Float](repeating: 0, count: 9)
    for frame in 0..<frames {
        for row in 0..<rows {
            var count = 0
            for df in -1...1 {
                for dr in -1...1 {
                    let f = frame + df, r = row + dr
                    window[count] = f >= 0 && f < frames && r >= 0 && r < rows ? spectrogram[r, f] : 0
                    count += 1
                }
            }
            window.sort()
            output[frame * rows + row] = window[4]
        }
    }
    return output
}

/// Fills nil entries by linear interpolation between known neighbours (edges held; all-nil gives zeros).
public func interpolateGaps(_ values: [Float?]) -> [Float] {
    let known = values.indices.filter { values[$0] != nil }
    guard let first = known.first, let last = known.last else { return [Float](repeating: 0, count: values.count) }
    var output = [Float](repeating: 0, count: values.count)
    var previous = first
    for index in values.indices {
        if let value = values[index] { output[index] = value; previous = index; continue }
        if index < first { output[index] = values[first] ?? 0; continue }
        if index > last { output[index] = values[last] ?? 0; continue }
        let next = known.first { $0 > index } ?? last
        let fraction = Float(index - previous) / Float(max(1, next - previous))
        let low = values[previous] ?? 0, high = values[next] ?? 0
        output[index] = low + fraction * (high - low)
    }
    return output
}

/// Linear resampling of `values` to `count` points (the fixed-length vectors models take).
public func resample(_ values: [Float], to count: Int) -> [Float] {
    guard count > 0 else { return [] }
    guard values.count > 1 else { return [Float](repeating: values.first ?? 0, count: count) }
    return (0..<count).map { index in
        let position = count == 1 ? 0 : Double(index) * Double(values.count - 1) / Double(count - 1)
        let low = Int(position.rounded(.down)), high = min(values.count - 1, low + 1)
        let fraction = Float(position - Double(low))
        return values[low] + fraction * (values[high] - values[low])
    }
}

/// Mean, variance, skewness and kurtosis of a distribution given as weights over positions (the moments
/// of a marginal), or of plain samples when `weights` is nil.
public func moments(_ values: [Double], weights: [Double]? = nil) -> (mean: Double, variance: Double, skewness: Double, kurtosis: Double) {
    let w = weights ?? [Double](repeating: 1, count: values.count)
    let total = w.reduce(0, +)
    guard total > 0 else { return (0, 0, 0, 0) }
    let mean = zip(values, w).reduce(0) { $0 + $1.0 * $1.1 } / total
    var m2 = 0.0, m3 = 0.0, m4 = 0.0
    for (value, weight) in zip(values, w) {
        let d = value - mean
        m2 += weight * d * d
        m3 += weight * d * d * d
        m4 += weight * d * d * d * d
    }
    m2 /= total; m3 /= total; m4 /= total
    guard m2 > 0 else { return (mean, 0, 0, 0) }
    return (mean, m2, m3 / pow(m2, 1.5), m4 / (m2 * m2))
}
