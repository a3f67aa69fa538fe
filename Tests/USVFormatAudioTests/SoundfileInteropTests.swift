import Foundation
import Testing
import USVCore
import USVFormatAudio
import USVTestSupport

/// soundfile (the Python ecosystem's libsndfile binding) writes WAV, W64, RF64, AIFF and FLAC at 300 kHz that
/// we read with the same sample values; what we write, soundfile reads with our values.
@Suite struct SoundfileInteropTests {
    struct Expected: Decodable { var rate: Int; var values: [Double] }
    struct Seen: Decodable { var rate: Int; var subtype: String; var values: [Double] }

    @Test(.enabled(if: PythonPeers.available(), "needs soundfile (Benchmarks/peers/setup.sh)"))
    func soundfileAndWeReadEachOthersFilesExactly() throws {
        let python = try PythonPeers.python()
        let directory = try TemporaryDirectory("soundfile")
        defer { directory.remove() }
        _ = try runPeer(python, script: "audio_peer.py", arguments: ["write", directory.path])
        let expected = try JSONDecoder().decode([String: Expected].self, from: Data(contentsOf: URL(fileURLWithPath: directory.file("expected.json"))))
        #expect(expected.count == 9)
        let format = SndfileAudioFormat()
        for (name, file) in expected.sorted(by: { $0.key < $1.key }) {
            let head = Array(try readWholeFile(directory.file(name), limit: 1 << 20).prefix(64))
            #expect(format.sniff(head: head, fileName: "x") == .byContent, "\(name)")
            let signal = try format.readAudio(from: .file(directory.file(name)), frames: nil)
            #expect(signal.sampleRate == file.rate, "\(name)")
            // Float samples widen to Double exactly; soundfile's float64 read of the same file gives these values.
            #expect(signal.samples.map(Double.init) == file.values.map { Double(Float($0)) }, "\(name)")
        }
        let source = try format.readAudio(from: .file(directory.file("pcm24.wav")), frames: nil)
        for (name, encoding, subtype) in [("ours16.wav", "pcm16", "PCM_16"), ("ours24.wav", "pcm24", "PCM_24"),
                                          ("oursf.wav", "float", "FLOAT"), ("ours16.flac", "pcm16", "PCM_16"), ("ours24.flac", "pcm24", "PCM_24")] {
            try format.writeAudio(source, to: directory.file(name), encoding: encoding)
            let seen = try JSONDecoder().decode(Seen.self, from: Data(try runPeer(python, script: "audio_peer.py",
                                                                                  arguments: ["read", directory.file(name)]).utf8))
            #expect(seen.rate == 300_000 && seen.subtype == subtype, "\(name)")
            let ours = try format.readAudio(from: .file(directory.file(name)), frames: nil)
            #expect(seen.values == ours.samples.map(Double.init), "\(name)")
            if encoding != "pcm16" { #expect(ours.samples == source.samples, "\(name): 24-bit and float keep 24-bit samples") }
        }
    }
}
