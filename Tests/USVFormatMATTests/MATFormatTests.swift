import Foundation
import Testing
import CZlib
import USVCore
@testable import USVFormatMAT
import USVTestSupport

/// The JSON form mat_peer.py prints, made from our values, to compare with scipy's view exactly.
func plain(_ value: MATValue) -> JSONValue {
    func numbers(_ values: [Double]) -> JSONValue { .array(values.map { .number($0) }) }
    func dims(_ dimensions: [Int]) -> JSONValue { .array(dimensions.map { .number(Double($0)) }) }
    switch value {
    case .numeric(let numericClass, let dimensions, let real, let imaginary):
        if let imaginary {
            return .object(["kind": .string("complex"), "dims": dims(dimensions), "real": numbers(real), "imag": numbers(imaginary)])
        }
        let names: [MATNumericClass: String] = [.double: "float64", .single: "float32", .int8: "int8", .uint8: "uint8", .int16: "int16",
                                                .uint16: "uint16", .int32: "int32", .uint32: "uint32", .int64: "int64", .uint64: "uint64"]
        return .object(["kind": .string("numeric"), "class": .string(names[numericClass] ?? "?"), "dims": dims(dimensions), "values": numbers(real)])
    case .logical(let dimensions, let values):
        // scipy.io.loadmat returns MATLAB logicals as uint8 0/1.
        return .object(["kind": .string("numeric"), "class": .string("uint8"), "dims": dims(dimensions),
                        "values": numbers(values.map { $0 ? 1 : 0 })])
    case .char(_, let text):
        return .object(["kind": .string("char"), "text": .string(text)])
    case .cell(let dimensions, let values):
        return .object(["kind": .string("cell"), "dims": dims(dimensions), "values": .array(values.map(plain))])
    case .structure(let dimensions, let fieldNames, let elements):
        var fields: [String: JSONValue] = [:]
        for name in fieldNames { if let field = elements.first?[name] { fields[name] = plain(field) } }
        return .object(["kind": .string("struct"), "dims": dims(dimensions), "fields": .object(fields)])
    }
}

