import Foundation
import USVCore
import USVSignal

/// The original pipeline's USV detector (../shared/docs/donders-dataset.md), on a spectrogram streamed
/// from disk:
///
/// 1. Spectrogram (MATLAB `hanning(500)`, hop 250, rows from 10 kHz) and the *sparse step*: bins below the
///    75th percentile of the magnitudes of two rows (the middle and two-thirds of the band) over a stretch
///    at the end of the recording are zeroed.
/// 2. Per time bin: the magnitude median-filtered over 5 bins; power = magnitude²; *spectral purity* =
///    largest power / total power; *mean frequency* = power-weighted mean frequency, median-filtered over
///    10 ms; *spectral discontinuity* = frame-to-frame jump of the spectral peak in kHz, median-filtered over
///    10 ms. The peak is taken on the frame before the time median (after it even noise looks continuous)
///    and located to a fraction of a row by parabolic interpolation. The deposited code that defines the
///    discontinuity is not available to us; this reading matches the paper's wording and its 0.8 threshold.
/// 3. A bin is good when purity > threshold (automatic: the mode of the purity's 100-bin histogram plus
///    twice the spread of the values below the mode), mean frequency ≥ 25 kHz and discontinuity ≤ 0.8 kHz.
/// 4. Runs of good bins closer than 15 ms are merged; runs lasting more than 7 ms and less than 500 ms are
///    USVs; each is trimmed to its first and last bin with any non-zero (sparse) value.
///
/// Memory: the spectrogram is never held; per frame only five numbers are kept (purity, mean frequency,
/// peak frequency, peak magnitude, non-zero flag), about 20 bytes per 0.83 ms of audio.
public struct PurityDetector: USVDetecting {
    public static let descriptor = PluginDescriptor(
        id: "feature.usv-detector", version: "1.0.0", kind: .feature,
        summary: "The original pipeline's USV detector: spectral purity, mean frequency and continuity on a sparse spectrogram",
        capabilities: ["detect", "streaming", "recording-audio"],
        parameters: [
            PluginParameter("window", type: "int", default: "500", "spectrogram window and FFT length, samples"),
            PluginParameter("hop", type: "int", default: "250", "spectrogram hop, samples"),
            PluginParameter("min-row-frequency", type: "Hz", default: "10000", "rows below this frequency are dropped"),
            PluginParameter("sparse", type: "bool", default: "true", "zero bins below the sparse threshold"),
            PluginParameter("sparse-percentile", type: "percent", default: "75", "percentile of the reference magnitudes"),
            PluginParameter("sparse-stretch", type: "s", default: "10", "length of the reference stretch at the end of the recording"),
            PluginParameter("magnitude-median", type: "bins", default: "5", "time median filter on the magnitude"),
            PluginParameter("purity-threshold", type: "auto|number", default: "auto", "spectral purity threshold"),
            PluginParameter("min-mean-frequency", type: "Hz", default: "25000", "smallest mean frequency of a USV bin"),
            PluginParameter("max-discontinuity", type: "kHz/bin", default: "0.8", "largest smoothed peak jump between bins"),
            PluginParameter("smoothing", type: "ms", default: "10", "median filter length for mean frequency and discontinuity"),
            PluginParameter("min-duration", type: "ms", default: "7", "USVs must last longer than this"),
            PluginParameter("max-duration", type: "ms", default: "500", "USVs must last less than this"),
            PluginParameter("merge-gap", type: "ms", default: "15", "runs separated by less than this are merged"),
        ])

    public static let input = FeatureInput.recordingAudio
    public static let outputNames = ["start", "stop", "min-frequency", "max-frequency", "peak-amplitude", "mean-amplitude"]

    public init() {}

    /// The parameters as typed values.
    struct Settings {
        var spectrogram: SpectrogramParameters
        var sparse: Bool
        var sparsePercentile: Double
        var sparseStretch: Double
        var magnitudeMedian: Int
        var purityThreshold: Double?
        var minMeanFrequency: Double
        var maxDiscontinuity: Double
        var smoothing: Double
        var minDuration: Double
        var maxDuration: Double
        var mergeGap: Double

        init(_ values: ParameterValues) throws {
            let window = try values.int("window")
            spectrogram = SpectrogramParameters(windowLength: window, hop: try values.int("hop"), fftLength: window,
                                                minimumFrequency: try values.double("min-row-frequency"))
            sparse = values["sparse"] != "false"
            sparsePercentile = try values.double("sparse-percentile")
            sparseStretch = try values.double("sparse-stretch")
            magnitudeMedian = try values.int("magnitude-median")
            purityThreshold = values["purity-threshold"] == "auto" ? nil : try values.double("purity-threshold")
            minMeanFrequency = try values.double("min-mean-frequency")
            maxDiscontinuity = try values.double("max-discontinuity")
            smoothing = try values.double("smoothing") / 1000
            minDuration = try values.double("min-duration") / 1000
            maxDuration = try values.double("max-duration") / 1000
            mergeGap = try values.double("merge-gap") / 1000
            guard magnitudeMedian == 5 || magnitudeMedian == 1 else {
                throw USVError.usage("magnitude-median must be 5 (the original) or 1 (off), got \(magnitudeMedian)")
            }
        }
    }

