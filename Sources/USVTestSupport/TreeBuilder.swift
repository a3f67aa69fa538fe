import Crypto
import Foundation
import USVCore

/// Builds small data-set trees with manifests for verification tests.
public struct TreeFixture {
    public let directory: TemporaryDirectory
    public private(set) var files: [String: [UInt8]] = [:]

    public init(_ label: String = "tree") throws { directory = try TemporaryDirectory(label) }

    public var root: String { directory.path }

    /// Adds a file with deterministic pseudo-random content of `size` bytes.
    public mutating func add(_ path: String, size: Int, seed: UInt64 = 1) throws {
        var state = path.utf8.reduce(seed ^ 0xCBF2_9CE4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 }
        var bytes = [UInt8](repeating: 0, count: size)
        for index in 0..<size {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            bytes[index] = UInt8(truncatingIfNeeded: state >> 33)
        }
        try add(path, bytes: bytes)
    }

    public mutating func add(_ path: String, bytes: [UInt8]) throws {
        try directory.write(path, bytes: bytes)
        files[path] = bytes
    }

    /// Donders-style manifest lines (hash, one space, path) for every added file, in the order given.
    public func dondersManifest(order: [String]? = nil) -> String {
        (order ?? files.keys.sorted()).map { "\(sha256Hex(files[$0] ?? [])) \($0)\n" }.joined()
    }

    @discardableResult
    public func writeManifest(_ text: String, name: String = "MANIFEST.txt") throws -> String {
        try directory.write(name, text)
    }
}

public func sha256Hex(_ bytes: [UInt8]) -> String { SHA256.hash(data: bytes).hexString }
