import Foundation
import USVCore
import USVSignal

/// The original pipeline's USV detector, on a spectrogram streamed from disk. Kept under its own id,
/// `feature.usv-detector-paper`, to reproduce the paper; tuned by its authors on one set of recordings, it
/// misses many calls in others (README, "Detection"), so `ToneContrastDetector` is the default.
///
///
/// 1. Spectrogram (MATLAB `hanning(500)`, hop 250, rows from 10 kHz) and the *sparse step*: bins below the
///    75th percentile of the magnitudes of two rows (the middle and two-thirds of the band) over a stretch
///    at the end of the recording are zeroed.
/// 2. Per time bin: the magnitude median-filtered over 5 bins; power = magnitude²; *spectral purity* =
///    largest power / total power; *mean frequency* = power-weighted mean frequency, median-filtered over
///    10 ms; *spectral discontinuity* = frame-to-frame jump of the spectral peak in kHz beyond the peak's
///    current slope (|f(t) − 2f(t−1) + f(t−2)|), median-filtered over 10 ms. Measured against the slope, a
///    steep but smooth sweep (chevrons reach 2 kHz per frame) is continuous while noise is not; the literal
///    frame-to-frame jump (|f(t) − f(t−1)|) is available as `discontinuity=jump`. The peak is taken on the
///    frame before the time median (after it even noise looks continuous) and located to a fraction of a row
///    by parabolic interpolation. The deposited code that defines the discontinuity is not available to us.
/// 3. A bin is good when purity > threshold (automatic: the mode of the purity's 100-bin histogram plus
///    twice the spread of the values below the mode, over the background bins — see `backgroundPurity`), mean frequency ≥ 25 kHz and discontinuity ≤ 0.8 kHz,
///    and — our addition — its peak in the ultrasonic rows (≥ 25 kHz) stands at least 4× (12 dB) above the
///    sparse reference level; the peak track for the discontinuity is also searched in those rows, so that
///    residual cage noise in the lowest rows cannot form a steady "track". After the
///    sparse step and the time median a noise bin has only a few non-zero rows, so its purity alone can be
///    as high as a whistle's; a whistle's peak is tens of times the reference level, noise almost never 4×.
/// 4. Runs of good bins closer than 15 ms are merged (and, ours, runs whose gap stays loud throughout: a
///    broadband part inside a call); runs lasting more than 7 ms and less than 500 ms are USVs; each is
///    trimmed to its first and last bin with any non-zero (sparse) value, then its edges are refined.
///
/// Memory: the spectrogram is never held, and recordings longer than a minute are detected in chunks of a
/// minute (see `detectInChunks`), so memory stays flat however long the recording.
public struct PurityDetector: USVDetecting {
    public static let descriptor = PluginDescriptor(
        id: "feature.usv-detector-paper", version: "1.0.0", kind: .feature,
        summary: "The original pipeline's USV detector (Ivanenko et al. 2020): spectral purity, mean frequency and continuity on a sparse spectrogram",
        capabilities: ["detect", "streaming", "recording-audio"],
        parameters: [
            PluginParameter("window", type: "int", default: "500", "spectrogram window and FFT length, samples"),
            PluginParameter("hop", type: "int", default: "250", "spectrogram hop, samples"),
            PluginParameter("min-row-frequency", type: "Hz", default: "10000", "rows below this frequency are dropped"),
            PluginParameter("sparse", type: "bool", default: "true", "zero bins below the sparse threshold"),
            PluginParameter("sparse-percentile", type: "percent", default: "75", "percentile of the reference magnitudes"),
            PluginParameter("sparse-stretch", type: "s", default: "10", "length of the reference stretch at the end of the recording"),
            PluginParameter("min-peak-ratio", type: "ratio", default: "4", "a bin's peak must reach this multiple of the sparse reference level (0: off)"),
            PluginParameter("min-peak-frequency", type: "Hz", default: "25000", "the peak is searched in rows from this frequency up"),
            PluginParameter("magnitude-median", type: "bins", default: "5", "time median filter on the magnitude"),
            PluginParameter("purity-threshold", type: "auto|number", default: "auto", "spectral purity threshold"),
            PluginParameter("min-mean-frequency", type: "Hz", default: "25000", "smallest mean frequency of a USV bin"),
            PluginParameter("max-discontinuity", type: "kHz/bin", default: "0.8", "largest smoothed peak jump between bins"),
            PluginParameter("discontinuity", type: "slope|jump", default: "slope", "jump beyond the current slope, or the plain jump"),
            PluginParameter("smoothing", type: "ms", default: "10", "median filter length for mean frequency and discontinuity"),
            PluginParameter("min-duration", type: "ms", default: "7", "USVs must last longer than this"),
            PluginParameter("max-duration", type: "ms", default: "500", "USVs must last less than this"),
            PluginParameter("merge-gap", type: "ms", default: "15", "runs separated by less than this are merged"),
        ])

