import Foundation
import Testing
import USVCore
@testable import USVFormatNumPy
import USVTestSupport

/// A .npy file with a header of our choosing and `data` after it.
func npy(header: String, data: [UInt8], version: UInt8 = 1) -> [UInt8] {
    var text = header
    while (10 + text.utf8.count + 1) % 64 != 0 { text += " " }
    text += "\n"
    return [0x93] + Array("NUMPY".utf8) + [version, 0, UInt8(text.utf8.count & 0xFF), UInt8(text.utf8.count >> 8)] + Array(text.utf8) + data
}

@Suite struct HostileNumPyTests {
    /// Every corrupt input is a typed error naming the file; none crashes or allocates the declared size.
    @Test func corruptFilesGiveClearErrors() throws {
        let good = NPYCodec.encode(try NDArray(name: "x", shape: [2, 3], doubles: [1, 2, 3, 4, 5, 6]))
        let cases: [(String, [UInt8], String)] = [
            ("empty", [], "preamble"),
            ("magic", Array("NOTNUMPY0123456789".utf8), "magic"),
            ("truncated-data", Array(good.dropLast(3)), "truncated"),
            ("truncated-header", Array(good.prefix(40)), "truncated"),
            ("trailing", good + [0], "after"),
            ("huge-shape", npy(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000, 1000000000), }", data: [0]), "needs"),
            ("overflow-shape", npy(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4), }", data: []), "elements"),
            ("bad-dict", npy(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (2,3 }", data: []), "expected"),
            ("missing-key", npy(header: "{'descr': '<f8', 'shape': (1,), }", data: Array(repeating: 0, count: 8)), "keys"),
            ("negative", npy(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }", data: []), "header"),
            ("structured", npy(header: "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,), }", data: []), "descr"),
            ("not-a-dict", npy(header: "__import__('os').system('true')", data: []), "expected"),
        ]
        for (name, bytes, word) in cases {
            do {
                _ = try NPYCodec.decode(bytes, name: name, path: "\(name).npy")
                Issue.record("\(name) must not decode")
            } catch let error as USVError {
                #expect(error.description.contains("\(name).npy") && error.description.contains(word), "\(name): \(error)")
            }
        }
        #expect(throws: USVError.self) { try NPYCodec.decode(npy(header: "{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", data: Array(repeating: 0, count: 16)), name: "c", path: "c.npy") }
        #expect(throws: USVError.self) { try NPYCodec.decode([0x93] + Array("NUMPY".utf8) + [9, 0, 0, 0], name: "v", path: "v.npy") }
    }

    @Test func corruptArchivesGiveClearErrors() throws {
        let directory = try TemporaryDirectory("npz-bad")
        defer { directory.remove() }
        let arrays = [try NDArray(name: "a", shape: [100], doubles: (0..<100).map(Double.init))]
        try NPZFormat(compress: true).writeArrays(arrays, to: directory.file("good.npz"))
        let good = try readWholeFile(directory.file("good.npz"), limit: 1 << 20)
        try directory.write("cut.npz", bytes: Array(good.prefix(good.count / 2)))
        try directory.write("junk.npz", bytes: Array(repeating: 0x5A, count: 300))
        var flipped = good
        flipped[60] ^= 0xFF
        try directory.write("flipped.npz", bytes: flipped)
        for name in ["cut.npz", "junk.npz", "flipped.npz"] {
            #expect(throws: USVError.self, "\(name)") { try NPZFormat().readArrays(from: .file(directory.file(name))) }
        }
        // A member larger than allowed is refused before it is inflated past the limit (a decompression bomb).
        let bomb = [try NDArray(name: "zeros", shape: [1 << 20], dtype: .uint8, values: .unsigned(Array(repeating: 0, count: 1 << 20)))]
        try NPZFormat(compress: true).writeArrays(bomb, to: directory.file("bomb.npz"))
        #expect(try readWholeFile(directory.file("bomb.npz"), limit: 1 << 20).count < 10_000)
        #expect(throws: USVError.self) { try NPZFormat(maximumMemberBytes: 1 << 16).readArrays(from: .file(directory.file("bomb.npz"))) }
        // A zip with a non-.npy member is not an .npz.
        let writer = try ArchiveWriter(path: directory.file("other.npz"), format: .zip(compress: false))
        try writer.add(member: "readme.txt", bytes: Array("hello".utf8))
        try writer.close()
        #expect(throws: USVError.self) { try NPZFormat().readArrays(from: .file(directory.file("other.npz"))) }
        // Writers refuse what they cannot represent, and leave nothing behind.
        #expect(throws: USVError.self) { try NPZFormat().writeArrays(arrays + arrays, to: directory.file("twice.npz")) }
        #expect(throws: USVError.self) { try NPYFormat().writeArrays(arrays + arrays, to: directory.file("two.npy")) }
        #expect(!FileManager.default.fileExists(atPath: directory.file("twice.npz")))
        #expect(throws: USVError.self) { try NDArray(name: "x", shape: [2], dtype: .int8, values: .signed([1, 300])) }
        #expect(throws: USVError.self) { try NDArray(name: "x", shape: [3], doubles: [1, 2]) }
    }

    @Test func fortranOrderAndLongHeadersAndMembersInArchives() throws {
        // A 2×3 array stored column-major: file order 1 4 2 5 3 6 is rows (1 2 3) (4 5 6).
        let data = [1, 4, 2, 5, 3, 6].flatMap { value -> [UInt8] in withUnsafeBytes(of: Int16(value).bigEndian) { Array($0) } }
        let fortran = try NPYCodec.decode(npy(header: "{'descr': '>i2', 'fortran_order': True, 'shape': (2, 3), }", data: data),
                                          name: "f", path: "f.npy")
        #expect(fortran.values == .signed([1, 2, 3, 4, 5, 6]) && fortran.dtype == .int16)
        // A shape so long that the header needs format 2.0.
        let many = try NDArray(name: "long", shape: Array(repeating: 1, count: 30_000) + [2], dtype: .uint8, values: .unsigned([7, 9]))
        let encoded = NPYCodec.encode(many)
        #expect(encoded[6] == 2)
        #expect(try NPYCodec.decode(encoded, name: "long", path: "long.npy") == many)
        #expect(encoded.count % 64 == 2)
        // Read an .npy that is a member of a zip, in place.
        let directory = try TemporaryDirectory("npy-member")
        defer { directory.remove() }
        let writer = try ArchiveWriter(path: directory.file("bundle.zip"), format: .zip(compress: true))
        try writer.add(member: "arrays/x.npy", bytes: NPYCodec.encode(fortran))
        try writer.close()
        let member = try NPYFormat().readArray(from: .archiveMember(archive: directory.file("bundle.zip"), member: "arrays/x.npy"))
        #expect(member.values == fortran.values && member.name == "x")
    }
}