    public func detect(recordingAt path: String, parameters: ParameterValues) throws -> DetectionResult {
        let settings = try Settings(parameters)
        let info = try AudioFileReader(path: path).info
        let sparseThreshold = settings.sparse ? try Self.sparseThreshold(path: path, info: info, settings: settings) : 0
        let track = try FrameTrack.measure(path: path, sampleRate: info.sampleRate, settings: settings,
                                          sparseThreshold: sparseThreshold)
        let threshold = settings.purityThreshold ?? Self.automaticThreshold(track.purity)
        let usvs = Self.segment(track, settings: settings, purityThreshold: threshold, sampleRate: info.sampleRate)
        return DetectionResult(recording: path, sampleRate: info.sampleRate, frames: info.frames, duration: info.duration,
                               detector: Self.descriptor.id, detectorVersion: Self.descriptor.version,
                               parameterFingerprint: parameters.fingerprint, purityThreshold: threshold,
                               sparseThreshold: Double(sparseThreshold), usvs: usvs)
    }

    /// The 75th percentile of the magnitudes of the middle row and the row at two-thirds of the band over
    /// the last `sparseStretch` seconds (the whole recording when shorter).
    static func sparseThreshold(path: String, info: AudioInfo, settings: Settings) throws -> Float {
        let stretch = min(info.frames, Int(settings.sparseStretch * Double(info.sampleRate)))
        let signal = try AudioFileReader(path: path).readSignal(frames: (info.frames - stretch)..<info.frames)
        let spectrogram = try SpectrogramEngine(parameters: settings.spectrogram, sampleRate: info.sampleRate).spectrogram(of: signal.samples)
        guard spectrogram.frames > 0 else { return 0 }
        let rows = [spectrogram.rows / 2, spectrogram.rows * 2 / 3]
        var reference: [Float] = []
        reference.reserveCapacity(2 * spectrogram.frames)
        for frame in 0..<spectrogram.frames {
            for row in rows { reference.append(spectrogram[row, frame]) }
        }
        return percentile(reference, settings.sparsePercentile)
    }

    /// Mode of the 100-bin histogram of the purity values plus twice the spread (root mean square distance
    /// to the mode) of the values below the mode.
    static func automaticThreshold(_ purity: [Float]) -> Double {
        guard let low = purity.min(), let high = purity.max(), high > low else { return Double(purity.first ?? 0) }
        let width = (high - low) / 100
        var counts = [Int](repeating: 0, count: 100)
        for value in purity { counts[min(99, Int((value - low) / width))] += 1 }
        let modeBin = counts.indices.max { counts[$0] < counts[$1] } ?? 0
        let mode = Double(low) + (Double(modeBin) + 0.5) * Double(width)
        var sum = 0.0
        var count = 0
        for value in purity where Double(value) < mode {
            sum += (Double(value) - mode) * (Double(value) - mode)
            count += 1
        }
        let spread = count > 0 ? (sum / Double(count)).squareRoot() : Double(width)
        return mode + 2 * spread
    }

    /// Turns the per-frame measures into USVs.
    static func segment(_ track: FrameTrack, settings: Settings, purityThreshold: Double, sampleRate: Int) -> [DetectedUSV] {
        let count = track.purity.count
        guard count > 0 else { return [] }
        let hop = settings.spectrogram.hop
        let frameRate = Double(sampleRate) / Double(hop)
        let smoothing = max(1, Int((settings.smoothing * frameRate).rounded()))
        let meanFrequency = medianFilter(track.meanFrequency, window: smoothing)
        var jumps = [Float](repeating: 0, count: count)
        for frame in 1..<max(1, count) { jumps[frame] = abs(track.peakFrequency[frame] - track.peakFrequency[frame - 1]) / 1000 }
        let discontinuity = medianFilter(jumps, window: smoothing)
        let good = (0..<count).map { frame in
            Double(track.purity[frame]) > purityThreshold && Double(meanFrequency[frame]) >= settings.minMeanFrequency
                && Double(discontinuity[frame]) <= settings.maxDiscontinuity
        }
        // Runs of good frames, then merge runs whose gap is shorter than the merge gap.
        var runs: [ClosedRange<Int>] = []
        var start: Int?
        for frame in 0...count {
            let isGood = frame < count && good[frame]
            if isGood, start == nil { start = frame }
            if !isGood, let first = start {
                let run = first...(frame - 1)
                if let last = runs.last, Double(run.lowerBound - last.upperBound - 1) / frameRate < settings.mergeGap {
                    runs[runs.count - 1] = last.lowerBound...run.upperBound
                } else {
                    runs.append(run)
                }
                start = nil
            }
        }
        let halfWindow = settings.spectrogram.windowLength / 2
        return runs.compactMap { run -> DetectedUSV? in
            // Trim to the first and last bin with any non-zero value of the sparse spectrogram.
            guard let first = run.first(where: { track.nonZero[$0] }),
                  let last = run.last(where: { track.nonZero[$0] }) else { return nil }
            // A frame stands for the time around its window centre, ±hop/2.
            let startSample = max(0, first * hop + halfWindow - hop / 2)
            let stopSample = last * hop + halfWindow + hop / 2
            let duration = Double(stopSample - startSample) / Double(sampleRate)
            guard duration > settings.minDuration, duration < settings.maxDuration else { return nil }
            let frames = first...last
            let peaks = frames.map { track.peakMagnitude[$0] }
            let frequencies = frames.map { track.peakFrequency[$0] }
            return DetectedUSV(startSample: startSample, stopSample: stopSample, sampleRate: sampleRate,
                               minimumFrequency: Double(frequencies.min() ?? 0), maximumFrequency: Double(frequencies.max() ?? 0),
                               peakAmplitude: Double(peaks.max() ?? 0),
                               meanAmplitude: Double(peaks.reduce(0, +)) / Double(max(1, peaks.count)))
        }
    }
}