    public static let input = FeatureInput.recordingAudio
    public static let outputNames = ["start", "stop", "min-frequency", "max-frequency", "peak-amplitude", "mean-amplitude"]

    public init() {}

    /// The parameters as typed values.
    struct Settings: Sendable {
        var spectrogram: SpectrogramParameters
        var sparse: Bool
        var sparsePercentile: Double
        var minPeakRatio: Double
        var minPeakFrequency: Double
        var sparseStretch: Double
        var magnitudeMedian: Int
        var purityThreshold: Double?
        var minMeanFrequency: Double
        var maxDiscontinuity: Double
        /// Measure the jump beyond the current slope (true) or the plain frame-to-frame jump.
        var discontinuityBeyondSlope: Bool
        var smoothing: Double
        var minDuration: Double
        var maxDuration: Double
        var mergeGap: Double
        /// The channel analysed (set by `detect`, not a parameter).
        var channel: ChannelSelection = .only

        init(_ values: ParameterValues, channel: ChannelSelection = .only) throws {
            self.channel = channel
            spectrogram = try SpectrogramParameters(values)
            sparse = try values.bool("sparse")
            sparsePercentile = try values.double("sparse-percentile")
            minPeakRatio = try values.double("min-peak-ratio")
            minPeakFrequency = try values.double("min-peak-frequency")
            sparseStretch = try values.double("sparse-stretch")
            magnitudeMedian = try values.int("magnitude-median")
            purityThreshold = values["purity-threshold"] == "auto" ? nil : try values.double("purity-threshold")
            minMeanFrequency = try values.double("min-mean-frequency")
            maxDiscontinuity = try values.double("max-discontinuity")
            switch values["discontinuity"] {
            case "slope": discontinuityBeyondSlope = true
            case "jump": discontinuityBeyondSlope = false
            default: throw USVError.usage("discontinuity must be slope or jump, got '\(values["discontinuity"] ?? "")'")
            }
            smoothing = try values.double("smoothing") / 1000
            minDuration = try values.double("min-duration") / 1000
            maxDuration = try values.double("max-duration") / 1000
            mergeGap = try values.double("merge-gap") / 1000
            guard magnitudeMedian == 5 || magnitudeMedian == 1 else {
                throw USVError.usage("magnitude-median must be 5 (the original) or 1 (off), got \(magnitudeMedian)")
            }
        }
    }

    public func detect(recording: ByteSource, channel: ChannelSelection, parameters: ParameterValues) throws -> DetectionResult {
        let settings = try Settings(parameters, channel: channel)
        // An archive member is read out of the archive once, then shared by the measuring threads.
        let audio: ByteSource
        if case .archiveMember = recording {
            audio = .memory(name: recording.description, bytes: try recording.readAll(limit: 1 << 32))
        } else {
            audio = recording
        }
        let info = try AudioFileReader(source: audio).info
        try channel.check(channels: info.channels, path: recording.description)
        let referenceLevel = try Self.sparseThreshold(path: audio, info: info, settings: settings)
        let sparseThreshold = settings.sparse ? referenceLevel : 0
        let minimumPeak = Float(settings.minPeakRatio) * referenceLevel
        let total = settings.spectrogram.frameCount(samples: info.frames)
        let frameRate = Double(info.sampleRate) / Double(settings.spectrogram.hop)
        let chunk = Int(Self.chunkSeconds * frameRate)
        let threshold: Double
        let usvs: [DetectedUSV]
        if total <= chunk {
            // Short recordings at once: the purity threshold from the whole recording's background.
            let track = try FrameTrack.measureInParallel(path: audio, info: info, settings: settings, sparseThreshold: sparseThreshold)
            threshold = settings.purityThreshold ?? Self.automaticThreshold(Self.backgroundPurity(track, minimumPeak: minimumPeak))
            usvs = Self.segment(track, settings: settings, purityThreshold: threshold, minimumPeak: minimumPeak,
                                sampleRate: info.sampleRate).map(\.usv)
        } else {
            // Long recordings in chunks, so memory stays flat however long the file: the threshold from the
            // background of the reference stretch at the end (as the sparse step takes its level there), each
            // chunk measured with a margin wider than the longest USV and every filter, and each USV kept by
            // the chunk in which it starts.
            let stretch = min(total, Int(settings.sparseStretch * frameRate))
            let reference = try FrameTrack.measure(path: audio, sampleRate: info.sampleRate, settings: settings, sparseThreshold: sparseThreshold,
                                                   frames: (total - stretch)..<total, totalFrames: total)
            threshold = settings.purityThreshold ?? Self.automaticThreshold(Self.backgroundPurity(reference, minimumPeak: minimumPeak))
            usvs = try Self.detectInChunks(audio, info: info, settings: settings, sparseThreshold: sparseThreshold,
                                           purityThreshold: threshold, minimumPeak: minimumPeak, chunk: chunk)
        }
        return DetectionResult(recording: recording.description, sampleRate: info.sampleRate, frames: info.frames, duration: info.duration,
                               detector: Self.descriptor.id, detectorVersion: Self.descriptor.version,
                               parameterFingerprint: parameters.fingerprint, purityThreshold: threshold,
                               sparseThreshold: Double(sparseThreshold), usvs: usvs)
    }

