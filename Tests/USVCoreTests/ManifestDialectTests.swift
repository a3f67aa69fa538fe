import Foundation
import Testing
@testable import USVCore
import USVTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Manifests as other people write them (issue #18): `./` paths, `*` markers, `%`-names, every algorithm, base64
/// and distinfo, UTF-16, CRLF, whitespace-only lines, conflicts, NFC/NFD twins, names that are not UTF-8, the
/// discovery order and `--ignore-unlisted`.
func digest(_ bytes: [UInt8], _ algorithm: HashAlgorithm) -> String {
    Digester.digests(of: bytes, [algorithm])[algorithm] ?? ""
}

/// Writes `bytes` to `directory/name` where the name is raw bytes (it need not be UTF-8).
func writeRaw(_ directory: String, _ name: [UInt8], _ bytes: [UInt8]) throws {
    let path = FilePaths.join(Array(directory.utf8), name)
    let descriptor = FilePaths.withCPath(path) { open($0, O_WRONLY | O_CREAT | O_TRUNC, 0o644) }
    guard descriptor >= 0 else { throw USVError.io(path: PathText.text(path), reason: systemErrorText(errno)) }
    defer { close(descriptor) }
    _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
}

func removeRaw(_ directory: String, _ name: [UInt8]) {
    _ = FilePaths.withCPath(FilePaths.join(Array(directory.utf8), name)) { unlink($0) }
}

@Suite struct ManifestDialectTests {
    // MARK: - Parsing

    @Test func leadingDotSlashIsStripped() throws {
        let text = "\(emptySHA256)  ./a.txt\n\(emptySHA256)  ././b/c.txt\n\(emptySHA256) *./d.bin\n"
        let manifest = try ManifestParser.parse(Array(text.utf8), name: "SHA256SUMS")
        #expect(manifest.entries.map(\.path) == ["a.txt", "b/c.txt", "d.bin"])
        #expect(manifest.problems.isEmpty)
    }

    @Test func everyAlgorithmByDigestLength() throws {
        let bytes = Array("abc".utf8)
        let lines = HashAlgorithm.allCases.map { "\(digest(bytes, $0))  \($0.rawValue).txt\n" }.joined()
        let manifest = try ManifestParser.parse(Array(lines.utf8), name: "CHECKSUMS")
        #expect(manifest.entries.map(\.algorithm) == HashAlgorithm.allCases)
        #expect(manifest.algorithms == [.sha512, .sha384, .sha256, .sha1, .md5])
        // The digests are the well-known ones of "abc".
        #expect(manifest.entries[0].digest == "900150983cd24fb0d6963f7d28e17f72")
        #expect(manifest.entries[1].digest == "a9993e364706816aba3e25717850c26c9cd0d89d")
    }

    @Test func bagItPercentNamesAndMarkers() throws {
        let text = [
            "\(emptySHA256)  data/100%.txt",
            "\(emptySHA256)  data/%7E.txt",
            "\(emptySHA256)  data/a%25b.txt",
            "\(emptySHA256)  data/Icon%0D",
            "\(emptySHA256)  data/two%0alines",
            "\(emptySHA256) *data/binary.bin",
            "\(emptySHA256)\tdata/tab.txt",
            "\(emptySHA256)  data/end%",
            "\(emptySHA256)  data/%zz",
        ].joined(separator: "\n") + "\n"
        let manifest = try ManifestParser.parse(Array(text.utf8), name: "bag/manifest-sha256.txt")
        #expect(manifest.format == .bagit)
        #expect(manifest.problems.isEmpty)
        #expect(manifest.entries.map(\.path) == ["data/100%.txt", "data/%7E.txt", "data/a%b.txt", "data/Icon\r", "data/two\nlines",
                                                 "data/binary.bin", "data/tab.txt", "data/end%", "data/%zz"])
    }

    @Test func bagItAlgorithmComesFromTheName() throws {
        let md5 = digest([], .md5)
        let manifest = try ManifestParser.parse(Array("\(md5)  data/a.txt\n".utf8), name: "manifest-md5.txt")
        #expect(manifest.entries.first?.algorithm == .md5)
        // A digest of another length in an MD5 manifest is malformed, with both lengths named.
        let mixed = try ManifestParser.parse(Array("\(md5)  data/a.txt\n\(emptySHA256)  data/b.txt\n".utf8), name: "manifest-md5.txt")
        #expect(mixed.problems.first?.reason.contains("64 hex digits; md5 needs 32") == true)
        #expect(throws: USVError.self) { try ManifestParser.parse(Array("\(md5)  data/a.txt\n".utf8), name: "manifest-blake3.txt") }
    }

    @Test func openBSDBase64AndFreeBSDDistinfo() throws {
        let bytes = Array("hello\n".utf8)
        let base64 = Data(Digester.digests(of: bytes, [.sha256]).first.map { hexBytes($0.value) } ?? []).base64EncodedString()
        let openBSD = try ManifestParser.parse(Array("SHA256 (hello.txt) = \(base64)\n".utf8), name: "SHA256")
        #expect(openBSD.entries.first?.digest == digest(bytes, .sha256))
        let distinfo = """
            TIMESTAMP = 1700000000
            SHA256 (pkg-1.0.tar.gz) = \(digest(bytes, .sha256))
            SIZE (pkg-1.0.tar.gz) = 6
            SIZE (pkg-extra.tar.gz) = 12

            """
        let parsed = try ManifestParser.parse(Array(distinfo.utf8), name: "distinfo")
        #expect(parsed.format == .distinfo)
        #expect(parsed.problems.isEmpty)
        #expect(parsed.entries.map(\.path) == ["pkg-1.0.tar.gz", "pkg-extra.tar.gz"])
        #expect(parsed.entries.map(\.expectedSize) == [6, 12])
        #expect(parsed.entries[1].digest.isEmpty)
    }

    @Test func utf16WithByteOrderMarkIsDecodedWithoutItRefused() throws {
        let text = "\(emptySHA256)  café.txt\n\(emptySHA256)  \u{1F42D}.txt\n"
        for (littleEndian, label) in [(true, "UTF-16LE"), (false, "UTF-16BE")] {
            var bytes: [UInt8] = littleEndian ? [0xFF, 0xFE] : [0xFE, 0xFF]
            for unit in text.utf16 { bytes += littleEndian ? [UInt8(unit & 0xFF), UInt8(unit >> 8)] : [UInt8(unit >> 8), UInt8(unit & 0xFF)] }
            let manifest = try ManifestParser.parse(bytes, name: "SHA256SUMS")
            #expect(manifest.entries.map(\.path) == ["café.txt", "\u{1F42D}.txt"])
            #expect(manifest.encoding == (littleEndian ? "utf-16le" : "utf-16be"))
            #expect(manifest.warnings.contains { $0.contains(label) })
        }
        // Without a byte-order mark: refused, saying what it looks like and what to do.
        var noMark: [UInt8] = []
        for unit in text.utf16 { noMark += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        #expect(throws: USVError.self) { try ManifestParser.parse(noMark, name: "SHA256SUMS") }
        do { _ = try ManifestParser.parse(noMark, name: "SHA256SUMS") } catch {
            #expect("\(error)".contains("UTF-16 without a byte-order mark"))
        }
        // An unpaired surrogate cannot be decoded: refused with that reason.
        var broken: [UInt8] = [0xFF, 0xFE]
        for unit in Array("\(emptySHA256)  a".utf16) + [0xD800] + Array(".txt\n".utf16) { broken += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        do {
            _ = try ManifestParser.parse(broken, name: "SHA256SUMS")
            Issue.record("an unpaired surrogate was accepted")
        } catch {
            #expect("\(error)".contains("unpaired surrogate"))
        }
        // A UTF-8 byte-order mark is skipped with a warning.
        let marked = try ManifestParser.parse([0xEF, 0xBB, 0xBF] + Array(text.utf8), name: "SHA256SUMS")
        #expect(marked.entries.count == 2 && marked.encoding == "utf-8-bom" && !marked.warnings.isEmpty)
    }

    @Test func crlfIsAWarningAndWhitespaceOnlyLinesAreMalformed() throws {
        let crlf = try ManifestParser.parse(Array("\(emptySHA256)  a.txt\r\n\(emptySHA256)  b.txt\r\n".utf8), name: "SHA256SUMS")
        #expect(crlf.crlfLineEndings)
        #expect(crlf.warnings.contains { $0.contains("CR LF") })
        let blank = try ManifestParser.parse(Array("\(emptySHA256)  a.txt\n \n\t\n\n# a comment\n\(emptySHA256)  b.txt\n".utf8), name: "SHA256SUMS")
        #expect(blank.entries.map(\.path) == ["a.txt", "b.txt"])
        #expect(blank.problems.map(\.line) == [2, 3])
        #expect(blank.problems.allSatisfy { $0.reason == "a line of only whitespace" })
    }

    @Test func namesAreBytesNotNormalisedStrings() throws {
        let nfc = "caf\u{E9}.txt"
        let nfd = "cafe\u{301}.txt"
        #expect(nfc == nfd)  // Swift compares canonical equivalents as equal …
        let manifest = try ManifestParser.parse(Array("\(emptySHA256)  \(nfc)\n\(emptySHA256)  \(nfd)\n".utf8), name: "SHA256SUMS")
        // … the parser does not: two names, no "listed again".
        #expect(manifest.entries.count == 2)
        #expect(manifest.problems.isEmpty)
        #expect(manifest.entries.map(\.pathBytes) == [Array(nfc.utf8), Array(nfd.utf8)])
    }

    // MARK: - Verifying

    @Test func dotSlashManifestVerifiesInADirectoryAndInAZip() throws {
        var tree = try TreeFixture("dotslash")
        defer { tree.directory.remove() }
        try tree.add("README.txt", bytes: Array("hi\n".utf8))
        try tree.add("Data/a.bin", size: 5_000)
        // What `find . -type f -exec sha256sum {} +` writes.
        try tree.writeManifest(tree.files.keys.sorted().map { "\(sha256Hex(tree.files[$0] ?? []))  ./\($0)\n" }.joined(), name: "MANIFEST.txt")
        let report = try verify(tree.root)
        #expect(report.exitStatus == 0, "\(report.problems)")
        #expect(report.summary["ok"]?.count == 2)
        #expect(report.summary["unlisted"]?.count == 0)
        let archive = try pack(tree, format: .zip(compress: true), name: "dotslash")
        defer { unlink(archive) }
        let packed = try verify(archive)
        #expect(packed.exitStatus == 0, "\(packed.problems)")
        #expect(packed.summary["ok"]?.count == 2)
    }

    @Test func conflictingDigestsAreAConflictWithBoth() throws {
        var tree = try TreeFixture("conflict")
        defer { tree.directory.remove() }
        try tree.add("a.txt", bytes: Array("a".utf8))
        try tree.add("b.txt", bytes: Array("b".utf8))
        let good = sha256Hex(Array("a".utf8))
        let wrong = String(repeating: "0", count: 64)
        try tree.writeManifest("\(wrong)  a.txt\n\(sha256Hex(Array("b".utf8)))  b.txt\n\(good)  a.txt\n", name: "SHA256SUMS")
        let report = try verify(tree.root)
        #expect(report.exitStatus == 1)
        let entry = try #require(report.entries.first { $0.path == "a.txt" })
        #expect(entry.status == .conflict)
        #expect(entry.conflicts?.map(\.expected) == [wrong, good])
        #expect(entry.conflicts?.map(\.line) == [1, 3])
        #expect(entry.conflicts?.last?.actual == good)
        #expect(entry.detail?.contains("matches line 3") == true)
        #expect(report.summary["conflict"]?.count == 1)
        #expect(status(report, "b.txt") == .ok)
        #expect(report.entries.filter { $0.path == "a.txt" }.count == 1)
    }

    @Test func nfcAndNfdTwinsAreTwoFiles() throws {
        let directory = try TemporaryDirectory("twins")
        defer { directory.remove() }
        let nfc = "caf\u{E9}.txt", nfd = "cafe\u{301}.txt"
        try directory.write(nfc, "composed")
        try directory.write(nfd, "decomposed")
        try directory.write("SHA256SUMS", "\(sha256Hex(Array("composed".utf8)))  \(nfc)\n\(sha256Hex(Array("decomposed".utf8)))  \(nfd)\n")
        let report = try verify(directory.path)
        #expect(report.exitStatus == 0, "\(report.problems)")
        #expect(report.summary["ok"]?.count == 2)
        #expect(report.entries.map { Array($0.path.utf8) }.sorted { $0.lexicographicallyPrecedes($1) }
                == [Array(nfc.utf8), Array(nfd.utf8)].sorted { $0.lexicographicallyPrecedes($1) })
        // Listed in one form, on disk in the other: missing and unlisted, each saying why.
        try directory.write("SHA256SUMS", "\(sha256Hex(Array("composed".utf8)))  \(nfc)\n")
        unlink(directory.file(nfc))
        let other = try verify(directory.path)
        let missing = try #require(other.entries.first { $0.status == .missing })
        let unlisted = try #require(other.entries.first { $0.status == .unlisted })
        #expect(Array(missing.path.utf8) == Array(nfc.utf8) && Array(unlisted.path.utf8) == Array(nfd.utf8))
        #expect(missing.detail?.contains("Unicode normalisation") == true)
        #expect(unlisted.detail?.contains("Unicode normalisation") == true)
    }

    @Test func namesThatAreNotUTF8AreReportedLosslessly() throws {
        let directory = try TemporaryDirectory("latin1")
        defer { directory.remove() }
        let listed: [UInt8] = Array("caf".utf8) + [0xE9] + Array(".txt".utf8)       // Latin-1 é
        let unlisted: [UInt8] = Array("x".utf8) + [0xFF, 0xFE] + Array(".bin".utf8)
        defer { removeRaw(directory.path, listed); removeRaw(directory.path, unlisted) }
        try writeRaw(directory.path, listed, Array("latin".utf8))
        try writeRaw(directory.path, unlisted, Array("?".utf8))
        let manifest = Array("\(sha256Hex(Array("latin".utf8)))  ".utf8) + listed + [0x0A]
        try directory.write("SHA256SUMS", bytes: manifest)
        let report = try verify(directory.path)
        let ok = try #require(report.entries.first { $0.status == .ok })
        #expect(ok.path == "caf\\xE9.txt")
        #expect(ok.pathBase64.flatMap { Data(base64Encoded: $0) }.map(Array.init) == listed)
        let extra = report.entries.filter { $0.status == .unlisted }
        #expect(extra.count == 1)  // once, under its own bytes
        #expect(extra.first?.path == "x\\xFF\\xFE.bin")
        #expect(extra.first?.pathBase64.flatMap { Data(base64Encoded: $0) }.map(Array.init) == unlisted)
    }

    @Test func sizesOfADistinfoAreChecked() throws {
        var tree = try TreeFixture("distinfo")
        defer { tree.directory.remove() }
        try tree.add("pkg.tar.gz", bytes: Array("twelve bytes".utf8))
        try tree.writeManifest("TIMESTAMP = 1\nSHA256 (pkg.tar.gz) = \(sha256Hex(Array("twelve bytes".utf8)))\nSIZE (pkg.tar.gz) = 13\n",
                               name: "distinfo")
        let report = try verify(tree.root)
        let entry = try #require(report.entries.first { $0.path == "pkg.tar.gz" })
        #expect(entry.status == .mismatch)
        #expect(entry.detail?.contains("12 bytes; the manifest says 13") == true)
        #expect(entry.expectedSize == 13)
    }

    @Test func discoveryOrderTakesTheStrongestAndAllWhenAsked() {
        let select = { (names: [String], all: Bool) in ManifestDiscovery.select(names: names, all: all) }
        #expect(select(["MD5SUMS", "SHA256SUMS", "a.txt"], false).manifests.map(\.name) == ["SHA256SUMS"])
        #expect(select(["MD5SUMS", "SHA256SUMS", "SHA512SUMS"], false).manifests.map(\.name) == ["SHA512SUMS"])
        #expect(select(["MD5SUMS", "SHA256SUMS"], true).manifests.map(\.name) == ["SHA256SUMS", "MD5SUMS"])
        #expect(select(["sha256sums", "x.md5"], false).manifests.map(\.name) == ["sha256sums"])
        #expect(select(["CHECKSUM.SHA256"], false).manifests.map(\.name) == ["CHECKSUM.SHA256"])
        #expect(select(["b.sha256", "a.sha256", "c.md5"], false).manifests.map(\.name) == ["a.sha256", "b.sha256"])
        #expect(select(["MANIFEST.txt", "SHA512SUMS"], false).manifests.map(\.name) == ["MANIFEST.txt"])
        #expect(select(["MANIFEST.txt", "SHA512SUMS"], false).recognised == ["MANIFEST.txt", "SHA512SUMS"])
        #expect(select(["distinfo"], false).manifests.map(\.name) == ["distinfo"])
        let bag = select(["bagit.txt", "manifest-md5.txt", "manifest-sha512.txt", "tagmanifest-md5.txt", "MANIFEST.txt"], false)
        #expect(bag.isBag)
        #expect(bag.manifests.map(\.name) == ["manifest-sha512.txt", "manifest-md5.txt", "tagmanifest-md5.txt"])
        #expect(bag.manifests.map(\.role) == [.payload, .payload, .tag])
        #expect(select(["manifest-sha256.txt"], false).isBag)  // a bag without bagit.txt (which is then invalid)
        #expect(select(["README.txt"], false).manifests.isEmpty)
    }

    @Test func theStrongestManifestIsUsedAndTheOthersAreNotUnlisted() throws {
        var tree = try TreeFixture("strongest")
        defer { tree.directory.remove() }
        try tree.add("a.txt", bytes: Array("a".utf8))
        try tree.add("b.txt", bytes: Array("b".utf8))
        let files = tree.files
        try tree.writeManifest(files.keys.sorted().map { "\(digest(files[$0] ?? [], .md5))  \($0)\n" }.joined(), name: "MD5SUMS")
        // The SHA-256 file says b.txt wrongly; the MD5 file is right about both.
        try tree.writeManifest("\(digest(files["a.txt"] ?? [], .sha256))  a.txt\n\(String(repeating: "1", count: 64))  b.txt\n", name: "SHA256SUMS")
        let report = try verify(tree.root)
        #expect(report.manifests.map { FilePaths.lastComponent($0.path) } == ["SHA256SUMS"])
        #expect(report.algorithms == [.sha256])
        #expect(status(report, "b.txt") == .mismatch)
        #expect(status(report, "MD5SUMS") == nil)
        let all = try verify(tree.root, VerifyOptions(jobs: 2, allManifests: true))
        #expect(all.manifests.count == 2)
        #expect(all.algorithms == [.sha256, .md5])
        let b = try #require(all.entries.first { $0.path == "b.txt" })
        #expect(b.status == .mismatch)
        #expect(b.otherDigests?.first?.algorithm == .md5 && b.otherDigests?.first?.actual == b.otherDigests?.first?.expected)
        #expect(b.manifest == "SHA256SUMS")
        #expect(all.entries.filter { $0.path == "a.txt" }.count == 1)
    }

    @Test func ignoreUnlistedAcceptsASubsetManifest() throws {
        var tree = try TreeFixture("subset")
        defer { tree.directory.remove() }
        try tree.add("a.txt", bytes: Array("a".utf8))
        try tree.add("more/b.txt", bytes: Array("b".utf8))
        try tree.writeManifest("\(sha256Hex(Array("a".utf8)))  a.txt\n", name: "SHA256SUMS")
        #expect(try verify(tree.root).exitStatus == 1)
        let subset = try verify(tree.root, VerifyOptions(jobs: 1, ignoreUnlisted: true))
        #expect(subset.exitStatus == 0)
        #expect(subset.ignoreUnlisted)
        #expect(subset.entries.map(\.path) == ["a.txt"])
    }

    @Test func crlfWarningReachesTheReport() throws {
        var tree = try TreeFixture("crlf")
        defer { tree.directory.remove() }
        try tree.add("a.txt", bytes: Array("a".utf8))
        try tree.writeManifest("\(sha256Hex(Array("a".utf8)))  a.txt\r\n", name: "SHA256SUMS")
        let report = try verify(tree.root)
        #expect(report.exitStatus == 0)
        #expect(report.warnings.count == 1)
        #expect(report.warnings.first?.message.contains("CR LF") == true)
        #expect(report.manifests.first?.lineEndings == "crlf")
    }
}

/// The bytes of a hexadecimal string.
func hexBytes(_ hex: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var iterator = hex.utf8.makeIterator()
    while let high = iterator.next(), let low = iterator.next() {
        let value = { (c: UInt8) -> UInt8 in c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x61 + 10 }
        bytes.append(value(high) << 4 | value(low))
    }
    return bytes
}
