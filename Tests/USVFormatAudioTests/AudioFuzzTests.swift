import Foundation
import Testing
import USVCore
import USVFormatAudio
import USVTestSupport

/// The WAV/FLAC header path (libsndfile behind our reader) on mutated files: no crash, typed errors only.
@Suite struct AudioFuzzTests {
    @Test func mutatedAudioHeadersNeverCrashTheReader() throws {
        let directory = try TemporaryDirectory("audio-fuzz")
        defer { directory.remove() }
        let format = SndfileAudioFormat()
        let signal = AudioSignal(samples: (0..<600).map { Float(($0 * 37) % 200 - 100) / 128 }, sampleRate: 300_000)
        var seeds: [[UInt8]] = []
        for (name, encoding) in [("a.wav", "pcm16"), ("b.wav", "float"), ("c.wav", "pcm24"), ("d.flac", "pcm16")] {
            try format.writeAudio(signal, to: directory.file(name), encoding: encoding)
            seeds.append(try readWholeFile(directory.file(name), limit: 1 << 20))
        }
        var fuzzer = MutationFuzzer(seed: 20_201_126)
        let outcome = fuzzer.run(seeds: seeds) { bytes in
            let source = ByteSource.memory(name: "fuzz.wav", bytes: bytes)
            let info = try format.audioInfo(of: source)
            // Never more than a few thousand frames, whatever the header claims.
            _ = try format.readAudio(from: source, frames: 0..<min(info.frames, 4_096))
        }
        #expect(outcome.untypedErrors == [])
        #expect(outcome.slowestSeconds < 1, "an input of \(outcome.slowestInput.count) bytes took \(outcome.slowestSeconds) s: \(outcome.slowestInput.prefix(256))")
        #expect(outcome.iterations >= 200 && outcome.rejected > 0)
        print("audio fuzz: \(outcome.iterations) inputs, \(outcome.accepted) read, \(outcome.rejected) rejected with typed errors")
    }
}