/// Per-frame measures of a whole recording, computed from the streamed spectrogram.
struct FrameTrack {
    var purity: [Float] = []
    var meanFrequency: [Float] = []
    var peakFrequency: [Float] = []
    var peakMagnitude: [Float] = []
    var nonZero: [Bool] = []

    static func measure(path: String, sampleRate: Int, settings: PurityDetector.Settings,
                        sparseThreshold: Float) throws -> FrameTrack {
        var track = FrameTrack()
        let parameters = settings.spectrogram
        let frequencies = parameters.frequencies(sampleRate: sampleRate).map(Float.init)
        var ring: [[Float]] = []  // the last five sparse frames, oldest first
        var filtered: [Float] = []
        var rowsCount = 0

        func emit(_ frame: [Float], raw: [Float], anyNonZero: Bool) {
            var total: Float = 0
            var weighted: Float = 0
            var best: Float = -1
            for row in 0..<rowsCount {
                let power = frame[row] * frame[row]
                total += power
                weighted += power * frequencies[row]
                best = max(best, power)
            }
            track.purity.append(total > 0 ? best / total : 0)
            track.meanFrequency.append(total > 0 ? weighted / total : 0)
            // The peak track comes from the unsmoothed frame: after the 5-bin time median even noise looks
            // continuous, while raw noise peaks jump about and raw whistle peaks follow the call.
            var rawBest: Float = 0
            var bestRow = 0
            for row in 0..<rowsCount where raw[row] > rawBest {
                rawBest = raw[row]
                bestRow = row
            }
            track.peakMagnitude.append(rawBest)
            // Parabolic interpolation of the peak on the magnitude: sub-row peak frequency.
            var offset: Float = 0
            if bestRow > 0, bestRow < rowsCount - 1 {
                let left = raw[bestRow - 1], centre = raw[bestRow], right = raw[bestRow + 1]
                let denominator = left - 2 * centre + right
                if denominator < 0 { offset = max(-0.5, min(0.5, 0.5 * (left - right) / denominator)) }
            }
            let binWidth = rowsCount > 1 ? frequencies[1] - frequencies[0] : 0
            track.peakFrequency.append(rawBest > 0 ? frequencies[bestRow] + offset * binWidth : 0)
            track.nonZero.append(anyNonZero)
        }

        var nonZeroRing: [Bool] = []
        func push(_ frame: [Float], nonZero: Bool) {
            guard settings.magnitudeMedian == 5 else { emit(frame, raw: frame, anyNonZero: nonZero); return }
            ring.append(frame)
            nonZeroRing.append(nonZero)
            if ring.count > 5 { ring.removeFirst(); nonZeroRing.removeFirst() }
            // With five frames in the ring, the middle one (index 2) gets its time median.
            guard ring.count == 5 else { return }
            if filtered.count != rowsCount { filtered = [Float](repeating: 0, count: rowsCount) }
            for row in 0..<rowsCount {
                filtered[row] = median5(ring[0][row], ring[1][row], ring[2][row], ring[3][row], ring[4][row])
            }
            emit(filtered, raw: ring[2], anyNonZero: nonZeroRing[2])
        }

        try StreamingSpectrogram(parameters: parameters).run(path: path) { _, frames, rows, values in
            if rowsCount == 0 {
                rowsCount = rows
                // MATLAB medfilt1 pads with zeros: two zero frames before the first.
                if settings.magnitudeMedian == 5 {
                    ring = [[Float](repeating: 0, count: rows), [Float](repeating: 0, count: rows)]
                    nonZeroRing = [false, false]
                }
            }
            var frame = [Float](repeating: 0, count: rows)
            for index in 0..<frames {
                var anyNonZero = false
                for row in 0..<rows {
                    let value = values[index * rows + row]
                    let kept = value >= sparseThreshold ? value : 0
                    frame[row] = kept
                    if kept > 0 { anyNonZero = true }
                }
                push(frame, nonZero: anyNonZero)
            }
        }
        if settings.magnitudeMedian == 5 && rowsCount > 0 {
            // Flush the last two frames with zero padding, as medfilt1 does at the end.
            let zeros = [Float](repeating: 0, count: rowsCount)
            push(zeros, nonZero: false)
            push(zeros, nonZero: false)
        }
        return track
    }
}
