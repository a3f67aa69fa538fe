import Foundation
import Testing
@testable import USVCore
import USVTestSupport

/// Issue #18, item 6 (part): archive member names as UTF-8 whatever the process locale (a Swift program runs in the
/// C locale), names that are not UTF-8 reported losslessly, and only zip and tar (gzip, bzip2, xz, zstd) read.
@Suite struct ArchiveNamesTests {
    static let nfc = "data/caf\u{E9}.txt"
    static let nfd = "data/cafe\u{301}.txt"

    func members(_ path: String) throws -> [ArchiveMember] {
        let reader = try ArchiveReader(path: path)
        var out: [ArchiveMember] = []
        while let member = try reader.nextMember() { out.append(member) }
        return out
    }

    func write(_ format: ArchiveWriter.Format, names: [String]) throws -> String {
        let path = FilePaths.join(NSTemporaryDirectory(), "names-\(UUID().uuidString.prefix(6))")
        let writer = try ArchiveWriter(path: path, format: format)
        for name in names { try writer.add(member: name, bytes: Array(name.utf8)) }
        try writer.close()
        return path
    }

    /// Replaces every occurrence of `old` by `new` (same length) in the file: a name's bytes in both zip headers.
    func patch(_ path: String, _ old: [UInt8], _ new: [UInt8]) throws {
        var bytes = try readWholeFile(path, limit: 1 << 24)
        var index = 0
        while index + old.count <= bytes.count {
            if Array(bytes[index..<index + old.count]) == old { bytes.replaceSubrange(index..<index + old.count, with: new) }
            index += 1
        }
        try writeWholeFile(path, bytes: bytes)
    }

    @Test(arguments: [ArchiveWriter.Format.zip(compress: true), .tarGzip])
    func utf8NamesComeBackByteForByteInTheCLocale(format: ArchiveWriter.Format) throws {
        let archive = try write(format, names: [Self.nfc, Self.nfd, "data/\u{1F42D}.wav", "plain.txt"])
        defer { unlink(archive) }
        let read = try members(archive)
        #expect(read.map(\.pathBytes) == [Array(Self.nfc.utf8), Array(Self.nfd.utf8), Array("data/\u{1F42D}.wav".utf8), Array("plain.txt".utf8)])
        #expect(Set(read.map(\.pathBytes)).count == 4)  // the NFC/NFD twins stay two members
    }

    @Test func zipsMarkNonASCIINamesWithTheUTF8FlagAndAreReadWithOrWithoutIt() throws {
        let archive = try write(.zip(compress: false), names: [Self.nfc, "plain.txt"])
        defer { unlink(archive) }
        let bytes = try readWholeFile(archive, limit: 1 << 20)
        // General-purpose flags at offset 6 of each local header: bit 11 (0x800) means the name is UTF-8.
        #expect((UInt16(bytes[6]) | UInt16(bytes[7]) << 8) & 0x800 != 0, "the first (non-ASCII) name is flagged")
        // … which libarchive, in the C locale a Swift program runs in, cannot convert: the name comes from the central
        // directory, byte for byte (before, it came out empty).
        #expect(try members(archive).map(\.pathBytes) == [Array(Self.nfc.utf8), Array("plain.txt".utf8)])
        // The same zip with the flag cleared everywhere, as older tools write it: the stored bytes are taken.
        var cleared = bytes
        for index in 0..<(cleared.count - 10) where cleared[index] == 0x50 && cleared[index + 1] == 0x4B {
            if cleared[index + 2] == 3 && cleared[index + 3] == 4 { cleared[index + 7] &= ~0x08 }
            if cleared[index + 2] == 1 && cleared[index + 3] == 2 { cleared[index + 9] &= ~0x08 }
        }
        try writeWholeFile(archive, bytes: cleared)
        #expect(try members(archive).map(\.pathBytes) == [Array(Self.nfc.utf8), Array("plain.txt".utf8)])
        // A Latin-1 name (no flag, not UTF-8): its bytes, losslessly, and a verify report with them in base64.
        try patch(archive, Array("\u{E9}.txt".utf8), [0xE9, 0x5F] + Array(".txt".utf8))
        let latin = try #require(try members(archive).first)
        #expect(latin.pathBytes == Array("data/caf".utf8) + [0xE9, 0x5F] + Array(".txt".utf8))
        #expect(latin.path == "data/caf\\xE9_.txt")
    }

    @Test func onlyZipAndTarAreRead() throws {
        let directory = try TemporaryDirectory("formats")
        defer { directory.remove() }
        // An ar archive (libarchive reads it with every format enabled): refused, naming what is read.
        let ar = try directory.write("data.a", bytes: Array("!<arch>\n".utf8) + Array("a.txt/          0           0     0     644     2         `\nhi".utf8))
        do {
            _ = try ArchiveReader(path: ar)
            Issue.record("an ar archive was opened")
        } catch {
            #expect("\(error)".contains(supportedArchiveKinds), "\(error)")
        }
        // A gzip-compressed file that is not a tar: refused too (no raw format).
        let plain = try directory.write("notes.txt", "just text\n")
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gzip.arguments = ["-k", plain]
        try gzip.run()
        gzip.waitUntilExit()
        #expect(throws: USVError.self) { try ArchiveReader(path: plain + ".gz") }
        // tar with each compression the tool reads (those whose compressor is installed here).
        try directory.write("set/a.txt", "alpha")
        for (flag, program) in [("-z", "gzip"), ("-j", "bzip2"), ("-J", "xz"), ("--zstd", "zstd")] {
            guard FileManager.default.isExecutableFile(atPath: "/usr/bin/\(program)") || FileManager.default.isExecutableFile(atPath: "/bin/\(program)") else {
                print("onlyZipAndTarAreRead: \(program) is not installed; tar \(flag) not tried")
                continue
            }
            let tar = Process()
            tar.executableURL = URL(fileURLWithPath: "/bin/tar")
            tar.arguments = ["-C", directory.path, flag, "-cf", directory.file("set.\(program)"), "set"]
            try tar.run()
            tar.waitUntilExit()
            #expect(tar.terminationStatus == 0)
            #expect(try members(directory.file("set.\(program)")).contains { $0.path == "set/a.txt" }, "\(program)")
        }
    }
}
