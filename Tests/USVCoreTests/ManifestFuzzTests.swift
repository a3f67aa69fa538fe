import Foundation
import Testing
import USVCore
import USVTestSupport

/// The manifest parser on mutated manifests of every dialect: no crash, typed errors only.
@Suite struct ManifestFuzzTests {
    @Test func mutatedManifestsNeverCrashTheParser() throws {
        let real = try readWholeFile(referenceDirectory + "/MANIFEST.txt", limit: 1 << 24)
        let hash = String(repeating: "ab", count: 32)
        let seeds: [[UInt8]] = [
            Array(real.prefix(6_000)),
            Array("\(hash)  Data/a.wav\n\(hash) *Data/b.wav\n".utf8),
            Array("SHA256 (Data/a.wav) = \(hash)\n".utf8),
            Array("\(hash) data/Data/a.wav\r\n\(hash) data/Icon\r\r\n".utf8),
        ]
        var fuzzer = MutationFuzzer(seed: 7)
        let outcome = fuzzer.run(seeds: seeds) { bytes in _ = try ManifestParser.parse(bytes, name: "fuzz-manifest.txt") }
        #expect(outcome.untypedErrors == [])
        #expect(outcome.slowestSeconds < 1, "an input of \(outcome.slowestInput.count) bytes took \(outcome.slowestSeconds) s: \(outcome.slowestInput.prefix(256))")
        #expect(outcome.iterations >= 200)
        print("manifest fuzz: \(outcome.iterations) inputs, \(outcome.accepted) parsed, \(outcome.rejected) rejected with typed errors")
    }
}
