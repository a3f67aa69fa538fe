import Foundation
import USVCore
import USVSignal

/// The default USV detector: tonal contrast against a robust noise floor. Built to find calls in recordings
/// it has never seen (other labs, microphones, gains and sample rates), where the original pipeline's
/// thresholds (tuned on one set of recordings) miss many of them.
///
/// 1. Power spectrogram with a window of about 1 ms (the nearest power of two in samples, so the time and
///    frequency resolution are the same at 192 and 500 kHz) and a 0.5 ms hop; rows from `min-frequency` to
///    `max-frequency` (or 96 % of the Nyquist frequency).
/// 2. **Noise floor per row** from the quietest frames: the `floor-quantile` of each row's power over a
///    long stretch (the whole recording, or a 30 s chunk of a long one) turned into the mean of exponentially
///    distributed noise power (q-quantile = −μ·ln(1 − q)), then median-filtered across ±`floor-smoothing` of
///    frequency. The low quantile ignores calls that fill most of a recording in time, and the median across
///    frequency ignores a flat call that fills a few rows of a short clip: the floor never rises to the calls.
/// 3. **Whitened power** W = (power averaged over `time-smoothing`) / floor: 1 for noise in every row, so the
///    thresholds below are in dB above the local noise, whatever the gain or the microphone's colour.
/// 4. Per frame: the spectral peak's **SNR** (its W in dB) and its **tonal contrast**: the peak against the
///    median W of the rows within ±`contrast-bandwidth` of it, leaving out ±`peak-bandwidth` around it. A
///    whistle stands far above its neighbourhood; a click, cage noise or a broadband squeak raises the
///    neighbourhood with it, so its contrast stays low however loud it is.
/// 5. **Hysteresis**: a call is a stretch whose contrast and SNR stay ≥ `exit-contrast` and that contains a
///    frame with SNR ≥ `enter-snr` and contrast ≥ `enter-contrast`. The peak is free to move from frame to
///    frame, so steep sweeps are followed wherever they go. Stretches closer than `merge-gap` are joined;
///    those lasting `min-duration` to `max-duration` are USVs.
///
/// The original pipeline stays available as `feature.usv-detector-paper` (`PurityDetector`).
/// Memory: recordings longer than `chunkSeconds` are measured in chunks (each with its own noise floor and a
/// margin wider than the longest call), so memory stays flat however long the recording.
public struct ToneContrastDetector: USVDetecting {
    public static let descriptor = PluginDescriptor(
        id: "feature.usv-detector", version: "2.0.0", kind: .feature,
        summary: "USV detector: tonal contrast above a robust per-frequency noise floor, with hysteresis (the default)",
        capabilities: ["detect", "streaming", "recording-audio"],
        parameters: [
            PluginParameter("window-ms", type: "ms", default: "1", "spectrogram window (rounded to a power of two in samples)"),
            PluginParameter("hop-ms", type: "ms", default: "0.5", "spectrogram hop"),
            PluginParameter("min-frequency", type: "Hz", default: "25000", "lowest frequency searched for calls"),
            PluginParameter("max-frequency", type: "Hz", default: "125000", "highest frequency searched (at most 96 % of Nyquist)"),
            PluginParameter("floor-quantile", type: "percent", default: "20", "quantile of each row's power that sets its noise floor"),
            PluginParameter("floor-smoothing", type: "Hz", default: "5000", "the floor is median-filtered across ± this much frequency"),
            PluginParameter("time-smoothing", type: "ms", default: "1.5", "power is averaged over this long before thresholds"),
            PluginParameter("peak-bandwidth", type: "Hz", default: "3000", "± this around the spectral peak belongs to the call"),
            PluginParameter("contrast-bandwidth", type: "Hz", default: "15000", "the peak is compared with the rows within ± this"),
            PluginParameter("enter-snr", type: "dB", default: "12", "a call needs a frame whose peak is this far above the floor"),
            PluginParameter("enter-contrast", type: "dB", default: "18", "… and this far above its neighbourhood"),
            PluginParameter("exit-contrast", type: "dB", default: "6", "a call lasts while its peak stays this far above floor and neighbourhood"),
            PluginParameter("merge-gap", type: "ms", default: "15", "calls closer than this are joined"),
            PluginParameter("min-duration", type: "ms", default: "5", "shorter stretches are not USVs"),
            PluginParameter("max-duration", type: "ms", default: "1000", "longer stretches are not USVs"),
        ])

