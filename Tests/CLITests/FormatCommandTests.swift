import Foundation
import Testing
import USVCore
import USVFormatMAT
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

    @Test func matFilesConvertBetweenVersionsAndToHDF5() throws {
        let directory = try TemporaryDirectory("cli-convert-mat")
        defer { directory.remove() }
        let original = try MATValueFixture.write(directory.file("data000000001.mat"))
        #expect(try USVExecutable.run(["convert", original, directory.file("v73.mat"), "--mat-version", "v7.3"]).status == 0)
        #expect(try USVExecutable.run(["convert", directory.file("v73.mat"), directory.file("back.mat")]).status == 0)
        #expect(try USVExecutable.run(["convert", original, directory.file("v.h5")]).status == 0)
        let h5 = try HDF5File(path: directory.file("v.h5"), mode: .read)
        #expect(try h5.attribute("MATLAB_class", on: "/v") == "struct")
        #expect(try h5.read("/v/Start").values == [1.25])
        // v5 -> v7.3 -> v5 gives the same bytes back apart from the header's date text.
        let first = try readWholeFile(original, limit: 1 << 20)
        let back = try readWholeFile(directory.file("back.mat"), limit: 1 << 20)
        #expect(Array(first.dropFirst(116)) == Array(back.dropFirst(116)))
        #expect(try USVExecutable.run(["convert", original, directory.file("v.h5"), "--mat-version", "v5", "--force"]).status == 2)
        #expect(try USVExecutable.run(["convert", original, directory.file("x.wav")]).status == 2)
    }

    @Test func archivesRepackAndHostileMembersAreRefused() throws {
        let directory = try TemporaryDirectory("cli-convert-archive")
        defer { directory.remove() }
        let zip = directory.file("wavs.zip")
        let writer = try ArchiveWriter(path: zip, format: .zip(compress: false))
        try writer.add(member: "Rfem01/a.wav", bytes: Array("RIFF one".utf8))
        try writer.add(member: "Rfem01/b.wav", bytes: [UInt8](repeating: 7, count: 100_000))
        try writer.close()
        let tarball = directory.file("wavs.tar.gz")
        let repack = try USVExecutable.run(["convert", zip, tarball])
        #expect(repack.status == 0, "\(repack.stderr)")
        let reader = try ArchiveReader(path: tarball)
        var members: [String: [UInt8]] = [:]
        while let member = try reader.nextMember() { members[member.path] = try reader.readAll(limit: 1 << 20) }
        #expect(members == ["Rfem01/a.wav": Array("RIFF one".utf8), "Rfem01/b.wav": [UInt8](repeating: 7, count: 100_000)])
        #expect(try USVExecutable.run(["convert", tarball, directory.file("again.zip")]).status == 0)

        // Zip-slip and absolute members.
        for (name, member) in [("slip.zip", "../../outside.wav"), ("absolute.zip", "/tmp/usv-absolute.wav")] {
            let hostile = try ArchiveWriter(path: directory.file(name), format: .zip(compress: true))
            try hostile.add(member: member, bytes: Array("evil".utf8))
            try hostile.close()
            let result = try USVExecutable.run(["convert", directory.file(name), directory.file(name + ".tar.gz")])
            #expect(result.status == 2 && result.stderr.contains("unsafe path"), "\(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: directory.file(name + ".tar.gz")))
        }
        #expect(!FileManager.default.fileExists(atPath: directory.file("../outside.wav")))
        // A symbolic-link member, made by the system's tar.
        try FileManager.default.createDirectory(atPath: directory.file("linked"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: directory.file("linked/secret.wav"), withDestinationPath: "/etc/passwd")
        let tar = Process()
        tar.executableURL = URL(fileURLWithPath: "/bin/tar")
        tar.arguments = ["-czf", directory.file("link.tar.gz"), "-C", directory.path, "linked"]
        try tar.run()
        tar.waitUntilExit()
        let link = try USVExecutable.run(["convert", directory.file("link.tar.gz"), directory.file("link.zip")])
        #expect(link.status == 2 && link.stderr.contains("symbolic-link"), "\(link.stderr)")

        // A decompression bomb: 64 MiB of zeros deflate about a thousand-fold.
        let bomb = try ArchiveWriter(path: directory.file("bomb.zip"), format: .zip(compress: true))
        try bomb.add(member: "silence.wav", bytes: [UInt8](repeating: 0, count: 64 << 20))
        try bomb.close()
        let refused = try USVExecutable.run(["convert", directory.file("bomb.zip"), directory.file("bomb.tar.gz")])
        #expect(refused.status == 2 && refused.stderr.contains("decompression bomb"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.file("bomb.tar.gz")))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).allSatisfy { !$0.contains("partial") })
        let capped = try USVExecutable.run(["convert", zip, directory.file("capped.tar.gz"), "--max-member-size", "1000"])
        #expect(capped.status == 2 && capped.stderr.contains("expands beyond 1000 bytes"), "\(capped.stderr)")
        // Trusted: a higher ratio lets it through.
        #expect(try USVExecutable.run(["convert", directory.file("bomb.zip"), directory.file("bomb.tar.gz"), "--max-ratio", "5000"]).status == 0)
    }
}

/// A per-USV MAT-file like the Donders data set's, written by our v5 writer.
enum MATValueFixture {
    static func write(_ path: String) throws -> String {
        let v = MATValue.structure(dimensions: [1, 1], fieldNames: ["Sound", "Start", "Filename"], elements: [[
            "Sound": .cell(dimensions: [1, 1], values: [.numeric(.double, dimensions: [3, 1], real: [0.5, -0.25, 0.125], imaginary: nil)]),
            "Start": .scalar(1.25), "Filename": .string("Rfem_Afem01.wav"),
        ]])
        try MATFormat().write([("v", v)], to: path, version: .v5)
        return path
    }
}
