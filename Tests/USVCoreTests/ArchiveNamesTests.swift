import Foundation
import Testing
@testable import USVCore
import USVTestSupport
#if canImport(Glibc)
import Glibc
#endif

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

    @Test func aSparseHoleFailsTheLimitsAtOnceInsteadOfMakingZeros() throws {
        let directory = try TemporaryDirectory("sparse")
        defer { directory.remove() }
        try makeDirectories(directory.file("set"))
        // A 1 TiB file that is one hole and three bytes, tarred with GNU tar's sparse format: a 200-byte archive.
        let hole = directory.file("set/hole.bin")
        #expect(FileManager.default.createFile(atPath: hole, contents: nil))
        #expect(truncate(hole, 1 << 40) == 0)
        // And a small sparse file whose digest is known: a hole, three bytes, a trailing hole (64 KiB + 3 + 64 KiB).
        let small = directory.file("set/small.bin")
        #expect(FileManager.default.createFile(atPath: small, contents: nil))
        let handle = try #require(FileHandle(forWritingAtPath: small))
        try handle.seek(toOffset: 1 << 16)
        handle.write(Data("end".utf8))
        try handle.close()
        #expect(truncate(small, (1 << 17) + 3) == 0)
        let smallBytes = [UInt8](repeating: 0, count: 1 << 16) + Array("end".utf8) + [UInt8](repeating: 0, count: 1 << 16)
        let manifest = "\(String(repeating: "0", count: 64))  hole.bin\n\(sha256Hex(smallBytes))  small.bin\n"
        try directory.write("set/SHA256SUMS", manifest)
        let tar = Process()
        tar.executableURL = URL(fileURLWithPath: "/bin/tar")
        tar.arguments = ["-C", directory.path, "-S", "-czf", directory.file("sparse.tgz"), "set"]
        try tar.run()
        tar.waitUntilExit()
        try #require(tar.terminationStatus == 0, "GNU tar -S is needed")
        unlink(hole)
        unlink(small)
        let started = Date()
        let report = try Verifier(options: VerifyOptions(jobs: 1)).verify(root: directory.file("sparse.tgz"))
        #expect(Date().timeIntervalSince(started) < 5, "the hole was expanded")
        let entry = try #require(report.entries.first { $0.path == "hole.bin" })
        #expect(entry.status == .unreadable)
        #expect(entry.detail?.contains("expands") == true, "\(entry.detail ?? "")")
        // The small sparse member hashes as its zeros and bytes, trailing hole included.
        #expect(report.entries.first { $0.path == "small.bin" }?.status == .ok)
        #expect(report.entries.first { $0.path == "small.bin" }?.size == Int64(smallBytes.count))
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