    public static let input = FeatureInput.recordingAudio
    public static let outputNames = ["start", "stop", "min-frequency", "max-frequency", "peak-amplitude", "mean-amplitude"]

    /// Recordings longer than this are measured in chunks of this length (plus margins).
    static let chunkSeconds = 30.0
    /// Below this sample rate a recording cannot hold ultrasonic calls (Nyquist 50 kHz).
    public static let minimumSampleRate = 100_000

    public init() {}

    /// The parameters as typed values, checked before any work.
    struct Settings: Sendable {
        var windowSeconds, hopSeconds, minFrequency, maxFrequency: Double
        var floorQuantile, floorSmoothing, timeSmoothing, peakBandwidth, contrastBandwidth: Double
        var enterSNR, enterContrast, exitContrast: Float
        var mergeGap, minDuration, maxDuration: Double
        /// The channel analysed (set by `detect`, not a parameter).
        var channel: ChannelSelection = .only

        init(_ values: ParameterValues, channel: ChannelSelection = .only) throws {
            self.channel = channel
            windowSeconds = try values.double("window-ms") / 1000
            hopSeconds = try values.double("hop-ms") / 1000
            minFrequency = try values.double("min-frequency")
            maxFrequency = try values.double("max-frequency")
            floorQuantile = try values.double("floor-quantile") / 100
            floorSmoothing = try values.double("floor-smoothing")
            timeSmoothing = try values.double("time-smoothing") / 1000
            peakBandwidth = try values.double("peak-bandwidth")
            contrastBandwidth = try values.double("contrast-bandwidth")
            enterSNR = Float(try values.double("enter-snr"))
            enterContrast = Float(try values.double("enter-contrast"))
            exitContrast = Float(try values.double("exit-contrast"))
            mergeGap = try values.double("merge-gap") / 1000
            minDuration = try values.double("min-duration") / 1000
            maxDuration = try values.double("max-duration") / 1000
            func require(_ condition: Bool, _ message: String) throws {
                if !condition { throw USVError.usage("feature.usv-detector: \(message)") }
            }
            try require(windowSeconds > 0.0001 && windowSeconds <= 0.05, "window-ms must be in (0.1, 50], got \(windowSeconds * 1000)")
            try require(hopSeconds > 0 && hopSeconds <= windowSeconds, "hop-ms must be in (0, window-ms], got \(hopSeconds * 1000)")
            try require(minFrequency >= 0 && maxFrequency > minFrequency, "need 0 ≤ min-frequency < max-frequency")
            try require(floorQuantile > 0 && floorQuantile < 1, "floor-quantile must be between 0 and 100 (exclusive)")
            try require(floorSmoothing >= 0 && timeSmoothing >= 0, "smoothing lengths must not be negative")
            try require(peakBandwidth >= 0 && contrastBandwidth > peakBandwidth, "need 0 ≤ peak-bandwidth < contrast-bandwidth")
            try require(enterSNR.isFinite && enterContrast.isFinite && exitContrast.isFinite, "thresholds must be finite")
            try require(exitContrast <= min(enterSNR, enterContrast) || enterSNR <= 0,
                        "exit-contrast must not exceed enter-snr and enter-contrast")
            try require(mergeGap >= 0 && minDuration >= 0 && maxDuration > minDuration, "need merge-gap ≥ 0 and 0 ≤ min-duration < max-duration")
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
        guard info.sampleRate >= Self.minimumSampleRate else {
            throw USVError.unsupported(path: recording.description, feature: "a sample rate of \(info.sampleRate) Hz",
                                       advice: "it cannot hold ultrasonic calls (they need at least \(Self.minimumSampleRate / 1000) kHz; "
                                           + "mouse USVs are usually recorded at 192–500 kHz)")
        }
        guard info.frames > 0 else {
            throw USVError.unusable(path: recording.description, reason: "the recording holds no audio frames")
        }
        try channel.check(channels: info.channels, path: recording.description)
        let layout = try FrameLayout(settings: settings, sampleRate: info.sampleRate)
        let total = layout.frameCount(samples: info.frames)
        let chunk = max(1, Int(Self.chunkSeconds * layout.frameRate))
        // Wider than the longest USV plus the smoothing on both sides.
        let margin = Int((settings.maxDuration + settings.mergeGap + 0.05) * layout.frameRate) + 8
        let starts = Array(stride(from: 0, to: max(total, 1), by: chunk))
        let next = Locked(0)
        let found = Locked([Int: Result<[DetectedUSV], any Error>]())
        runOnThreads(min(2, starts.count)) { _ in
            while true {
                let index = next.withLock { value -> Int in defer { value += 1 }; return value }
                guard index < starts.count else { return }
                let core = starts[index]..<min(total, starts[index] + chunk)
                let measured = starts.count == 1 ? 0..<total : max(0, core.lowerBound - margin)..<min(total, core.upperBound + margin)
                let result = Result {
                    let block = try WhitenedBlock(source: audio, layout: layout, settings: settings, frames: measured)
                    return block.calls(settings: settings).filter { core.contains($0.firstFrame) }.map(\.usv)
                }
                found.withLock { $0[index] = result }
            }
        }
        let usvs = try starts.indices.flatMap { try found.value[$0]?.get() ?? [] }
        return DetectionResult(recording: recording.description, sampleRate: info.sampleRate, frames: info.frames, duration: info.duration,
                               detector: Self.descriptor.id, detectorVersion: Self.descriptor.version,
                               parameterFingerprint: parameters.fingerprint, purityThreshold: nil, sparseThreshold: nil, usvs: usvs)
    }
}

/// Window, hop and band rows at one sample rate.
struct FrameLayout: Sendable {
    let sampleRate: Int
    let window: Int
    let hop: Int
    /// FFT bins of the band, `firstBin ..< firstBin + rows`.
    let firstBin: Int
    let rows: Int
    let binWidth: Double