    /// Recordings longer than this are processed in chunks of this length.
    static let chunkSeconds = 60.0

    static func detectInChunks(_ audio: ByteSource, info: AudioInfo, settings: Settings, sparseThreshold: Float, purityThreshold: Double,
                               minimumPeak: Float, chunk: Int) throws -> [DetectedUSV] {
        let total = settings.spectrogram.frameCount(samples: info.frames)
        let frameRate = Double(info.sampleRate) / Double(settings.spectrogram.hop)
        // Wider than the longest USV plus the 10 ms filters and the edge refinement on both sides.
        let margin = Int((settings.maxDuration + 2 * settings.smoothing + 0.05) * frameRate) + 16
        let starts = Array(stride(from: 0, to: total, by: chunk))
        let next = Locked(0)
        let found = Locked([Int: Result<[DetectedUSV], any Error>]())
        runOnThreads(min(2, starts.count)) { _ in
            while true {
                let index = next.withLock { value -> Int in defer { value += 1 }; return value }
                guard index < starts.count else { return }
                let core = starts[index]..<min(total, starts[index] + chunk)
                let measured = max(0, core.lowerBound - margin)..<min(total, core.upperBound + margin)
                let result = Result {
                    let track = try FrameTrack.measure(path: audio, sampleRate: info.sampleRate, settings: settings,
                                                       sparseThreshold: sparseThreshold, frames: measured, totalFrames: total)
                    return segment(track, settings: settings, purityThreshold: purityThreshold, minimumPeak: minimumPeak,
                                   sampleRate: info.sampleRate, frameOffset: measured.lowerBound)
                        .filter { core.contains($0.firstFrame) }.map(\.usv)
                }
                found.withLock { $0[index] = result }
            }
        }
        return try starts.indices.flatMap { try found.value[$0]?.get() ?? [] }
    }

    /// The 75th percentile of the magnitudes of the middle row and the row at two-thirds of the band over
    /// the last `sparseStretch` seconds (the whole recording when shorter), guarded against calls.
    static func sparseThreshold(path: ByteSource, info: AudioInfo, settings: Settings) throws -> Float {
        let stretch = min(info.frames, Int(settings.sparseStretch * Double(info.sampleRate)))
        let reader = try AudioFileReader(source: path)
        reader.channel = settings.channel
        let signal = try reader.readSignal(frames: (info.frames - stretch)..<info.frames)
        let spectrogram = try SpectrogramEngine(parameters: settings.spectrogram, sampleRate: info.sampleRate).spectrogram(of: signal.samples)
        guard spectrogram.frames > 0 else { return 0 }
        let rows = [spectrogram.rows / 2, spectrogram.rows * 2 / 3]
        var reference: [Float] = []
        reference.reserveCapacity(2 * spectrogram.frames)
        for frame in 0..<spectrogram.frames {
            for row in rows { reference.append(spectrogram[row, frame]) }
        }
        // Where calls cross the two reference rows often (short or busy recordings), the plain percentile
        // rises with them. For noise alone (Rayleigh magnitudes) the p-th percentile is σ·√(−2 ln(1 − p)),
        // so the same level follows from the median, which calls cannot move until they fill half the
        // stretch; the smaller of the two estimates is used.
        let p = min(max(settings.sparsePercentile / 100, 0.01), 0.99)
        let fromMedian = percentile(reference, 50) * Float((-2 * log(1 - p)).squareRoot() / (2 * log(2.0)).squareRoot())
        return min(percentile(reference, settings.sparsePercentile), fromMedian)
    }

