import Crypto
import Foundation
import Testing
import USVCore
@testable import USVDataSetSynth
import USVSignal
import USVTestSupport

@Suite struct LayoutTests {
    @Test func writesTheDondersLayoutAndNothingElse() throws {
        let fixture = try SynthFixture()
        defer { fixture.remove() }
        let files = Set(try fixture.allFiles())
        let expected: Set<String> = [
            "README.txt", "LICENSE.txt", "MANIFEST.txt", "Code/README.txt",
            "Data/Icon\r", "Data/RawRecordings/Icon\r", "Code/Icon\r",
            "Data/RawRecordings/Sex/Rfem_Afem01.wav", "Data/RawRecordings/Sex/Rfem_Afem02.wav",
            "Data/RawRecordings/Sex/Rmale_Afem01.wav", "Data/RawRecordings/Sex/Rmale_Afem02.wav",
            "Data/RawRecordings/Strain/RecordingsCortexless.zip",
            TablesWriter.featuresPath, TablesWriter.labelsPath,
            "GROUND_TRUTH/usvs.csv", "GROUND_TRUTH/ground-truth.json",
        ]
        #expect(files == expected, "unexpected: \(files.subtracting(expected).map(\.visibleEscapes)), missing: \(expected.subtracting(files).map(\.visibleEscapes))")
        #expect(!FileManager.default.fileExists(atPath: fixture.path(DondersSynthSource.temporaryDirectory)))
        for icon in DondersSynthSource.iconFiles { #expect(try fixture.bytes(icon).isEmpty) }

        let totalBytes = try fixture.allFiles().reduce(Int64(0)) { total, file in
            guard case .success(let status) = FileStatus.status(fixture.path(file)) else { return total }
            return total + status.size
        }
        #expect(fixture.summary.files == files.count)
        #expect(fixture.summary.bytes == totalBytes)
        #expect(totalBytes < 5_000_000, "tiny must stay well under 5 MB, is \(totalBytes)")
        #expect(fixture.summary.recordings == 6)

        let readme = try fixture.text("README.txt")
        #expect(readme.contains("SYNTHETIC"))
        #expect(readme.contains("scale 'tiny', seed 1"))
        #expect(readme.contains("Cortexless or Control"))
        #expect(try fixture.text("LICENSE.txt").contains("synthetic"))
    }

    @Test func manifestIsInDondersFormat() throws {
        let fixture = try SynthFixture()
        defer { fixture.remove() }
        let bytes = try fixture.bytes("MANIFEST.txt")
        #expect(bytes.last == 0x0A)
        // Split on the byte 0x0A: as Characters, "Icon\r" + "\n" is one grapheme ("\r\n") and would not split.
        let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast()
            .map { String(decoding: $0, as: UTF8.self) }
        let hexDigits = Set("0123456789abcdef")
        var paths: [String] = []
        for line in lines {
            let hash = String(line.prefix(64))
            #expect(hash.count == 64 && hash.allSatisfy { hexDigits.contains($0) }, "bad hash in \(line.visibleEscapes)")
            let rest = line.dropFirst(64)
            #expect(rest.first == " ")
            #expect(rest.dropFirst().first != " ", "exactly one space")
            let path = String(rest.dropFirst())
            paths.append(path)
            let actual = SHA256.hash(data: try fixture.bytes(path)).hexString
            #expect(actual == hash, "hash of \(path.visibleEscapes)")
        }
        #expect(!paths.contains("MANIFEST.txt"))
        #expect(Set(paths).count == paths.count)
        #expect(Set(paths) == Set(try fixture.allFiles()).subtracting(["MANIFEST.txt"]))
        #expect(paths != paths.sorted(), "the Donders manifest is unsorted")
        let emptyHash = SHA256.hash(data: [UInt8]()).hexString
        #expect(emptyHash == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        let iconLines = lines.filter { $0.hasSuffix("/Icon\r") }
        #expect(iconLines.count == 3)
        #expect(iconLines.allSatisfy { $0.hasPrefix(emptyHash + " ") })
        #expect(lines.contains { $0.hasSuffix(" GROUND_TRUTH/usvs.csv") })
    }

    @Test func recordingsAre300kHzMono16Bit() throws {
        let fixture = try SynthFixture()
        defer { fixture.remove() }
        for name in ["Rfem_Afem01", "Rfem_Afem02", "Rmale_Afem01", "Rmale_Afem02"] {
            let reader = try AudioFileReader(path: fixture.path("Data/RawRecordings/Sex/\(name).wav"))
            #expect(reader.info.sampleRate == 300_000)
            #expect(reader.info.channels == 1)
            #expect(reader.info.encoding == "wav/pcm16")
            #expect(reader.info.bitDepth == 16)
            #expect(reader.info.frames == Int(SynthScale.tiny.sexSeconds * 300_000))
            // No clipping: peaks stay below 0.9 full scale.
            let samples = try reader.readSignal().samples
            #expect(samples.map(abs).max() ?? 1 < 0.9)
        }
    }

    @Test func strainZipStoresTheNamedWAVMembers() throws {
        let fixture = try SynthFixture()
        defer { fixture.remove() }
        let reader = try ArchiveReader(path: fixture.path("Data/RawRecordings/Strain/RecordingsCortexless.zip"))
        var members: [String] = []
        while let member = try reader.nextMember() {
            members.append(member.path)
            #expect(member.kind == .regular)
            let bytes = try reader.readAll(limit: 8 << 20)
            #expect(Int64(bytes.count) == member.size)
            // RIFF/WAVE, PCM, mono, 300 kHz, 16 bits.
            #expect(Array(bytes[0..<4]) == Array("RIFF".utf8))
            #expect(Array(bytes[8..<12]) == Array("WAVE".utf8))
            func little(_ offset: Int, _ count: Int) -> Int {
                (0..<count).reduce(0) { $0 | Int(bytes[offset + $1]) << (8 * $1) }
            }
            #expect(little(22, 2) == 1)
            #expect(little(24, 4) == 300_000)
            #expect(little(34, 2) == 16)
            #expect(bytes.count == 44 + Int(SynthScale.tiny.strainSeconds * 300_000) * 2)
        }
        #expect(members == ["RecordingsCortexless/Cortexless_M01.wav", "RecordingsCortexless/Control_M01.wav"])
        if case .success(let status) = FileStatus.status(fixture.path("Data/RawRecordings/Strain/RecordingsCortexless.zip")) {
            // Stored, not compressed: the zip is about as large as its members.
            #expect(status.size > 2 * Int64(SynthScale.tiny.strainSeconds * 300_000) * 2)
        }
    }

    @Test func refusesANonEmptyDirectoryAndBadParameters() throws {
        let directory = try TemporaryDirectory("usv-synth-refuse")
        defer { directory.remove() }
        try directory.write("out/keep.txt", "precious")
        let source = DondersSynthSource()
        let defaults = try ParameterValues(defaultsOf: DondersSynthSource.descriptor)
        #expect(throws: USVError.self) {
            _ = try source.generate(into: directory.file("out"), options: GenerationOptions(scale: "tiny", seed: 0, parameters: defaults),
                                    progress: SilentProgress())
        }
        #expect(try String(decoding: readWholeFile(directory.file("out/keep.txt"), limit: 100), as: UTF8.self) == "precious")
        #expect(throws: USVError.self) {
            _ = try source.generate(into: directory.file("out/keep.txt"), options: GenerationOptions(scale: "tiny", seed: 0, parameters: defaults),
                                    progress: SilentProgress())
        }
        for options in [GenerationOptions(scale: "huge", seed: 0, parameters: defaults),
                        GenerationOptions(scale: "tiny", seed: 0, parameters: ParameterValues(["difficulty": "1.5"])),
                        GenerationOptions(scale: "tiny", seed: 0, parameters: ParameterValues(["hardness": "1"])),
                        GenerationOptions(scale: "tiny", seed: 0, parameters: ParameterValues(
                            ["female-animals": "0", "male-animals": "0", "cortexless-animals": "0", "control-animals": "0"]))] {
            #expect(throws: USVError.self) {
                _ = try source.generate(into: directory.file("fresh"), options: options, progress: SilentProgress())
            }
        }
        #expect(!FileManager.default.fileExists(atPath: directory.file("fresh/Data")))
    }

    @Test func parametersOverrideTheScale() throws {
        let fixture = try SynthFixture(parameters: ["female-animals": "1", "male-animals": "3", "seconds": "0.5",
                                                    "cortexless-animals": "0", "control-animals": "0"])
        defer { fixture.remove() }
        let files = try fixture.allFiles()
        #expect(files.filter { $0.hasSuffix(".wav") } == [
            "Data/RawRecordings/Sex/Rfem_Afem01.wav", "Data/RawRecordings/Sex/Rmale_Afem01.wav",
            "Data/RawRecordings/Sex/Rmale_Afem02.wav", "Data/RawRecordings/Sex/Rmale_Afem03.wav",
        ])
        #expect(!files.contains { $0.hasSuffix(".zip") })
        let reader = try AudioFileReader(path: fixture.path("Data/RawRecordings/Sex/Rmale_Afem03.wav"))
        #expect(reader.info.frames == 150_000)
    }
}