    init(settings: ToneContrastDetector.Settings, sampleRate: Int) throws {
        self.sampleRate = sampleRate
        let exponent = (log2(settings.windowSeconds * Double(sampleRate))).rounded()
        window = 1 << Int(min(16, max(4, exponent)))
        hop = max(1, Int((settings.hopSeconds * Double(sampleRate)).rounded()))
        binWidth = Double(sampleRate) / Double(window)
        let top = min(settings.maxFrequency, 0.96 * Double(sampleRate) / 2)
        firstBin = max(1, Int((settings.minFrequency / binWidth).rounded(.up)))
        let lastBin = min(window / 2 - 1, Int((top / binWidth).rounded(.down)))
        rows = lastBin - firstBin + 1
        guard rows >= 8 else {
            throw USVError.usage("feature.usv-detector: only \(max(0, rows)) spectrogram rows between min-frequency and max-frequency "
                + "at \(sampleRate) Hz; widen the band")
        }
    }

    var frameRate: Double { Double(sampleRate) / Double(hop) }
    var spectrogram: SpectrogramParameters {
        SpectrogramParameters(windowLength: window, hop: hop, fftLength: window, minimumFrequency: Double(firstBin) * binWidth - binWidth / 2)
    }
    func frameCount(samples: Int) -> Int { samples < window ? 0 : (samples - window) / hop + 1 }
    func rowsFor(bandwidth: Double) -> Int { Int((bandwidth / binWidth).rounded()) }
}

/// The whitened power of a stretch of frames and the per-frame measures computed from it.
struct WhitenedBlock {
    let layout: FrameLayout
    /// Recording frame of the block's first frame.
    let firstFrame: Int
    let frames: Int
    /// Peak SNR (dB above the floor), tonal contrast (dB), peak row and peak magnitude per frame.
    var snr: [Float] = []
    var contrast: [Float] = []
    var peakRow: [Int32] = []
    var peakMagnitude: [Float] = []

    init(source: ByteSource, layout: FrameLayout, settings: ToneContrastDetector.Settings, frames range: Range<Int>) throws {
        self.layout = layout
        firstFrame = range.lowerBound
        let rows = layout.rows
        var power = [Float]()
        power.reserveCapacity(range.count * rows)
        let skip = layout.firstBin - layout.spectrogram.firstRow(sampleRate: layout.sampleRate)
        try StreamingSpectrogram(parameters: layout.spectrogram).run(source: source, frames: range, channel: settings.channel) { _, count, allRows, values in
            for frame in 0..<count {
                let base = frame * allRows + skip
                for row in 0..<rows {
                    let magnitude = values[base + row]
                    power.append(magnitude * magnitude)
                }
            }
        }
        frames = power.count / rows
        measure(power: power, settings: settings)
    }

