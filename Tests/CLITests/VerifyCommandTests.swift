import Foundation
import Testing
import USVCore
import USVTestSupport

@Suite struct VerifyCommandTests {
    func makeTree() throws -> TreeFixture {
        var tree = try TreeFixture("cli")
        try tree.add("README.txt", bytes: Array("hello\n".utf8))
        try tree.add("Data/x.bin", size: 70_000)
        try tree.add("Code/Icon\r", bytes: [])
        try tree.writeManifest(tree.dondersManifest())
        return tree
    }

    @Test func cleanTreeExitsZeroAndJSONMatchesSchema() throws {
        let tree = try makeTree()
        defer { tree.directory.remove() }
        let result = try USVExecutable.run(["verify", tree.root, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        try validateAgainstSchema("verify-report.schema.json", result.stdout)
        let human = try USVExecutable.run(["verify", tree.root, "--no-catalog"])
        #expect(human.status == 0)
        #expect(human.stdoutText.contains("OK: 3 entries, 0 problems"))
        // Not a terminal: no progress drawing on stderr.
        #expect(!human.stderr.contains("\u{1B}["))
    }

    @Test func corruptedFileExitsOneAndNamesIt() throws {
        let tree = try makeTree()
        defer { tree.directory.remove() }
        try tree.directory.write("Data/x.bin", bytes: Array((tree.files["Data/x.bin"] ?? []).dropLast()))
        let result = try USVExecutable.run(["verify", tree.root, "--no-catalog"])
        #expect(result.status == 1)
        #expect(result.stdoutText.contains("MISMATCH   Data/x.bin"))
        #expect(result.stdoutText.contains("expected sha256 \(sha256Hex(tree.files["Data/x.bin"] ?? []))"))
        let json = try USVExecutable.run(["verify", tree.root, "--json", "--no-catalog"])
        #expect(json.status == 1)
        try validateAgainstSchema("verify-report.schema.json", json.stdout)
    }

    @Test func unusableInputExitsTwo() throws {
        let directory = try TemporaryDirectory("cli-bad")
        defer { directory.remove() }
        try directory.write("MANIFEST.txt", "this is not a manifest\n")
        let badManifest = try USVExecutable.run(["verify", directory.path, "--no-catalog"])
        #expect(badManifest.status == 2)
        #expect(badManifest.stderr.contains("line 1"))
        let missingRoot = try USVExecutable.run(["verify", directory.file("nope"), "--no-catalog"])
        #expect(missingRoot.status == 2)
        let badOption = try USVExecutable.run(["verify", directory.path, "--jobs", "0"])
        #expect(badOption.status == 2)
        let unknownFlag = try USVExecutable.run(["verify", "--no-such-flag"])
        #expect(unknownFlag.status == 2)
    }

    @Test func secondRunUsesTheCatalogCache() throws {
        let tree = try makeTree()
        defer { tree.directory.remove() }
        let database = try TemporaryDirectory("cli-catalog")
        defer { database.remove() }
        let catalog = database.file("c.sqlite")
        _ = try USVExecutable.run(["verify", tree.root, "--catalog", catalog])
        // By default every file is read again; --incremental trusts the unchanged ones and says so.
        let again = try USVExecutable.run(["verify", tree.root, "--catalog", catalog, "--json"])
        let full = try JSONDecoder().decode(JSONValue.self, from: again.stdout)
        #expect(full["mode"] == .string("full"))
        #expect(full["filesHashed"] == .number(2))
        #expect(full["filesTrusted"] == .number(0))
        let second = try USVExecutable.run(["verify", tree.root, "--catalog", catalog, "--json", "--incremental"])
        #expect(second.status == 0)
        try validateAgainstSchema("verify-report.schema.json", second.stdout)
        let report = try JSONDecoder().decode(JSONValue.self, from: second.stdout)
        #expect(report["mode"] == .string("incremental"))
        #expect(report["cacheHits"] == .number(2))
        #expect(report["filesTrusted"] == .number(2))
        #expect(report["filesHashed"] == .number(0))
        #expect(report["bytesHashed"] == .number(0))
        let text = try USVExecutable.run(["verify", tree.root, "--catalog", catalog, "--incremental", "--list"])
        #expect(text.stdoutText.contains("trusted 2 unchanged files from the cache without reading"), "\(text.stdoutText)")
        #expect(text.stdoutText.contains("trusted  Data/x.bin"), "\(text.stdoutText)")
    }

    @Test func helpDocumentsExitStatus() throws {
        let help = try USVExecutable.run(["verify", "--help"])
        #expect(help.status == 0)
        #expect(help.stdoutText.contains("Exit status"))
        #expect(help.stdoutText.contains("Examples"))
    }
}

@Suite struct PluginsCommandTests {
    @Test func pluginsJSONMatchesSchema() throws {
        let result = try USVExecutable.run(["plugins", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        try validateAgainstSchema("plugins.schema.json", result.stdout)
        let table = try USVExecutable.run(["plugins"])
        #expect(table.stdoutText.contains("format.audio"))
        #expect(try USVExecutable.run(["plugins", "--kind", "nonsense"]).status == 2)
    }
}
