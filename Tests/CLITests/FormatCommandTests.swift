import Foundation
import Testing
import USVCore
import USVSignal
import USVTestSupport

@Suite struct FormatCommandTests {
    @Test func formatsAreListed() throws {
        let result = try USVExecutable.run(["formats", "--json"])
        #expect(result.status == 0)
        try validateAgainstSchema("formats.schema.json", result.stdout)
        let table = try USVExecutable.run(["formats"]).stdoutText
        #expect(table.contains("format.audio") && table.contains("format.mat") && table.contains("format.png"))
    }

    @Test func audioConvertsLosslesslyAndClips() throws {
        let directory = try TemporaryDirectory("cli-convert")
        defer { directory.remove() }
        let samples = (0..<60_000).map { Int16(truncatingIfNeeded: ($0 &* 7919) % 50_000 - 25_000) }
        let wav = directory.file("in.wav")
        let writer = try AudioFileWriter(path: wav, sampleRate: 300_000)
        try writer.write(samples)
        try writer.close()

        let flac = directory.file("out.flac")
        let result = try USVExecutable.run(["convert", wav, flac])
        #expect(result.status == 0, "\(result.stderr)")
        let back = try AudioFileReader(path: flac)
        #expect(back.info.sampleRate == 300_000)
        #expect(back.info.encoding == "flac/pcm16")
        let decoded = try back.readSignal().samples.map { Int16(($0 * 32_768).rounded()) }
        #expect(decoded == samples)

        let clip = directory.file("clip.wav")
        #expect(try USVExecutable.run(["convert", flac, clip, "--start", "0.05", "--stop", "0.1", "--encoding", "float"]).status == 0)
        let clipped = try AudioFileReader(path: clip)
        #expect(clipped.info.frames == 15_000)
        #expect(clipped.info.encoding == "wav/float")
        #expect(try clipped.readSignal().samples.map { Int16(($0 * 32_768).rounded()) } == Array(samples[15_000..<30_000]))

        #expect(try USVExecutable.run(["convert", wav, flac]).status == 2)  // exists
        #expect(try USVExecutable.run(["convert", wav, flac, "--force"]).status == 0)
        try directory.write("junk.bin", "not audio at all")
        #expect(try USVExecutable.run(["convert", directory.file("junk.bin"), directory.file("x.wav")]).status == 2)
        #expect(try USVExecutable.run(["convert", wav, directory.file("x.mp3")]).status == 2)
        #expect(!FileManager.default.fileExists(atPath: directory.file("x.wav")))
    }
}