@Suite struct MATFormatTests {
    @Test(.enabled(if: PythonPeers.available(), "needs scipy (Benchmarks/peers/setup.sh)"))
    func readsWhatScipyWritesAndScipyReadsWhatWeWrite() throws {
        let python = try PythonPeers.python()
        let directory = try TemporaryDirectory("mat")
        defer { directory.remove() }
        _ = try runPeer(python, script: "mat_peer.py", arguments: ["write", directory.path])
        let expected = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: URL(fileURLWithPath: directory.file("expected.json"))))
        guard case .object(let expectedVariables) = expected else { Issue.record("bad expected.json"); return }
        let format = MATFormat()
        for file in ["plain.mat", "compressed.mat"] {
            let head = Array(try readWholeFile(directory.file(file), limit: 1 << 24).prefix(64))
            #expect(format.sniff(head: head, fileName: "x") == .byContent)
            let variables = try format.read(.file(directory.file(file)))
            #expect(Set(variables.map(\.name)) == Set(expectedVariables.keys))
            for (name, value) in variables {
                #expect(plain(value) == expectedVariables[name], "\(file): \(name): \(value)")
            }
            // The Donders per-USV layout: v.Sound{1}, v.Spec{1} (233 × T), scalars and the file name.
            let v = try #require(variables.first { $0.name == "v" }?.value)
            #expect(v["Spec"]?.unwrappedCell.dimensions == [233, 4])
            #expect(v["SRSound"]?.doubles == [300_000])
            if case .char(_, let text)? = v["Filename"] { #expect(text == "Rfem_Afem01.wav") } else { Issue.record("Filename") }
        }
        // Write everything back; scipy must see exactly the same.
        let original = try format.read(.file(directory.file("plain.mat")))
        try format.write(original, to: directory.file("ours.mat"))
        let seen = try JSONDecoder().decode(JSONValue.self, from: Data(try runPeer(python, script: "mat_peer.py",
                                                                                    arguments: ["read", directory.file("ours.mat")]).utf8))
        #expect(seen == expected)
        // And our own reader reads our writer's file back equal.
        let again = try format.read(.file(directory.file("ours.mat")))
        #expect(again.map(\.name) == original.map(\.name))
        for (left, right) in zip(again, original) { #expect(left.value == right.value, "\(left.name)") }
    }

    @Test func damagedFilesGiveClearErrors() throws {
        let directory = try TemporaryDirectory("mat-bad")
        defer { directory.remove() }
        let format = MATFormat()
        #expect(checkFormatPlugin(format) == [])
        try format.write([("x", .matrix(rows: 2, columns: 2, rowMajor: [1, 2, 3, 4]))], to: directory.file("good.mat"))
        let good = try readWholeFile(directory.file("good.mat"), limit: 1 << 20)
        try directory.write("short.mat", bytes: Array(good.prefix(good.count - 8)))
        try directory.write("header.mat", bytes: Array(good.prefix(100)))
        var flipped = good
        flipped[126] = 0
        try directory.write("endian.mat", bytes: flipped)
        for name in ["short.mat", "header.mat", "endian.mat"] {
            do {
                _ = try format.read(.file(directory.file(name)))
                Issue.record("\(name) must not read")
            } catch let error as USVError {
                #expect(error.description.contains(name) && error.description.contains("byte"), "\(error)")
            }
        }
        // A compressed element whose zlib stream is damaged.
        var compressed = [UInt8](good.prefix(128))
        compressed += MATWriter.word32(MATReader.miCOMPRESSED) + MATWriter.word32(16) + [0x78, 0x9C] + [UInt8](repeating: 0xFF, count: 14)
        try directory.write("zlib.mat", bytes: compressed)
        #expect(throws: USVError.self) { try format.read(.file(directory.file("zlib.mat"))) }
        #expect(throws: USVError.self) { try format.write([("1bad", .scalar(1))], to: directory.file("x.mat")) }
    }

    /// MAT v7.3: hdf5storage writes the same variables as HDF5 with MATLAB's attributes; we read exactly
    /// scipy's view of them; we write v7.3 and hdf5storage reads exactly that view back.
    @Test(.enabled(if: PythonPeers.available(), "needs hdf5storage (Benchmarks/peers/setup.sh)"))
    func readsAndWritesVersion73LikeHdf5storage() throws {
        let python = try PythonPeers.python()
        let directory = try TemporaryDirectory("mat73")
        defer { directory.remove() }
        _ = try runPeer(python, script: "mat_peer.py", arguments: ["write", directory.path])
        _ = try runPeer(python, script: "mat_peer.py", arguments: ["write73", directory.path])
        let expected = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: URL(fileURLWithPath: directory.file("expected.json"))))
        guard case .object(let expectedVariables) = expected else { Issue.record("bad expected.json"); return }
        let format = MATFormat()
        let head = Array(try readWholeFile(directory.file("v73.mat"), limit: 1 << 24).prefix(64))
        #expect(format.sniff(head: head, fileName: "x") == .byContent)
        let variables = try format.read(.file(directory.file("v73.mat")))
        #expect(Set(variables.map(\.name)) == Set(expectedVariables.keys))
        for (name, value) in variables { #expect(plain(value) == expectedVariables[name], "v73.mat: \(name): \(value)") }

        // Our v7.3 writer: hdf5storage (through h5py) reads the same values; our reader reads them back equal.
        let original = try format.read(.file(directory.file("plain.mat")))
        try format.write(original, to: directory.file("ours73.mat"), version: .v73)
        let bytes = try readWholeFile(directory.file("ours73.mat"), limit: 1 << 24)
        #expect(String(decoding: bytes.prefix(19), as: UTF8.self) == "MATLAB 7.3 MAT-file")
        #expect(Array(bytes[124..<128]) == [0x00, 0x02, UInt8(ascii: "I"), UInt8(ascii: "M")])
        let seen = try JSONDecoder().decode(JSONValue.self, from: Data(try runPeer(python, script: "mat_peer.py",
                                                                                    arguments: ["read73", directory.file("ours73.mat")]).utf8))
        #expect(seen == expected)
        let again = try format.read(.file(directory.file("ours73.mat")))
        #expect(again.map(\.name).sorted() == original.map(\.name).sorted())
        for (name, value) in original { #expect(again.first { $0.name == name }?.value == value, "\(name)") }
    }

    /// A v7.3 file inside a zip reads through a private copy (HDF5 needs a file); errors name the archive member.
    /// No Python needed: the file is our writer's.
    @Test func version73InsideAZipReadsThroughACopy() throws {
        let directory = try TemporaryDirectory("mat73-zip")
        defer { directory.remove() }
        let format = MATFormat()
        let original: [(name: String, value: MATValue)] = [
            ("v", .structure(dimensions: [1, 1], fieldNames: ["Spec", "Start", "Filename"], elements: [[
                "Spec": .cell(dimensions: [1, 1], values: [.matrix(rows: 3, columns: 2, rowMajor: [1, 2, 3, 4, 5, 6])]),
                "Start": .scalar(1.25), "Filename": .string("Rfem_Afem01.wav"),
            ]])),
            ("n", .numeric(.int16, dimensions: [1, 2], real: [-3, 7], imaginary: nil)),
        ]
        try format.write(original, to: directory.file("ours73.mat"), version: .v73)
        let bytes = try readWholeFile(directory.file("ours73.mat"), limit: 1 << 24)
        #expect(String(decoding: bytes.prefix(19), as: UTF8.self) == "MATLAB 7.3 MAT-file")
        let writer = try ArchiveWriter(path: directory.file("bundle.zip"), format: .zip(compress: true))
        try writer.add(member: "usv/data000000001.mat", bytes: bytes)
        try writer.add(member: "usv/broken.mat", bytes: Array(bytes.prefix(700)))
        try writer.close()
        let member = try format.read(.archiveMember(archive: directory.file("bundle.zip"), member: "usv/data000000001.mat"))
        #expect(member.map(\.name).sorted() == original.map(\.name).sorted())
        for (name, value) in original { #expect(member.first { $0.name == name }?.value == value, "\(name)") }
        do {
            _ = try format.read(.archiveMember(archive: directory.file("bundle.zip"), member: "usv/broken.mat"))
            Issue.record("a truncated v7.3 file must not read")
        } catch let error as USVError {
            #expect(error.description.contains("bundle.zip//usv/broken.mat"), "\(error)")
        }
    }

    /// The v5 reader on mutated files (plain and zlib-compressed elements): no crash, typed errors only.
    @Test func mutatedMATFilesNeverCrashTheReader() throws {
        let v = MATValue.structure(dimensions: [1, 1], fieldNames: ["Sound", "Spec", "Start", "Filename", "ok", "n"], elements: [[
            "Sound": .cell(dimensions: [1, 1], values: [.numeric(.double, dimensions: [4, 1], real: [0.5, -0.25, 0.125, 1], imaginary: nil)]),
            "Spec": .cell(dimensions: [1, 1], values: [.matrix(rows: 3, columns: 2, rowMajor: [1, 2, 3, 4, 5, 6])]),
            "Start": .scalar(1.25), "Filename": .string("Rfem_Afem01.wav"),
            "ok": .logical(dimensions: [1, 2], values: [true, false]),
            "n": .numeric(.int16, dimensions: [1, 2], real: [-3, 7], imaginary: nil),
        ]])
        var writer = MATWriter()
        try writer.add("v", v)
        let plainFile = writer.bytes
        // The same variable as one zlib-compressed element, as MATLAB writes by default.
        let element = Array(plainFile.dropFirst(128))
        var compressedLength = compressBound(UInt(element.count))
        var compressed = [UInt8](repeating: 0, count: Int(compressedLength))
        #expect(compress(&compressed, &compressedLength, element, UInt(element.count)) == Z_OK)
        let compressedFile = Array(plainFile.prefix(128)) + MATWriter.word32(MATReader.miCOMPRESSED)
            + MATWriter.word32(UInt32(compressedLength)) + compressed.prefix(Int(compressedLength))
        let format = MATFormat()
        #expect(try format.read(.memory(name: "z.mat", bytes: compressedFile)).first?.value == v)
        var fuzzer = MutationFuzzer(seed: 5)
        let outcome = fuzzer.run(seeds: [plainFile, compressedFile]) { bytes in
            _ = try format.read(.memory(name: "fuzz.mat", bytes: bytes))
        }
        #expect(outcome.untypedErrors == [])
        #expect(outcome.slowestSeconds < 1, "an input of \(outcome.slowestInput.count) bytes took \(outcome.slowestSeconds) s: \(outcome.slowestInput.prefix(256))")
        #expect(outcome.iterations >= 200 && outcome.rejected > 0)
        print("MAT fuzz: \(outcome.iterations) inputs, \(outcome.accepted) read, \(outcome.rejected) rejected with typed errors")
    }
}
