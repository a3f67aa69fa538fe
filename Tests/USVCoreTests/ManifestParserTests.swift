import Foundation
import Testing
@testable import USVCore
import USVTestSupport

/// The real Donders MANIFEST.txt, README.txt and LICENSE.txt, copied into the repository (Tests/Fixtures/donders/SOURCE.md).
let referenceDirectory = repositoryRoot() + "/Tests/Fixtures/donders"
let emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

@Suite struct ManifestParserTests {
    @Test func realDondersManifestParsesCompletely() throws {
        let manifest = try ManifestParser.parse(fileAt: referenceDirectory + "/MANIFEST.txt")
        #expect(manifest.format == .donders)
        #expect(manifest.entries.count == 7154)
        #expect(manifest.problems.isEmpty)
        #expect(!manifest.crlfLineEndings)
        let icons = manifest.entries.filter { $0.path.hasSuffix("/Icon\r") || $0.path == "Icon\r" }
        #expect(icons.count == 302)
        #expect(icons.allSatisfy { $0.sha256 == emptySHA256 })
        #expect(manifest.entries.filter { OSArtefacts.isArtefact($0.path) }.count == 302)
        #expect(manifest.byteCount == 808_149)
        #expect(manifest.entries.contains { $0.path == "README.txt" })
        #expect(Set(manifest.entries.map(\.path)).count == 7154)
    }

    @Test func carriageReturnStaysInTheName() throws {
        let text = "\(emptySHA256) Data/Icon\r\n\(String(repeating: "a", count: 64)) README.txt\n"
        let manifest = try ManifestParser.parse(Array(text.utf8), name: "MANIFEST.txt")
        #expect(manifest.entries.map(\.path) == ["Data/Icon\r", "README.txt"])
        #expect(!manifest.crlfLineEndings)
    }

    @Test func allCRLFLinesAreLineEndings() throws {
        let text = "\(emptySHA256) a.txt\r\n\(emptySHA256) b.txt\r\n"
        let manifest = try ManifestParser.parse(Array(text.utf8), name: "MANIFEST.txt")
        #expect(manifest.crlfLineEndings)
        #expect(manifest.entries.map(\.path) == ["a.txt", "b.txt"])
    }

    @Test func gnuFormatWithBinaryMarkerAndEscapes() throws {
        let text = "\(emptySHA256)  plain name.txt\n\(emptySHA256) *binary.bin\n\\\(emptySHA256)  back\\\\slash\\nnewline\n"
        let manifest = try ManifestParser.parse(Array(text.utf8), name: "SHA256SUMS")
        #expect(manifest.format == .gnu)
        #expect(manifest.entries.map(\.path) == ["plain name.txt", "binary.bin", "back\\slash\nnewline"])
    }

    @Test func bsdTaggedFormat() throws {
        let upper = emptySHA256.uppercased()
        let text = "SHA256 (a (1).txt) = \(emptySHA256)\nSHA256 (dir/b.txt) = \(upper)\nMD5 (c.txt) = d41d8cd98f00b204e9800998ecf8427e\n"
            + "CRC32 (d.txt) = 00000000\n"
        let manifest = try ManifestParser.parse(Array(text.utf8), name: "CHECKSUMS")
        #expect(manifest.format == .bsd)
        #expect(manifest.entries.map(\.path) == ["a (1).txt", "dir/b.txt", "c.txt"])
        #expect(manifest.entries[1].sha256 == emptySHA256)
        #expect(manifest.entries[2].algorithm == .md5)
        #expect(manifest.problems.count == 1)
        #expect(manifest.problems.first?.line == 4)
        #expect(manifest.problems.first?.reason.contains("CRC32") == true)
    }

    @Test func bagItPercentEncoding() throws {
        let text = "\(emptySHA256)  data/Icon%0D\n\(emptySHA256)\tdata/100%25.txt\n"
        let manifest = try ManifestParser.parse(Array(text.utf8), name: "bag/manifest-sha256.txt")
        #expect(manifest.format == .bagit)
        #expect(manifest.entries.map(\.path) == ["data/Icon\r", "data/100%.txt"])
    }

    @Test func malformedLinesAreReportedAndSkipped() throws {
        let text = """
            \(emptySHA256) good.txt
            d41d8cd98f00b204e9800998ecf8427e md5.txt
            not a hash line at all
            \(emptySHA256)
            \(emptySHA256) good.txt

            \(String(repeating: "b", count: 64)) second.txt
            \(String(repeating: "c", count: 50)) fifty.txt

            """
        let manifest = try ManifestParser.parse(Array(text.utf8), name: "MANIFEST.txt")
        #expect(manifest.entries.map(\.path) == ["good.txt", "md5.txt", "second.txt"])
        #expect(manifest.entries[1].algorithm == .md5)
        #expect(manifest.problems.map(\.line) == [3, 4, 5, 8])
        #expect(manifest.problems[2].reason.contains("listed again"))
        #expect(manifest.problems[3].reason.contains("50 hex digits"))
    }

    @Test func manifestWithNoUsableLineIsUnusable() {
        #expect(throws: USVError.self) {
            try ManifestParser.parse(Array("hello\nworld\n".utf8), name: "MANIFEST.txt")
        }
        do {
            _ = try ManifestParser.parse(Array("hello\n".utf8), name: "MANIFEST.txt")
        } catch let error as USVError {
            #expect(error.isUsage)
            #expect(error.description.contains("line 1"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func invalidUTF8PathIsKeptAsBytes() throws {
        var bytes = Array("\(emptySHA256) ok.txt\n\(emptySHA256) bad".utf8)
        bytes += [0xFF, 0xFE, 0x0A]
        let manifest = try ManifestParser.parse(bytes, name: "MANIFEST.txt")
        #expect(manifest.problems.isEmpty)
        #expect(manifest.entries.count == 2)
        #expect(manifest.entries[1].pathBytes == Array("bad".utf8) + [0xFF, 0xFE])
        #expect(manifest.entries[1].path == "bad\\xFF\\xFE")
    }

    @Test func unsafePathsAreRecognised() {
        #expect(FilePaths.unsafeReason("/etc/passwd") != nil)
        #expect(FilePaths.unsafeReason("a/../../b") != nil)
        #expect(FilePaths.unsafeReason("..") != nil)
        #expect(FilePaths.unsafeReason("a/b..c/d") == nil)
        #expect(FilePaths.unsafeReason("Data/Icon\r") == nil)
    }
}