    /// The purity of the bins whose peak stays below `minimumPeak` — the background. The automatic threshold
    /// assumes the histogram's mode is the background's; in a busy recording (calls in most bins) the mode
    /// of all bins is the calls' own, so the background is taken by level first. With fewer than 200 such
    /// bins (or the peak test off) all bins are used, as in the original.
    static func backgroundPurity(_ track: FrameTrack, minimumPeak: Float) -> [Float] {
        guard minimumPeak > 0 else { return track.purity }
        var background: [Float] = []
        for (purity, peak) in zip(track.purity, track.filteredPeak) where peak < minimumPeak { background.append(purity) }
        return background.count >= 200 ? background : track.purity
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
    /// Turns per-frame measures into USVs, each with its first frame (counted from `frameOffset`, the
    /// recording frame of the track's first).
    static func segment(_ track: FrameTrack, settings: Settings, purityThreshold: Double, minimumPeak: Float,
                        sampleRate: Int, frameOffset: Int = 0) -> [(usv: DetectedUSV, firstFrame: Int)] {
        let count = track.purity.count
        guard count > 0 else { return [] }
        let hop = settings.spectrogram.hop
        let frameRate = Double(sampleRate) / Double(hop)
        let smoothing = max(1, Int((settings.smoothing * frameRate).rounded()))
        let meanFrequency = medianFilter(track.meanFrequency, window: smoothing)
        var jumps = [Float](repeating: 0, count: count)
        let peak = track.peakFrequency
        for frame in 1..<max(1, count) {
            let expected = settings.discontinuityBeyondSlope && frame >= 2 ? 2 * peak[frame - 1] - peak[frame - 2] : peak[frame - 1]
            jumps[frame] = abs(peak[frame] - expected) / 1000
        }
        let discontinuity = medianFilter(jumps, window: smoothing)
        let good = (0..<count).map { frame in
            Double(track.purity[frame]) > purityThreshold && Double(meanFrequency[frame]) >= settings.minMeanFrequency
                && Double(discontinuity[frame]) <= settings.maxDiscontinuity && track.filteredPeak[frame] >= minimumPeak
        }
        // Runs of good frames, then merge runs whose gap is shorter than the merge gap.
        var runs: [ClosedRange<Int>] = []
        var start: Int?
        for frame in 0...count {
            let isGood = frame < count && good[frame]
            if isGood, start == nil { start = frame }
            if !isGood, let first = start {
                let run = first...(frame - 1)
                // Merge across short gaps, and (ours) across gaps that stay loud in the ultrasonic rows all
                // the way: a broadband stretch inside a call breaks purity but not the sound.
                if let last = runs.last, Double(run.lowerBound - last.upperBound - 1) / frameRate < settings.mergeGap
                    || (minimumPeak > 0 && ((last.upperBound + 1)..<run.lowerBound).allSatisfy { track.filteredPeak[$0] >= minimumPeak }) {
                    runs[runs.count - 1] = last.lowerBound...run.upperBound
                } else {
                    runs.append(run)
                }
                start = nil
            }
        }
        let halfWindow = settings.spectrogram.windowLength / 2
        return runs.compactMap { run -> (usv: DetectedUSV, firstFrame: Int)? in
            // Trim to the first and last bin with any non-zero value of the sparse spectrogram.
            guard var first = run.first(where: { track.nonZero[$0] }),
                  var last = run.last(where: { track.nonZero[$0] }) else { return nil }
            // Boundary refinement (ours): the 10 ms medians make good runs start and end a few bins inside the
            // call. Follow the unsmoothed peak track outwards while it stays on the call (within `edgeStep`
            // of its neighbour) and above half the minimum peak, up to 10 ms on each side.
            // A frame joins when it continues the track (within `edgeStep` of its neighbour or of the
            // neighbour's slope extended) above half the minimum peak, or when it is loud and pure anyway
            // (a steep spike of the track).
            let reach = Int((0.010 * frameRate).rounded())
            let edgeLevel = minimumPeak / 2
            let edgeStep: Float = 3_000
            let frequency = track.peakFrequency
            func onCall(_ frame: Int, next: Int, after: Int) -> Bool {
                guard frame >= 0, frame < count, !good[frame] else { return false }
                if track.peakMagnitude[frame] >= minimumPeak && Double(track.purity[frame]) > purityThreshold { return true }
                guard track.peakMagnitude[frame] >= edgeLevel else { return false }
                let slope = after >= 0 && after < count ? frequency[next] - frequency[after] : 0
                return abs(frequency[frame] - frequency[next]) <= edgeStep
                    || abs(frequency[frame] - (frequency[next] + slope)) <= edgeStep
            }
            var steps = 0
            while steps < reach, onCall(first - 1, next: first, after: first + 1) { first -= 1; steps += 1 }
            steps = 0
            while steps < reach, onCall(last + 1, next: last, after: last - 1) { last += 1; steps += 1 }
            // A frame stands for the time around its window centre, ±hop/2.
            let startSample = max(0, (first + frameOffset) * hop + halfWindow - hop / 2)
            let stopSample = (last + frameOffset) * hop + halfWindow + hop / 2
            let duration = Double(stopSample - startSample) / Double(sampleRate)
            guard duration > settings.minDuration, duration < settings.maxDuration else { return nil }
            let frames = first...last
            let peaks = frames.map { track.peakMagnitude[$0] }
            let frequencies = frames.map { track.peakFrequency[$0] }
            let usv = DetectedUSV(startSample: startSample, stopSample: stopSample, sampleRate: sampleRate,
                                  minimumFrequency: Double(frequencies.min() ?? 0), maximumFrequency: Double(frequencies.max() ?? 0),
                                  peakAmplitude: Double(peaks.max() ?? 0),
                                  meanAmplitude: Double(peaks.reduce(0, +)) / Double(max(1, peaks.count)))
            return (usv, first + frameOffset)
        }
    }
}

/// Per-frame measures of a whole recording, computed from the streamed spectrogram.
struct FrameTrack {
    var purity: [Float] = []
    var meanFrequency: [Float] = []
    var peakFrequency: [Float] = []
    var peakMagnitude: [Float] = []
    /// Largest magnitude of the time-median-filtered frame.
    var filteredPeak: [Float] = []
    var nonZero: [Bool] = []

