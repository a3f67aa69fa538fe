import Foundation
import Testing
import USVCore
@testable import USVFeatureDetector
import USVSignal
import USVTestSupport

/// A synthetic scene at any sample rate: white noise, whistles (sweeps of any steepness), broadband clicks
/// and low-frequency cage noise, scaled by a gain and clipped at full scale like a real converter.
struct Scene {
    struct Whistle { var start, stop, fromHz, toHz: Double }
    var sampleRate = 250_000
    var seconds = 2.0
    var noise = 0.003
    var whistles: [Whistle] = []
    var whistleAmplitude = 0.01
    /// Click onsets (s): 2 ms of decaying white noise, 30× the floor's peak.
    var clicks: [Double] = []
    /// Standard deviation of the 2–8 kHz cage rumble (0: none).
    var cage = 0.0
    var gain = 1.0

    func samples() -> [Float] {
        let rate = Double(sampleRate)
        var values = [Double](repeating: 0, count: Int(seconds * rate))
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func uniform() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        func gaussian() -> Double { (-2 * log(max(uniform(), 1e-300))).squareRoot() * cos(2 * .pi * uniform()) }
        for index in values.indices { values[index] = noise * gaussian() }
        for whistle in whistles {
            var phase = 0.0
            let first = Int(whistle.start * rate), last = Int(whistle.stop * rate)
            let ramp = 0.001 * rate
            for index in first..<last {
                let fraction = Double(index - first) / Double(last - first)
                phase += 2 * .pi * (whistle.fromHz + (whistle.toHz - whistle.fromHz) * fraction) / rate
                let envelope = min(1, Double(index - first) / ramp, Double(last - index) / ramp)
                values[index] += whistleAmplitude * envelope * sin(phase)
            }
        }
        for click in clicks {
            let first = Int(click * rate), length = Int(0.002 * rate)
            for index in first..<min(values.count, first + length) {
                values[index] += 30 * noise * exp(-Double(index - first) / Double(length / 4)) * gaussian()
            }
        }
        if cage > 0 {
            // Rumble: a few low tones with wandering amplitude.
            for (frequency, share) in [(2_300.0, 1.0), (4_100.0, 0.6), (7_700.0, 0.3)] {
                for index in values.indices {
                    let time = Double(index) / rate
                    values[index] += cage * share * (1 + 0.5 * sin(2 * .pi * 3 * time)) * sin(2 * .pi * frequency * time)
                }
            }
        }
        return values.map { Float(max(-1, min(1, $0 * gain))) }
    }

    func write(_ path: String, encoding: AudioEncoding = .pcm16) throws {
        let writer = try AudioFileWriter(path: path, sampleRate: sampleRate, encoding: encoding)
        let values = samples()
        if encoding == .pcm16 {
            try writer.write(values.map { Int16(max(-32_767, min(32_767, ($0 * 32_767).rounded()))) })
        } else {
            try writer.write(values)
        }
        try writer.close()
    }
}

@Suite struct ToneContrastDetectorTests {
    let detector = ToneContrastDetector()
    let defaults: ParameterValues

    init() throws { defaults = try ParameterValues(defaultsOf: ToneContrastDetector.descriptor) }

    @Test func conformsToThePluginContract() {
        #expect(checkPluginDescriptor(detector) == [])
    }

    @Test func theDefaultDetectorIsThisOneAndThePapersStaysAvailableByName() throws {
        #expect(ToneContrastDetector.descriptor.id == "feature.usv-detector")
        #expect(ToneContrastDetector.descriptor.version.hasPrefix("2."))
        #expect(PurityDetector.descriptor.id == "feature.usv-detector-paper")
    }