    /// The noise floor per row: the q-quantile of its power as an exponential mean, median-filtered across
    /// frequency. Never zero (digital silence gets the smallest normal float).
    static func noiseFloor(power: [Float], frames: Int, rows: Int, quantile: Double, smoothingRows: Int) -> [Float] {
        var floor = [Float](repeating: 0, count: rows)
        // The quantile of at most ~8,000 frames evenly spread over the stretch (its standard error is then far
        // below the spread of the noise itself), so a long chunk costs no more than a few seconds of audio.
        let stride = max(1, frames / 8_192)
        let samples = (frames + stride - 1) / stride
        let rank = min(samples - 1, max(0, Int((quantile * Double(samples - 1)).rounded())))
        let scale = Float(-1 / log(1 - quantile))
        // Rows laid out one after another (read in frame order, so the big array is walked once, in order),
        // then each row's quantile selected in place.
        var byRow = [Float](repeating: 0, count: samples * rows)
        power.withUnsafeBufferPointer { source in
            byRow.withUnsafeMutableBufferPointer { target in
                for sample in 0..<samples {
                    let base = sample * stride * rows
                    for row in 0..<rows { target[row * samples + sample] = source[base + row] }
                }
                for row in 0..<rows {
                    floor[row] = select(UnsafeMutableBufferPointer(rebasing: target[(row * samples)..<((row + 1) * samples)]), rank: rank) * scale
                }
            }
        }
        var smoothed = floor
        if smoothingRows > 0 {
            var window = [Float]()
            for row in 0..<rows {
                window.removeAll(keepingCapacity: true)
                for other in max(0, row - smoothingRows)...min(rows - 1, row + smoothingRows) { window.append(floor[other]) }
                smoothed[row] = window.withUnsafeMutableBufferPointer { select($0, rank: $0.count / 2) }
            }
        }
        return smoothed.map { max($0, Float.leastNormalMagnitude) }
    }

    private mutating func measure(power: [Float], settings: ToneContrastDetector.Settings) {
        let rows = layout.rows
        guard frames > 0 else { return }
        let floor = Self.noiseFloor(power: power, frames: frames, rows: rows, quantile: settings.floorQuantile,
                                    smoothingRows: layout.rowsFor(bandwidth: settings.floorSmoothing))
        let inverseFloor = floor.map { 1 / $0 }
        let smoothing = max(1, Int((settings.timeSmoothing * layout.frameRate).rounded()))
        let before = (smoothing - 1) / 2
        let peakRows = layout.rowsFor(bandwidth: settings.peakBandwidth)
        let neighbourRows = max(peakRows + 2, layout.rowsFor(bandwidth: settings.contrastBandwidth))
        snr = [Float](repeating: 0, count: frames)
        contrast = [Float](repeating: 0, count: frames)
        peakRow = [Int32](repeating: 0, count: frames)
        peakMagnitude = [Float](repeating: 0, count: frames)
        var whitened = [Float](repeating: 0, count: rows)
        var neighbours = [Float]()
        neighbours.reserveCapacity(2 * neighbourRows)
        power.withUnsafeBufferPointer { power in
            for frame in 0..<frames {
                // Mean power over the smoothing window (clamped at the block's ends), whitened.
                let first = max(0, frame - before), last = min(frames - 1, frame - before + smoothing - 1)
                let weight = 1 / Float(last - first + 1)
                for row in 0..<rows { whitened[row] = 0 }
                for other in first...last {
                    let base = other * rows
                    for row in 0..<rows { whitened[row] += power[base + row] }
                }
                var best: Float = 0
                var bestRow = 0
                for row in 0..<rows {
                    let value = whitened[row] * weight * inverseFloor[row]
                    whitened[row] = value
                    if value > best { best = value; bestRow = row }
                }
                neighbours.removeAll(keepingCapacity: true)
                for row in max(0, bestRow - neighbourRows)..<max(0, bestRow - peakRows) { neighbours.append(whitened[row]) }
                if bestRow + peakRows + 1 < rows {
                    for row in (bestRow + peakRows + 1)...min(rows - 1, bestRow + neighbourRows) { neighbours.append(whitened[row]) }
                }
                let background = neighbours.isEmpty ? 1
                    : max(neighbours.withUnsafeMutableBufferPointer { Self.select($0, rank: $0.count / 2) }, Float.leastNormalMagnitude)
                snr[frame] = 10 * log10(max(best, 1e-12))
                contrast[frame] = 10 * log10(max(best / background, 1e-12))
                peakRow[frame] = Int32(bestRow)
                peakMagnitude[frame] = power[frame * rows + bestRow].squareRoot()
            }
        }
    }

