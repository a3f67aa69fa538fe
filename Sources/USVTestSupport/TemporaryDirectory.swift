import Foundation
import USVCore

/// A fresh directory under the system temporary folder, removed by `remove()`.
public struct TemporaryDirectory: Sendable {
    public let path: String

    public init(_ label: String = "usvkit") throws {
        let base = FilePaths.join(NSTemporaryDirectory(), "\(label)-\(UUID().uuidString.prefix(8))")
        try makeDirectories(base)
        path = base
    }

    public func file(_ relative: String) -> String { FilePaths.join(path, relative) }

    /// Writes text (UTF-8) at `relative`, creating parent folders.
    @discardableResult
    public func write(_ relative: String, _ text: String) throws -> String {
        try write(relative, bytes: Array(text.utf8))
    }

    @discardableResult
    public func write(_ relative: String, bytes: [UInt8]) throws -> String {
        let full = file(relative)
        let directory = FilePaths.directoryPart(full)
        if !directory.isEmpty { try makeDirectories(directory) }
        try writeWholeFile(full, bytes: bytes)
        return full
    }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}
