import Foundation
import Testing
import USVCore
import USVFormatAudio
import USVTestSupport

@Suite struct SndfileAudioFormatTests {
    let format = SndfileAudioFormat()

    @Test func conformsToTheFormatContract() {
        #expect(checkFormatPlugin(format) == [])
    }

    @Test(arguments: ["wav", "flac"])
    func roundTripsEveryEncodingAt300kHz(ext: String) throws {
        let directory = try TemporaryDirectory("audio")
        defer { directory.remove() }
        #expect(checkAudioRoundTrip(format, in: directory, extension: ext) == [])
    }

    @Test func flacIsLosslessAgainstWAV() throws {
        let directory = try TemporaryDirectory("audio")
        defer { directory.remove() }
        let samples = (0..<50_000).map { index in Float(Int16(truncatingIfNeeded: index &* 7919 % 60_000 - 30_000)) / 32768 }
        let signal = AudioSignal(samples: samples, sampleRate: 300_000)
        try format.writeAudio(signal, to: directory.file("a.wav"), encoding: "pcm16")
        try format.writeAudio(signal, to: directory.file("a.flac"), encoding: "pcm16")
        let wav = try format.readAudio(from: .file(directory.file("a.wav")), frames: nil)
        let flac = try format.readAudio(from: .file(directory.file("a.flac")), frames: nil)
        #expect(wav.samples == samples)
        #expect(flac.samples == wav.samples)
    }

    @Test func truncatedAndJunkFilesGiveClearErrors() throws {
        let directory = try TemporaryDirectory("audio")
        defer { directory.remove() }
        let signal = AudioSignal(samples: [Float](repeating: 0.25, count: 10_000), sampleRate: 300_000)
        let path = directory.file("t.wav")
        try format.writeAudio(signal, to: path, encoding: "pcm16")
        let bytes = try readWholeFile(path, limit: 1 << 20)
        try directory.write("t.wav", bytes: Array(bytes.prefix(bytes.count / 2)))
        do {
            _ = try format.readAudio(from: .file(path), frames: 0..<10_000)
            Issue.record("a truncated file must not read as complete")
        } catch let error as USVError {
            #expect(error.description.contains("t.wav"))
        }
        try directory.write("junk.wav", "RIFF but not really a wave file")
        #expect(throws: USVError.self) { try format.audioInfo(of: .file(directory.file("junk.wav"))) }
        #expect(throws: USVError.self) { try format.writeAudio(signal, to: directory.file("x.flac"), encoding: "float") }
    }
}
