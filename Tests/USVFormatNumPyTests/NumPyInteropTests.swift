import Foundation
import Testing
import USVCore
@testable import USVFormatNumPy
import USVTestSupport

/// What numpy_peer.py prints for one array: dtype name, shape and values as strings (C order).
struct PeerArray: Decodable {
    var dtype: String
    var shape: [Int]
    var values: [String]
}

/// Compares an array with numpy's view of it exactly: integers as text, floats bit for bit (NaN as NaN).
func mismatch(_ array: NDArray, _ expected: PeerArray) -> String? {
    if array.dtype.rawValue != expected.dtype { return "dtype \(array.dtype.rawValue) instead of \(expected.dtype)" }
    if array.shape != expected.shape { return "shape \(array.shape) instead of \(expected.shape)" }
    let ours: [String]
    switch array.values {
    case .bool(let values): ours = values.map { $0 ? "1" : "0" }
    case .signed(let values): ours = values.map(String.init)
    case .unsigned(let values): ours = values.map(String.init)
    case .float32(let values):
        for (index, (value, text)) in zip(values, expected.values).enumerated() {
            guard let double = Double(text), Float(double).bitPattern == value.bitPattern || (double.isNaN && value.isNaN) else {
                return "value \(index): \(value) instead of \(text)"
            }
        }
        return values.count == expected.values.count ? nil : "\(values.count) values instead of \(expected.values.count)"
    case .float64(let values):
        for (index, (value, text)) in zip(values, expected.values).enumerated() {
            guard let double = Double(text), double.bitPattern == value.bitPattern || (double.isNaN && value.isNaN) else {
                return "value \(index): \(value) instead of \(text)"
            }
        }
        return values.count == expected.values.count ? nil : "\(values.count) values instead of \(expected.values.count)"
    }
    return ours == expected.values ? nil : "values differ: \(ours.prefix(6)) vs \(expected.values.prefix(6))"
}

/// One array of every dtype, with each type's extremes.
func everyDType() throws -> [NDArray] {
    [
        try NDArray(name: "b", shape: [2, 2], dtype: .bool, values: .bool([true, false, false, true])),
        try NDArray(name: "i1", shape: [2], dtype: .int8, values: .signed([-128, 127])),
        try NDArray(name: "i2", shape: [2], dtype: .int16, values: .signed([-32768, 32767])),
        try NDArray(name: "i4", shape: [2], dtype: .int32, values: .signed([Int64(Int32.min), Int64(Int32.max)])),
        try NDArray(name: "i8", shape: [3], dtype: .int64, values: .signed([Int64.min, Int64.max, 0])),
        try NDArray(name: "u1", shape: [2], dtype: .uint8, values: .unsigned([0, 255])),
        try NDArray(name: "u2", shape: [2], dtype: .uint16, values: .unsigned([0, 65535])),
        try NDArray(name: "u4", shape: [2], dtype: .uint32, values: .unsigned([0, UInt64(UInt32.max)])),
        try NDArray(name: "u8", shape: [2], dtype: .uint64, values: .unsigned([UInt64.max, 1 << 63 + 1])),
        try NDArray(name: "f4", shape: [2, 3], dtype: .float32, values: .float32([0.1, -0, .nan, .infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude])),
        try NDArray(name: "f8", shape: [1, 2, 3], dtype: .float64, values: .float64([0.1, -0.0, .nan, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude])),
        try NDArray(name: "scalar", shape: [], dtype: .float64, values: .float64([3.25])),
        try NDArray(name: "empty", shape: [0, 3], dtype: .int32, values: .signed([])),
    ]
}

@Suite struct NumPyInteropTests {
    @Test func conformance() throws {
        #expect(checkFormatPlugin(NPYFormat()) == [])
        #expect(checkFormatPlugin(NPZFormat()) == [])
        let directory = try TemporaryDirectory("npy-conf")
        defer { directory.remove() }
        for array in try everyDType() {
            #expect(checkArrayRoundTrip(NPYFormat(), arrays: [array], in: directory, fileName: "\(array.name).npy") == [])
        }
        #expect(checkArrayRoundTrip(NPZFormat(), arrays: try everyDType(), in: directory, fileName: "all.npz") == [])
        #expect(checkArrayRoundTrip(NPZFormat(compress: false), arrays: try everyDType(), in: directory, fileName: "stored.npz") == [])
        #expect(checkArrayRoundTrip(NPZFormat(), arrays: [], in: directory, fileName: "none.npz") == [])
    }

