import Foundation
import Testing
import USVCore
import USVTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `usv verify` on manifests and bags as others write them (issue #18), as people run it: text and JSON (validated
/// against schemas/verify-report.schema.json) and exit statuses.
@Suite struct VerifyDialectCommandTests {
    func json(_ result: CommandResult) throws -> JSONValue {
        try validateAgainstSchema("verify-report.schema.json", result.stdout)
        return try JSONDecoder().decode(JSONValue.self, from: result.stdout)
    }

    func entries(_ report: JSONValue) -> [JSONValue] {
        if case .array(let items)? = report["entries"] { return items }
        return []
    }

    @Test func aNameThatIsNotUTF8ComesOutWithItsBytesInBase64() throws {
        let directory = try TemporaryDirectory("cli-latin1")
        let name: [UInt8] = Array("r".utf8) + [0xE9] + Array("sum".utf8) + [0xE9] + Array(".txt".utf8)  // Latin-1 résumé
        defer { _ = FilePaths.withCPath(FilePaths.join(Array(directory.path.utf8), name)) { unlink($0) }; directory.remove() }
        let path = FilePaths.join(Array(directory.path.utf8), name)
        let descriptor = FilePaths.withCPath(path) { open($0, O_WRONLY | O_CREAT | O_TRUNC, 0o644) }
        _ = Array("cv".utf8).withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
        try directory.write("SHA256SUMS", bytes: Array("\(sha256Hex(Array("cv".utf8)))  ".utf8) + name + [0x0A])
        let result = try USVExecutable.run(["verify", directory.path, "--json", "--no-catalog"])
        #expect(result.status == 0, "\(result.stderr)")
        let entry = try #require(entries(try json(result)).first)
        #expect(entry["path"] == .string("r\\xE9sum\\xE9.txt"))
        #expect(entry["pathBase64"] == .string(Data(name).base64EncodedString()))
        #expect(entry["status"] == .string("ok"))
        let text = try USVExecutable.run(["verify", directory.path, "--no-catalog", "--list"])
        #expect(text.stdoutText.contains("r\\\\xE9sum\\\\xE9.txt"), "\(text.stdoutText)")
    }

    @Test func crlfIsWarnedInTextAndJSONAndAConflictExitsOne() throws {
        var tree = try TreeFixture("cli-crlf")
        defer { tree.directory.remove() }
        try tree.add("a.txt", bytes: Array("a".utf8))
        try tree.add("b.txt", bytes: Array("b".utf8))
        try tree.writeManifest("\(sha256Hex(Array("a".utf8)))  a.txt\r\n\(sha256Hex(Array("b".utf8)))  b.txt\r\n", name: "SHA256SUMS")
        let text = try USVExecutable.run(["verify", tree.root, "--no-catalog"])
        #expect(text.status == 0)
        #expect(text.stdoutText.contains("WARNING    SHA256SUMS: every line ends in CR LF"), "\(text.stdoutText)")
        let report = try json(try USVExecutable.run(["verify", tree.root, "--no-catalog", "--json"]))
        guard case .array(let warnings)? = report["warnings"] else { Issue.record("no warnings"); return }
        #expect(warnings.count == 1)

        try tree.writeManifest("\(sha256Hex(Array("a".utf8)))  a.txt\n\(String(repeating: "e", count: 64))  a.txt\n"
            + "\(sha256Hex(Array("b".utf8)))  b.txt\n", name: "SHA256SUMS")
        let conflict = try USVExecutable.run(["verify", tree.root, "--no-catalog"])
        #expect(conflict.status == 1)
        #expect(conflict.stdoutText.contains("CONFLICT   a.txt (listed 2 times with different sha256 digests (lines 1, 2); the file matches line 1)"),
                "\(conflict.stdoutText)")
        #expect(conflict.stdoutText.contains("line 1: sha256 \(sha256Hex(Array("a".utf8)))  (the file matches)"))
        let conflictJSON = try USVExecutable.run(["verify", tree.root, "--no-catalog", "--json"])
        #expect(conflictJSON.status == 1)
        let entry = try #require(entries(try json(conflictJSON)).first { $0["path"] == .string("a.txt") })
        #expect(entry["status"] == .string("conflict"))
    }

    @Test func veryLongNamesAreShortenedInTextAndWholeInJSON() throws {
        var tree = try TreeFixture("cli-long")
        defer { tree.directory.remove() }
        try tree.add("a.txt", bytes: Array("a".utf8))
        let long = String(repeating: "d/", count: 50_000) + "deep.wav"  // 100 kB: listed, not there
        try tree.writeManifest("\(sha256Hex(Array("a".utf8)))  a.txt\n\(emptyDigest)  \(long)\n", name: "SHA256SUMS")
        let text = try USVExecutable.run(["verify", tree.root, "--no-catalog"])
        #expect(text.status == 1)
        let line = try #require(text.stdoutText.split(separator: "\n").first { $0.hasPrefix("MISSING") })
        #expect(line.count < 400, "\(line.prefix(300))")
        #expect(line.contains("[\(long.utf8.count) bytes]"))
        let report = try json(try USVExecutable.run(["verify", tree.root, "--no-catalog", "--json"]))
        #expect(entries(report).contains { $0["path"] == .string(long) })
    }

    @Test func bagsReportInJSONAndInvalidBagsExitOne() throws {
        let bag = try TemporaryDirectory("cli-bag")
        defer { bag.remove() }
        try bag.write("data/a.txt", "alpha")
        try bag.write("bagit.txt", "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
        try bag.write("bag-info.txt", "Payload-Oxum: 5.1\n")
        try bag.write("manifest-md5.txt", "2c1743a391305fbf367df8e4f069f9f9  data/a.txt\n")
        try bag.write("fetch.txt", "https://example.org/b.txt 3 data/b.txt\n")
        let valid = try USVExecutable.run(["verify", bag.path, "--no-catalog", "--json"])
        #expect(valid.status == 0, "\(valid.stdoutText)")
        let report = try json(valid)
        #expect(report["bag"]?["valid"] == .bool(true))
        #expect(report["algorithms"] == .array([.string("md5")]))
        try bag.write("bag-info.txt", "Payload-Oxum: 6.1\n")
        let invalid = try USVExecutable.run(["verify", bag.path, "--no-catalog"])
        #expect(invalid.status == 1)
        #expect(invalid.stdoutText.contains("BAG        Payload-Oxum validation failed. Expected 1 files and 6 bytes but found 1 files and 5 bytes"))
        #expect(invalid.stdoutText.contains("FETCH      data/b.txt from https://example.org/b.txt"))
        #expect(try json(try USVExecutable.run(["verify", bag.path, "--no-catalog", "--json"]))["bag"]?["valid"] == .bool(false))
    }

    @Test func archiveLimitsCanBeRaisedForATrustedArchive() throws {
        let directory = try TemporaryDirectory("cli-limits")
        defer { directory.remove() }
        // 40 MiB of silence deflates about 1000-fold: past the default --max-ratio 200.
        let silence = [UInt8](repeating: 0, count: 40 << 20)
        let archive = directory.file("quiet.zip")
        let writer = try ArchiveWriter(path: archive, format: .zip(compress: true))
        try writer.add(member: "set/SHA256SUMS", bytes: Array("\(sha256Hex(silence))  silence.wav\n".utf8))
        try writer.add(member: "set/silence.wav", bytes: silence)
        try writer.close()
        let refused = try USVExecutable.run(["verify", archive, "--no-catalog"])
        #expect(refused.status == 1)
        #expect(refused.stdoutText.contains("UNREADABLE set/silence.wav") || refused.stdoutText.contains("UNREADABLE silence.wav"), "\(refused.stdoutText)")
        #expect(refused.stdoutText.contains("raise the limit with --max-ratio"), "\(refused.stdoutText)")
        #expect(try USVExecutable.run(["verify", archive, "--no-catalog", "--max-ratio", "100000"]).status == 0)
        let small = try USVExecutable.run(["verify", archive, "--no-catalog", "--max-ratio", "100000", "--max-member-size", "1000000"])
        #expect(small.status == 1 && small.stdoutText.contains("--max-member-size"), "\(small.stdoutText)")
        let few = try USVExecutable.run(["verify", archive, "--no-catalog", "--max-members", "1"])
        #expect(few.status == 2 && few.stderr.contains("more than 1 members") && few.stderr.contains("--max-members"), "\(few.stderr)")
    }

    @Test func subsetsAndEveryManifest() throws {
        var tree = try TreeFixture("cli-subset")
        defer { tree.directory.remove() }
        try tree.add("a.txt", bytes: Array("a".utf8))
        try tree.add("extra.txt", bytes: Array("x".utf8))
        try tree.writeManifest("\(sha256Hex(Array("a".utf8)))  ./a.txt\n", name: "SHA256SUMS")
        try tree.writeManifest("0cc175b9c0f1b6a831c399e269772661  a.txt\n", name: "MD5SUMS")
        #expect(try USVExecutable.run(["verify", tree.root, "--no-catalog"]).status == 1)  // extra.txt is unlisted
        #expect(try USVExecutable.run(["verify", tree.root, "--no-catalog", "--ignore-unlisted"]).status == 0)
        let all = try json(try USVExecutable.run(["verify", tree.root, "--no-catalog", "--ignore-unlisted", "--all-manifests", "--json"]))
        #expect(all["algorithms"] == .array([.string("sha256"), .string("md5")]))
        guard case .array(let manifests)? = all["manifests"] else { Issue.record("no manifests"); return }
        #expect(manifests.count == 2)
        #expect(try USVExecutable.run(["verify", tree.root, "--full", "--incremental"]).status == 2)
    }
}

private let emptyDigest = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
