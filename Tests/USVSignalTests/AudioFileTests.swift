import Foundation
import Testing
import USVCore
@testable import USVSignal
import USVTestSupport

@Suite struct AudioFileTests {
    @Test func int16SamplesRoundTripExactlyInBlocks() throws {
        let directory = try TemporaryDirectory("signal")
        defer { directory.remove() }
        let path = directory.file("r.wav")
        let writer = try AudioFileWriter(path: path, sampleRate: 300_000)
        var expected: [Int16] = []
        for block in 0..<5 {
            let samples = (0..<70_001).map { Int16(truncatingIfNeeded: ($0 &* 31 &+ block &* 977) % 65_536 - 32_768) }
            expected += samples
            try writer.write(samples)
        }
        try writer.close()
        let reader = try AudioFileReader(path: path)
        #expect(reader.info == AudioInfo(sampleRate: 300_000, channels: 1, frames: expected.count, bitDepth: 16, encoding: "wav/pcm16"))
        var buffer = [Float](repeating: 0, count: 65_536)
        var read: [Int16] = []
        while true {
            let count = try reader.read(into: &buffer)
            if count == 0 { break }
            read += buffer[0..<count].map { Int16(($0 * 32_768).rounded()) }
        }
        #expect(read == expected)
        let signal = try reader.readSignal(frames: 100..<200)
        #expect(signal.samples.map { Int16(($0 * 32_768).rounded()) } == Array(expected[100..<200]))
        #expect(throws: USVError.self) { try reader.readSignal(frames: 0..<(expected.count + 1)) }
    }

    @Test func missingFileNamesThePath() {
        do {
            _ = try AudioFileReader(path: "/nonexistent/file.wav")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("/nonexistent/file.wav"))
        }
    }
}