    @Test(.enabled(if: PythonPeers.available(), "needs numpy (Benchmarks/peers/setup.sh)"))
    func readsWhatNumPyWritesExactly() throws {
        let python = try PythonPeers.python()
        let directory = try TemporaryDirectory("npy-peer")
        defer { directory.remove() }
        _ = try runPeer(python, script: "numpy_peer.py", arguments: ["write", directory.path])
        let expected = try JSONDecoder().decode([String: [String: PeerArray]].self,
                                                from: Data(contentsOf: URL(fileURLWithPath: directory.file("expected.json"))))
        // 11 dtypes × byte orders × C/Fortran × versions 1-3, shapes incl. 0-d and empty, stored and deflated npz.
        #expect(expected.count == (3 + 8 * 2) * 2 * 3 + 5 + 2)
        for (file, arrays) in expected.sorted(by: { $0.key < $1.key }) {
            let source = ByteSource.file(directory.file(file))
            let head = Array(try readWholeFile(directory.file(file), limit: 1 << 26).prefix(64))
            let format: any ArrayReading = file.hasSuffix(".npz") ? NPZFormat() : NPYFormat()
            #expect(format.sniff(head: head, fileName: file) == .byContent, "\(file)")
            let read = try format.readArrays(from: source)
            #expect(Set(read.map(\.name)) == Set(arrays.keys), "\(file)")
            for array in read {
                guard let peer = arrays[array.name] else { continue }
                #expect(mismatch(array, peer) == nil, "\(file): \(array.name): \(mismatch(array, peer) ?? "")")
            }
        }
    }

    @Test(.enabled(if: PythonPeers.available(), "needs numpy (Benchmarks/peers/setup.sh)"))
    func numPyReadsWhatWeWriteExactly() throws {
        let python = try PythonPeers.python()
        let directory = try TemporaryDirectory("npy-ours")
        defer { directory.remove() }
        let arrays = try everyDType()
        for array in arrays {
            try NPYFormat().writeArrays([array], to: directory.file("\(array.name).npy"))
            let seen = try JSONDecoder().decode([String: PeerArray].self, from: Data(try runPeer(
                python, script: "numpy_peer.py", arguments: ["read", directory.file("\(array.name).npy")]).utf8))
            let peer = try #require(seen[array.name])
            #expect(mismatch(array, peer) == nil, "\(array.name): \(mismatch(array, peer) ?? "")")
        }
        for compress in [true, false] {
            let path = directory.file(compress ? "deflated.npz" : "stored.npz")
            try NPZFormat(compress: compress).writeArrays(arrays, to: path)
            let seen = try JSONDecoder().decode([String: PeerArray].self, from: Data(try runPeer(
                python, script: "numpy_peer.py", arguments: ["read", path]).utf8))
            #expect(Set(seen.keys) == Set(arrays.map(\.name)))
            for array in arrays {
                let peer = try #require(seen[array.name])
                #expect(mismatch(array, peer) == nil, "\(path): \(array.name)")
            }
        }
    }
}

@Suite struct DomainArrayTests {
    /// A spectrogram goes out time × frequency, and ragged spectrograms come back piece for piece.
    @Test func spectrogramsAndRaggedPieces() throws {
        let spectrogram = Spectrogram(rows: 3, frames: 2, values: [1, 2, 3, 4, 5, 6], sampleRate: 300_000, parameters: SpectrogramParameters())
        let array = try NDArray(name: "spec", spectrogram: spectrogram)
        #expect(array.shape == [2, 3] && array.values == .float32([1, 2, 3, 4, 5, 6]))
        let (values, offsets) = try NDArray.ragged(name: "spectrograms", pieces: [[1, 2], [], [3, 4, 5]])
        #expect(offsets.values == .signed([0, 2, 2, 5]) && offsets.name == "spectrograms_offsets")
        let directory = try TemporaryDirectory("ragged")
        defer { directory.remove() }
        try NPZFormat().writeArrays([values, offsets, array], to: directory.file("bundle.npz"))
        let back = try NPZFormat().readArrays(from: .file(directory.file("bundle.npz")))
        let named = Dictionary(uniqueKeysWithValues: back.map { ($0.name, $0) })
        let pieces = try NDArray.pieces(values: try #require(named["spectrograms"]), offsets: try #require(named["spectrograms_offsets"]))
        #expect(pieces == [[1, 2], [], [3, 4, 5]])
        #expect(throws: USVError.self) { try NDArray.pieces(values: values, offsets: try NDArray(name: "o", shape: [2], dtype: .int64, values: .signed([0, 9]))) }
    }
}