    /// The same calls, clicks and rumble at 192, 250, 300, 384 and 500 kHz, through a quiet microphone (−40 dB,
    /// float samples) and with calls so loud that they clip (whistles 3× full scale, cut at ±1): every whistle
    /// found within 2 ms of its boundaries (about 30 dB above the floor, a call's 1 ms window and 1.5 ms
    /// smoothing reach ~1 ms past its ends), nothing else (no click, no rumble) becomes a USV.
    @Test(arguments: [(192_000, 1.0, 0.01), (250_000, 1.0, 0.01), (300_000, 1.0, 0.01), (384_000, 1.0, 0.01), (500_000, 1.0, 0.01),
                      (250_000, 0.01, 0.01), (250_000, 1.0, 3.0)])
    func findsTheWhistlesAtAnyRateAndGainAndNothingElse(rate: Int, gain: Double, whistleAmplitude: Double) throws {
        let directory = try TemporaryDirectory("tone-contrast")
        defer { directory.remove() }
        var scene = Scene(sampleRate: rate, seconds: 2.5, whistleAmplitude: whistleAmplitude, gain: gain)
        scene.whistles = [
            .init(start: 0.10, stop: 0.14, fromHz: 60_000, toHz: 70_000),     // a short upsweep
            .init(start: 0.40, stop: 0.52, fromHz: 80_000, toHz: 55_000),     // a long downsweep
            .init(start: 0.80, stop: 0.81, fromHz: 50_000, toHz: 80_000),     // steep: 3 kHz per ms
            .init(start: 1.20, stop: 1.205, fromHz: 45_000, toHz: 75_000),    // steeper: 6 kHz per ms
            .init(start: 1.50, stop: 1.53, fromHz: 40_000, toHz: 40_000),     // flat
            .init(start: 2.00, stop: 2.20, fromHz: 65_000, toHz: 85_000),     // 200 ms
        ].filter { max($0.fromHz, $0.toHz) < 0.45 * Double(rate) }
        scene.clicks = [0.30, 0.95, 1.70, 1.90]
        scene.cage = 0.03
        let path = directory.file("scene.wav")
        try scene.write(path, encoding: gain < 1 ? .float : .pcm16)
        let found = try detector.detect(recordingAt: path, parameters: defaults).usvs
        let description = found.map { String(format: "%.4f–%.4f", $0.startSeconds, $0.stopSeconds) }.joined(separator: ", ")
        #expect(found.count == scene.whistles.count, "at \(rate) Hz, gain \(gain): \(description)")
        for (usv, whistle) in zip(found, scene.whistles) {
            #expect(abs(usv.startSeconds - whistle.start) <= 0.002, "start \(usv.startSeconds) vs \(whistle.start) at \(rate) Hz, gain \(gain)")
            #expect(abs(usv.stopSeconds - whistle.stop) <= 0.002, "stop \(usv.stopSeconds) vs \(whistle.stop) at \(rate) Hz, gain \(gain)")
            #expect(usv.minimumFrequency >= min(whistle.fromHz, whistle.toHz) - 3_000, "\(whistle) at \(rate) Hz, gain \(gain)")
            #expect(usv.maximumFrequency <= max(whistle.fromHz, whistle.toHz) + 3_000, "\(whistle) at \(rate) Hz, gain \(gain)")
        }
    }

    /// Noise, clicks and rumble alone: no USV, however loud the rumble.
    @Test(arguments: [0.0, 0.05, 0.5])
    func clicksAndCageNoiseAreNeverUSVs(cage: Double) throws {
        let directory = try TemporaryDirectory("tone-contrast-noise")
        defer { directory.remove() }
        var scene = Scene(seconds: 3, cage: cage)
        scene.clicks = stride(from: 0.1, to: 2.9, by: 0.13).map { $0 }
        try scene.write(directory.file("noise.wav"))
        let found = try detector.detect(recordingAt: directory.file("noise.wav"), parameters: defaults).usvs
        #expect(found.isEmpty, "\(found.map { ($0.startSeconds, $0.stopSeconds) })")
    }

