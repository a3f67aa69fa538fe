import Foundation
import Testing
import USVCore
import USVSignal
import USVTestSupport

@Suite struct FeatureCommandTests {
    /// Two whistles in noise, 0.6 s at 300 kHz.
    func recording(_ directory: TemporaryDirectory) throws -> String {
        let first = TestCall(duration: 0.05) { 60_000 + 10_000 * $0 }.samples(seed: 1)
        let second = TestCall(duration: 0.08) { 80_000 - 20_000 * $0 }.samples(seed: 2)
        var random = SplitMix64(seed: 3)
        var samples = (0..<180_000).map { _ in Float(0.003 * random.normal()) }
        for (offset, call) in [(30_000, first), (120_000, second)] {
            for index in call.indices { samples[offset + index] += call[index] }
        }
        let path = directory.file("rec.wav")
        let writer = try AudioFileWriter(path: path, sampleRate: 300_000)
        try writer.write(samples)
        try writer.close()
        return path
    }

    @Test func detectFindsTheCallsInEveryOutputForm() throws {
        let directory = try TemporaryDirectory("cli-detect")
        defer { directory.remove() }
        let path = try recording(directory)
        let json = try USVExecutable.run(["detect", path, "--json"])
        #expect(json.status == 0, "\(json.stderr)")
        try validateAgainstSchema("detect-report.schema.json", json.stdout)
        guard case .array(let usvs)? = try JSONDecoder().decode(JSONValue.self, from: json.stdout)["result"]?["usvs"] else {
            Issue.record("no usvs array")
            return
        }
        #expect(usvs.count == 2)
        if case .number(let start)? = usvs.first?["startSeconds"] { #expect(abs(start - (0.1 + 0.005)) < 0.003) }
        let csv = try USVExecutable.run(["detect", path, "--csv"])
        #expect(csv.stdoutText.split(separator: "\n").count == 3)
        #expect(csv.stdoutText.hasPrefix("start_s,stop_s,"))
        let table = try USVExecutable.run(["detect", path])
        #expect(table.stdoutText.contains("2 USVs in 0.6 s of audio"))
        #expect(try USVExecutable.run(["detect", path, "--param", "nonsense=1"]).status == 2)
        #expect(try USVExecutable.run(["detect", directory.file("missing.wav")]).status == 2)
        // The paper's pipeline by name finds the same two calls; an unknown detector is a usage error.
        let paper = try USVExecutable.run(["detect", path, "--detector", "feature.usv-detector-paper"])
        #expect(paper.status == 0, "\(paper.stderr)")
        #expect(paper.stdoutText.contains("2 USVs in 0.6 s of audio") && paper.stdoutText.contains("feature.usv-detector-paper 1.0.0"))
        #expect(table.stdoutText.contains("feature.usv-detector 2."))
        #expect(try USVExecutable.run(["detect", path, "--detector", "feature.nonsense"]).status == 2)
    }

    /// Audio at 44.1 kHz cannot hold ultrasonic calls: detect says so and exits 1 (it is no usage error).
    @Test func detectRefusesARecordingBelow100kHz() throws {
        let directory = try TemporaryDirectory("cli-detect-low-rate")
        defer { directory.remove() }
        let writer = try AudioFileWriter(path: directory.file("audible.wav"), sampleRate: 44_100)
        try writer.write([Float](repeating: 0.01, count: 44_100))
        try writer.close()
        let result = try USVExecutable.run(["detect", directory.file("audible.wav")])
        #expect(result.status == 1)
        #expect(result.stderr.contains("44100 Hz") && result.stderr.contains("cannot hold ultrasonic calls"))
    }

    @Test func spectrogramWritesPictureAndNumbers() throws {
        let directory = try TemporaryDirectory("cli-spectrogram")
        defer { directory.remove() }
        let path = try recording(directory)
        let result = try USVExecutable.run(["spectrogram", path, "--start", "0.09", "--stop", "0.17",
                                            "--out", directory.file("c.png"), "--out", directory.file("c.csv")])
        #expect(result.status == 0, "\(result.stderr)")
        let png = try readWholeFile(directory.file("c.png"), limit: 1 << 24)
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        let lines = String(decoding: try readWholeFile(directory.file("c.csv"), limit: 1 << 26), as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 1 + 233)
        #expect(lines[1].hasPrefix("10200.0,"))
        #expect(lines[0].split(separator: ",").count == 1 + (24_000 - 500) / 250 + 1)
        // Whole recording streamed as float32 with a sidecar; its values equal the in-memory engine's.
        let raw = try USVExecutable.run(["spectrogram", path, "--out", directory.file("w.f32")])
        #expect(raw.status == 0, "\(raw.stderr)")
        try validateAgainstSchema("spectrogram-f32.schema.json", Data(try readWholeFile(directory.file("w.f32.json"), limit: 1 << 20)))
        let bytes = try readWholeFile(directory.file("w.f32"), limit: 1 << 28)
        let values = bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        let signal = try AudioFileReader(path: path).readSignal()
        let expected = try SpectrogramEngine(sampleRate: 300_000).spectrogram(of: signal.samples)
        #expect(values == expected.values)
        #expect(try USVExecutable.run(["spectrogram", path, "--start", "0.1", "--out", directory.file("x.f32")]).status == 2)
        #expect(try USVExecutable.run(["spectrogram", path, "--out", directory.file("x.txt")]).status == 2)
        #expect(try USVExecutable.run(["spectrogram", path, "--start", "5", "--out", directory.file("x.png")]).status == 2)
    }
}
