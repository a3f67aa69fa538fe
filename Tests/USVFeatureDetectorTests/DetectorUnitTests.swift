import Foundation
import Testing
import USVCore
@testable import USVFeatureDetector
import USVSignal
import USVTestSupport

/// A recording with known whistles in noise, written as 16-bit WAV.
func writeWhistles(_ path: String, calls: [(start: Double, stop: Double, f0: Double, f1: Double)], seconds: Double = 2,
                   noise: Float = 0.01, clicks: [Double] = []) throws {
    let rate = 300_000
    var samples = [Float](repeating: 0, count: Int(seconds * Double(rate)))
    var state: UInt64 = 99
    for index in samples.indices {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        samples[index] = noise * (Float(state >> 40) / Float(1 << 24) * 2 - 1)
    }
    for call in calls {
        var phase = 0.0
        let first = Int(call.start * Double(rate)), last = Int(call.stop * Double(rate))
        for index in first..<last {
            let fraction = Double(index - first) / Double(last - first)
            phase += 2 * Double.pi * (call.f0 + (call.f1 - call.f0) * fraction) / Double(rate)
            let ramp = min(1, Double(index - first) / 300, Double(last - index) / 300)
            samples[index] += Float(0.3 * ramp * sin(phase))
        }
    }
    for click in clicks {
        let at = Int(click * Double(rate))
        for index in at..<(at + 300) { samples[index] += index % 2 == 0 ? 0.6 : -0.6 }
    }
    let writer = try AudioFileWriter(path: path, sampleRate: rate)
    try writer.write(samples.map { Int16(max(-32_767, min(32_767, ($0 * 32_767).rounded()))) })
    try writer.close()
}

@Suite struct DetectorUnitTests {
    let detector = PurityDetector()

    @Test func conformsToThePluginContract() {
        #expect(checkPluginDescriptor(detector) == [])
    }

    @Test func findsWhistlesWithAccurateBoundariesAndIgnoresClicks() throws {
        let directory = try TemporaryDirectory("detector")
        defer { directory.remove() }
        let calls = [(0.20, 0.25, 60_000.0, 70_000.0), (0.50, 0.62, 80_000.0, 55_000.0), (1.00, 1.03, 45_000.0, 45_000.0),
                     (1.40, 1.70, 70_000.0, 90_000.0)]
        try writeWhistles(directory.file("w.wav"), calls: calls, clicks: [0.9, 1.2, 1.85])
        let result = try detector.detect(recordingAt: directory.file("w.wav"), parameters: ParameterValues(defaultsOf: PurityDetector.descriptor))
        #expect(result.usvs.count == calls.count, "\(result.usvs.map { ($0.startSeconds, $0.stopSeconds) })")
        for (found, truth) in zip(result.usvs, calls) {
            #expect(abs(found.startSeconds - truth.0) < 0.003, "start \(found.startSeconds) vs \(truth.0)")
            #expect(abs(found.stopSeconds - truth.1) < 0.003, "stop \(found.stopSeconds) vs \(truth.1)")
            #expect(found.minimumFrequency > min(truth.2, truth.3) - 2_000)
            #expect(found.maximumFrequency < max(truth.2, truth.3) + 2_000)
        }
    }

    @Test func tooShortAndTooLowCallsAreNotUSVs() throws {
        let directory = try TemporaryDirectory("detector")
        defer { directory.remove() }
        try writeWhistles(directory.file("w.wav"), calls: [(0.2, 0.204, 60_000, 60_000), (0.6, 0.7, 18_000, 19_000),
                                                           (1.2, 1.25, 60_000, 62_000)])
        let result = try detector.detect(recordingAt: directory.file("w.wav"), parameters: ParameterValues(defaultsOf: PurityDetector.descriptor))
        #expect(result.usvs.count == 1)
        #expect(abs((result.usvs.first?.startSeconds ?? 0) - 1.2) < 0.003)
    }