    /// A clip that is nearly all call (a flat whistle filling 80 % of it): the floor comes from the quietest
    /// frames and the neighbouring rows, never from the call.
    @Test func aClipThatIsMostlyCallStillHasItsCall() throws {
        let directory = try TemporaryDirectory("tone-contrast-clip")
        defer { directory.remove() }
        var scene = Scene(seconds: 0.1)
        scene.whistles = [.init(start: 0.01, stop: 0.09, fromHz: 70_000, toHz: 71_000)]
        try scene.write(directory.file("clip.wav"))
        let found = try detector.detect(recordingAt: directory.file("clip.wav"), parameters: defaults).usvs
        #expect(found.count == 1)
        #expect(abs((found.first?.startSeconds ?? 0) - 0.01) <= 0.002)
        #expect(abs((found.first?.stopSeconds ?? 0) - 0.09) <= 0.002)
    }

    /// Long recordings are measured in chunks (each with its own floor): the same calls as at once.
    @Test func chunkedDetectionFindsCallsAcrossChunkBorders() throws {
        let directory = try TemporaryDirectory("tone-contrast-long")
        defer { directory.remove() }
        var scene = Scene(sampleRate: 192_000, seconds: 65)
        // One call across each 30 s chunk border, others elsewhere.
        scene.whistles = [0.5, 15.0, 29.98, 44.0, 59.99, 64.0].map { .init(start: $0, stop: $0 + 0.05, fromHz: 55_000, toHz: 75_000) }
        try scene.write(directory.file("long.wav"))
        let found = try detector.detect(recordingAt: directory.file("long.wav"), parameters: defaults).usvs
        #expect(found.count == scene.whistles.count, "\(found.map { ($0.startSeconds, $0.stopSeconds) })")
        for (usv, whistle) in zip(found, scene.whistles) {
            #expect(abs(usv.startSeconds - whistle.start) <= 0.0025, "\(usv.startSeconds) vs \(whistle.start)")
            #expect(abs(usv.stopSeconds - whistle.stop) <= 0.0025, "\(usv.stopSeconds) vs \(whistle.stop)")
        }
    }

    @Test func aRecordingBelow100kHzIsRefusedWithTheReason() throws {
        let directory = try TemporaryDirectory("tone-contrast-low-rate")
        defer { directory.remove() }
        try Scene(sampleRate: 44_100, seconds: 0.5).write(directory.file("audible.wav"))
        #expect {
            try detector.detect(recordingAt: directory.file("audible.wav"), parameters: defaults)
        } throws: { error in
            "\(error)".contains("44100 Hz") && "\(error)".contains("cannot hold ultrasonic calls")
        }
    }

    @Test func anEmptyRecordingIsAnError() throws {
        let directory = try TemporaryDirectory("tone-contrast-empty")
        defer { directory.remove() }
        let writer = try AudioFileWriter(path: directory.file("empty.wav"), sampleRate: 250_000)
        try writer.close()
        #expect(throws: USVError.self) { try detector.detect(recordingAt: directory.file("empty.wav"), parameters: defaults) }
    }

    @Test(arguments: ["exit-contrast=30", "hop-ms=0", "min-frequency=130000", "floor-quantile=100", "max-duration=1"])
    func brokenParametersAreRefusedBeforeAnyWork(setting: String) throws {
        let parts = setting.split(separator: "=").map(String.init)
        let values = try ParameterValues(defaultsOf: ToneContrastDetector.descriptor, overrides: [parts[0]: parts[1]])
        #expect(throws: USVError.self) {
            try detector.detect(recordingAt: "/nonexistent/never-opened.wav", parameters: values)
        }
    }

    @Test func selectFindsEveryRank() {
        var state: UInt64 = 7
        for count in [1, 2, 3, 10, 31] {
            let values = (0..<count).map { _ -> Float in
                state = state &* 6_364_136_223_846_793_005 &+ 1
                return Float(state >> 54)
            }
            for rank in 0..<count {
                var copy = values
                #expect(copy.withUnsafeMutableBufferPointer { WhitenedBlock.select($0, rank: rank) } == values.sorted()[rank])
            }
        }
    }
}
