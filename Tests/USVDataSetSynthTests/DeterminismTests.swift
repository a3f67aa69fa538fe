import Testing
import USVCore
@testable import USVDataSetSynth
import USVTestSupport

@Suite struct DeterminismTests {
    @Test func sameSeedSameBytesOtherSeedOtherBytes() throws {
        let first = try SynthFixture(seed: 42)
        defer { first.remove() }
        let second = try SynthFixture(seed: 42)
        defer { second.remove() }
        let other = try SynthFixture(seed: 43)
        defer { other.remove() }
        let manifest = try first.bytes("MANIFEST.txt")
        #expect(manifest == (try second.bytes("MANIFEST.txt")))
        #expect(manifest != (try other.bytes("MANIFEST.txt")))
        #expect(try first.bytes("Data/RawRecordings/Sex/Rmale_Afem02.wav") == (try second.bytes("Data/RawRecordings/Sex/Rmale_Afem02.wav")))
    }

    @Test func oneThreadWritesWhatTwoThreadsWrite() throws {
        let directory = try TemporaryDirectory("usv-synth-threads")
        defer { directory.remove() }
        let values = try ParameterValues(defaultsOf: DondersSynthSource.descriptor)
        let options = GenerationOptions(scale: "tiny", seed: 5, parameters: values)
        _ = try DondersSynthSource(threads: 1).generate(into: directory.file("one"), options: options, progress: SilentProgress())
        _ = try DondersSynthSource(threads: 2).generate(into: directory.file("two"), options: options, progress: SilentProgress())
        #expect(try readWholeFile(directory.file("one/MANIFEST.txt"), limit: 1 << 20)
            == (try readWholeFile(directory.file("two/MANIFEST.txt"), limit: 1 << 20)))
    }

    @Test func randomStreamsAreReproducibleAndIndependent() {
        var a = RandomSource(seed: 7, stream: .schedule, index: 3)
        var b = RandomSource(seed: 7, stream: .schedule, index: 3)
        var c = RandomSource(seed: 7, stream: .schedule, index: 4)
        var d = RandomSource(seed: 7, stream: .noise, index: 3)
        let first = (0..<8).map { _ in a.next() }
        #expect(first == (0..<8).map { _ in b.next() })
        #expect(first != (0..<8).map { _ in c.next() })
        #expect(first != (0..<8).map { _ in d.next() })
        var shuffled = Array(0..<100)
        a.shuffle(&shuffled)
        #expect(shuffled.sorted() == Array(0..<100))
        #expect(shuffled != Array(0..<100))
    }

    @Test func gaussianTableIsStandardNormal() {
        let values = GaussianTable.values.map(Double.init)
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
        #expect(abs(mean) < 1e-6)
        #expect(abs(variance - 1) < 0.01)
        #expect((values.max() ?? 0) < 4.5)
    }
}