    /// Measures the recording in two halves on two threads (each its own reader and FFT plan) and joins them.
    static func measureInParallel(path: ByteSource, info: AudioInfo, settings: PurityDetector.Settings,
                                  sparseThreshold: Float) throws -> FrameTrack {
        let total = settings.spectrogram.frameCount(samples: info.frames)
        let workers = total >= 20_000 ? 2 : 1
        let bounds = (0...workers).map { total * $0 / workers }
        let parts = Locked([Int: Result<FrameTrack, any Error>]())
        runOnThreads(workers) { worker in
            let result = Result {
                try measure(path: path, sampleRate: info.sampleRate, settings: settings, sparseThreshold: sparseThreshold,
                            frames: bounds[worker]..<bounds[worker + 1], totalFrames: total)
            }
            parts.withLock { $0[worker] = result }
        }
        // Take the parts out of the lock (so each is referenced once) and append the later ones to the
        // first in place: the joined track never exists twice.
        func take(_ worker: Int) throws -> FrameTrack {
            try parts.withLock { $0.removeValue(forKey: worker) }?.get() ?? FrameTrack()
        }
        var track = try take(0)
        for worker in 1..<max(1, workers) {
            let part = try take(worker)
            track.purity += part.purity
            track.meanFrequency += part.meanFrequency
            track.peakFrequency += part.peakFrequency
            track.peakMagnitude += part.peakMagnitude
            track.filteredPeak += part.filteredPeak
            track.nonZero += part.nonZero
        }
        return track
    }