    /// The element of rank `rank` (0-based) in ascending order; reorders `values` (quickselect).
    static func select(_ values: UnsafeMutableBufferPointer<Float>, rank: Int) -> Float {
        guard !values.isEmpty else { return 0 }
        var low = 0, high = values.count - 1
        let target = min(max(0, rank), high)
        while low < high {
            let pivot = values[(low + high) / 2]
            var i = low, j = high
            while i <= j {
                while values[i] < pivot { i += 1 }
                while values[j] > pivot { j -= 1 }
                if i <= j { values.swapAt(i, j); i += 1; j -= 1 }
            }
            if target <= j { high = j } else if target >= i { low = i } else { return values[target] }
        }
        return values[target]
    }

    /// Hysteresis, merging and duration limits: the calls of this block, each with its first frame (in
    /// recording frames).
    func calls(settings: ToneContrastDetector.Settings) -> [(usv: DetectedUSV, firstFrame: Int)] {
        guard frames > 0 else { return [] }
        let exit = settings.exitContrast
        let stays = (0..<frames).map { snr[$0] >= exit && contrast[$0] >= exit }
        // Stretches that stay, kept when one of their frames enters.
        var stretches: [ClosedRange<Int>] = []
        var start: Int?
        var entered = false
        for frame in 0...frames {
            if frame < frames && stays[frame] {
                if start == nil { start = frame; entered = false }
                if snr[frame] >= settings.enterSNR && contrast[frame] >= settings.enterContrast { entered = true }
            } else if let first = start {
                if entered { stretches.append(first...(frame - 1)) }
                start = nil
            }
        }
        // Join stretches closer than the merge gap.
        var joined: [ClosedRange<Int>] = []
        let gapFrames = settings.mergeGap * layout.frameRate
        for stretch in stretches {
            if let last = joined.last, Double(stretch.lowerBound - last.upperBound - 1) < gapFrames {
                joined[joined.count - 1] = last.lowerBound...stretch.upperBound
            } else {
                joined.append(stretch)
            }
        }
        let hop = layout.hop, halfWindow = layout.window / 2
        return joined.compactMap { stretch -> (usv: DetectedUSV, firstFrame: Int)? in
            // A frame stands for the time around its window centre, ±hop/2.
            let first = stretch.lowerBound + firstFrame, last = stretch.upperBound + firstFrame
            let startSample = max(0, first * hop + halfWindow - hop / 2)
            let stopSample = last * hop + halfWindow + (hop + 1) / 2
            let duration = Double(stopSample - startSample) / Double(layout.sampleRate)
            guard duration >= settings.minDuration, duration <= settings.maxDuration else { return nil }
            // Frequencies and amplitudes from the clearly tonal frames (contrast within 15 dB of the call's
            // best, and 6 dB above the exit level, which noise alone reaches now and then): at the faint
            // edges and in merged gaps the peak may be noise anywhere in the band.
            let clearest = stretch.map { contrast[$0] }.max() ?? 0
            let onCall = stretch.filter { contrast[$0] >= max(exit + 6, clearest - 15) }
            let frequencies = onCall.map { (Double(layout.firstBin) + Double(peakRow[$0])) * layout.binWidth }
            let magnitudes = onCall.map { peakMagnitude[$0] }
            let usv = DetectedUSV(startSample: startSample, stopSample: stopSample, sampleRate: layout.sampleRate,
                                  minimumFrequency: frequencies.min() ?? 0, maximumFrequency: frequencies.max() ?? 0,
                                  peakAmplitude: Double(magnitudes.max() ?? 0),
                                  meanAmplitude: Double(magnitudes.reduce(0, +)) / Double(max(1, magnitudes.count)))
            return (usv, first)
        }
    }
}