    @Test func callsCloserThanTheMergeGapAreMerged() throws {
        let directory = try TemporaryDirectory("detector")
        defer { directory.remove() }
        try writeWhistles(directory.file("w.wav"), calls: [(0.3, 0.34, 60_000, 60_000), (0.35, 0.40, 60_000, 60_000),
                                                           (0.8, 0.84, 60_000, 60_000), (0.87, 0.92, 60_000, 60_000)])
        let result = try detector.detect(recordingAt: directory.file("w.wav"), parameters: ParameterValues(defaultsOf: PurityDetector.descriptor))
        // 10 ms gap: merged; 30 ms gap: kept apart.
        #expect(result.usvs.count == 3, "\(result.usvs.map { ($0.startSeconds, $0.stopSeconds) })")
    }

    @Test func automaticThresholdSitsAboveTheNoiseMode() {
        var values = [Float](repeating: 0, count: 10_000)
        var state: UInt64 = 5
        for index in values.indices {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            values[index] = 0.05 + Float(state >> 40) / Float(1 << 24) * 0.02
        }
        values += [Float](repeating: 0.6, count: 500)
        let threshold = PurityDetector.automaticThreshold(values)
        #expect(threshold > 0.06 && threshold < 0.2)
    }
}

@Suite struct DetectorParallelTests {
    @Test func twoThreadsMeasureExactlyWhatOneDoes() throws {
        let directory = try TemporaryDirectory("detector-parallel")
        defer { directory.remove() }
        // Calls every 1.3 s, and three that run across the 5, 10 and 15 s chunk boundaries of the check below.
        let calls = (stride(from: 0.5, to: 19.0, by: 1.3).map { ($0, $0 + 0.04, 60_000.0, 75_000.0) }
            + [4.95, 9.94, 14.96].map { ($0, $0 + 0.12, 70_000.0, 55_000.0) }).sorted { $0.0 < $1.0 }
        try writeWhistles(directory.file("long.wav"), calls: calls, seconds: 20)
        let settings = try PurityDetector.Settings(ParameterValues(defaultsOf: PurityDetector.descriptor))
        let info = try AudioFileReader(path: directory.file("long.wav")).info
        let total = settings.spectrogram.frameCount(samples: info.frames)
        #expect(total >= 20_000)
        let whole = try FrameTrack.measure(path: .file(directory.file("long.wav")), sampleRate: info.sampleRate, settings: settings,
                                           sparseThreshold: 0.01, frames: 0..<total, totalFrames: total)
        let split = try FrameTrack.measureInParallel(path: .file(directory.file("long.wav")), info: info, settings: settings, sparseThreshold: 0.01)
        #expect(whole.purity.count == total)
        #expect(split.purity == whole.purity)
        #expect(split.peakFrequency == whole.peakFrequency)
        #expect(split.filteredPeak == whole.filteredPeak)
        #expect(split.nonZero == whole.nonZero)
        let result = try PurityDetector().detect(recordingAt: directory.file("long.wav"),
                                                 parameters: ParameterValues(defaultsOf: PurityDetector.descriptor))
        #expect(result.usvs.count == calls.count)

        // In chunks (5 s here, a minute in use) the USVs are exactly those of one pass with the same threshold,
        // the straddling ones included.
        let source = ByteSource.file(directory.file("long.wav"))
        let level = try PurityDetector.sparseThreshold(path: source, info: info, settings: settings)
        let minimumPeak = 4 * level
        let track = try FrameTrack.measure(path: source, sampleRate: info.sampleRate, settings: settings, sparseThreshold: level,
                                           frames: 0..<total, totalFrames: total)
        let threshold = PurityDetector.automaticThreshold(PurityDetector.backgroundPurity(track, minimumPeak: minimumPeak))
        let batch = PurityDetector.segment(track, settings: settings, purityThreshold: threshold, minimumPeak: minimumPeak,
                                           sampleRate: info.sampleRate).map(\.usv)
        let chunked = try PurityDetector.detectInChunks(source, info: info, settings: settings, sparseThreshold: level,
                                                        purityThreshold: threshold, minimumPeak: minimumPeak, chunk: 6_000)
        #expect(batch.count == calls.count)
        #expect(chunked == batch)
    }
}