    /// Measures frames `frames` of `totalFrames`. The 5-bin time median needs two frames either side: they
    /// are read as context inside the recording and taken as zeros (MATLAB `medfilt1`) beyond its ends.
    static func measure(path: ByteSource, sampleRate: Int, settings: PurityDetector.Settings, sparseThreshold: Float,
                        frames: Range<Int>, totalFrames: Int) throws -> FrameTrack {
        var track = FrameTrack()
        let contextBefore = settings.magnitudeMedian == 5 ? min(2, frames.lowerBound) : 0
        let contextAfter = settings.magnitudeMedian == 5 ? min(2, totalFrames - frames.upperBound) : 0
        let streamed = (frames.lowerBound - contextBefore)..<(frames.upperBound + contextAfter)
        let parameters = settings.spectrogram
        let frequencies = parameters.frequencies(sampleRate: sampleRate).map(Float.init)
        let firstPeakRow = frequencies.firstIndex { Double($0) >= settings.minPeakFrequency } ?? 0
        var rowsCount = 0
        // The last five sparse frames in a fixed ring (slot k at k·rows), so the hot loop allocates nothing.
        var ring: [Float] = []
        var ringNonZero = [Bool](repeating: false, count: 5)
        var ringHead = 0  // the slot written next, which is also the oldest once five are held
        var ringCount = 0
        var filtered: [Float] = []
        var sparseFrame: [Float] = []

        func emit(_ frame: UnsafePointer<Float>, raw: UnsafePointer<Float>, anyNonZero: Bool) {
            var total: Float = 0
            var weighted: Float = 0
            var best: Float = -1
            var bestUltrasonic: Float = 0
            for row in 0..<rowsCount {
                let power = frame[row] * frame[row]
                total += power
                weighted += power * frequencies[row]
                best = max(best, power)
                if row >= firstPeakRow { bestUltrasonic = max(bestUltrasonic, frame[row]) }
            }
            track.purity.append(total > 0 ? best / total : 0)
            track.filteredPeak.append(bestUltrasonic)
            track.meanFrequency.append(total > 0 ? weighted / total : 0)
            // The peak track comes from the unsmoothed frame: after the 5-bin time median even noise looks
            // continuous, while raw noise peaks jump about and raw whistle peaks follow the call.
            var rawBest: Float = 0
            var bestRow = 0
            for row in firstPeakRow..<rowsCount where raw[row] > rawBest {
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

        /// Adds one sparse frame (nil: a zero frame of medfilt1's padding).
        func push(_ frame: UnsafePointer<Float>?, nonZero: Bool) {
            let rows = rowsCount
            ring.withUnsafeMutableBufferPointer { storage in
                guard let base = storage.baseAddress else { return }
                let slot = base + ringHead * rows
                if let frame { slot.update(from: frame, count: rows) } else { slot.update(repeating: 0, count: rows) }
            }
            ringNonZero[ringHead] = nonZero
            ringHead = (ringHead + 1) % 5
            ringCount = min(5, ringCount + 1)
            guard settings.magnitudeMedian == 5 else {
                let written = (ringHead + 4) % 5
                ring.withUnsafeBufferPointer { storage in
                    guard let base = storage.baseAddress else { return }
                    emit(base + written * rows, raw: base + written * rows, anyNonZero: nonZero)
                }
                return
            }
            // With five frames held, the middle one gets its time median.
            guard ringCount == 5 else { return }
            let middle = (ringHead + 2) % 5
            ring.withUnsafeBufferPointer { storage in
                guard let base = storage.baseAddress else { return }
                let a = base + ringHead * rows, b = base + ((ringHead + 1) % 5) * rows
                let c = base + middle * rows, d = base + ((ringHead + 3) % 5) * rows, e = base + ((ringHead + 4) % 5) * rows
                filtered.withUnsafeMutableBufferPointer { output in
                    for row in 0..<rows { output[row] = median5(a[row], b[row], c[row], d[row], e[row]) }
                }
                filtered.withUnsafeBufferPointer { output in
                    guard let filteredBase = output.baseAddress else { return }
                    emit(filteredBase, raw: base + middle * rows, anyNonZero: ringNonZero[middle])
                }
            }
        }

        try StreamingSpectrogram(parameters: parameters).run(source: path, frames: streamed, channel: settings.channel) { _, frames, rows, values in
            if rowsCount == 0 {
                rowsCount = rows
                ring = [Float](repeating: 0, count: 5 * rows)
                filtered = [Float](repeating: 0, count: rows)
                sparseFrame = [Float](repeating: 0, count: rows)
                // MATLAB medfilt1 pads with zeros before the recording's first frame.
                if settings.magnitudeMedian == 5 {
                    for _ in 0..<(2 - contextBefore) { push(nil, nonZero: false) }
                }
            }
            for index in 0..<frames {
                var anyNonZero = false
                for row in 0..<rows {
                    let value = values[index * rows + row]
                    let kept = value >= sparseThreshold ? value : 0
                    sparseFrame[row] = kept
                    if kept > 0 { anyNonZero = true }
                }
                sparseFrame.withUnsafeBufferPointer { push($0.baseAddress, nonZero: anyNonZero) }
            }
        }
        if settings.magnitudeMedian == 5 && rowsCount > 0 {
            // At the recording's end, flush the last two frames with zero padding as medfilt1 does.
            for _ in 0..<(2 - contextAfter) { push(nil, nonZero: false) }
        }
        return track
    }
}
