import Foundation

/// Where an export of many files goes: a directory, or a zip or tar.gz archive (chosen by the output's
/// extension). Member names are checked to stay inside the output; an archive is written under a temporary
/// name and moved into place by `finish()`, so an interrupted export never leaves a truncated archive.
public final class OutputBundle {
    public enum Kind: Sendable, Equatable { case directory, zip, tarGzip }

    public let path: String
    public let kind: Kind
    private let archive: ArchiveWriter?
    private let archiveTemporary: String?
    private var names: Set<String> = []
    public private(set) var count = 0
    private var finished = false

    /// `path` ending in .zip or .tar.gz/.tgz makes an archive, anything else a directory (created when
    /// missing). An existing archive, or a directory with files in it, is refused unless `replace`.
    public init(path: String, replace: Bool) throws {
        self.path = path
        let lower = path.lowercased()
        if lower.hasSuffix(".zip") {
            kind = .zip
        } else if lower.hasSuffix(".tar.gz") || lower.hasSuffix(".tgz") {
            kind = .tarGzip
        } else {
            kind = .directory
        }
        let manager = FileManager.default
        switch kind {
        case .directory:
            if let contents = try? manager.contentsOfDirectory(atPath: path), !contents.isEmpty, !replace {
                throw USVError.usage("\(path) is a directory with files in it; pass --force to write into it")
            }
            try makeDirectories(path)
            archive = nil
            archiveTemporary = nil
        case .zip, .tarGzip:
            if manager.fileExists(atPath: path) && !replace { throw USVError.usage("\(path) exists; pass --force to replace it") }
            let directory = FilePaths.directoryPart(path).isEmpty ? "." : FilePaths.directoryPart(path)
            let temporary = FilePaths.join(directory, ".\(FilePaths.lastComponent(path)).partial-\(getpid())")
            archive = try ArchiveWriter(path: temporary, format: kind == .zip ? .zip(compress: true) : .tarGzip)
            archiveTemporary = temporary
        }
    }

    deinit {
        if let archiveTemporary, !finished { unlink(archiveTemporary) }
    }

    /// Adds a file from bytes.
    public func add(_ name: String, bytes: [UInt8]) throws {
        try checkName(name)
        if let archive {
            try archive.add(member: name, bytes: bytes)
        } else {
            try makeParent(of: name)
            try writeWholeFile(FilePaths.join(path, name), bytes: bytes)
        }
        count += 1
    }

    /// Adds a file written by a library that writes to a path (libsndfile, HDF5).
    public func add(_ name: String, writing write: (_ path: String) throws -> Void) throws {
        try checkName(name)
        if let archive {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("usv-bundle-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false)
            defer { try? FileManager.default.removeItem(at: directory) }
            let temporary = directory.appendingPathComponent(FilePaths.lastComponent(name)).path
            try write(temporary)
            try archive.add(member: name, copying: temporary)
        } else {
            try makeParent(of: name)
            try writeAtomically(FilePaths.join(path, name), write)
        }
        count += 1
    }

    /// Completes the output: an archive is finished and moved into place.
    public func finish() throws {
        guard let archive, let archiveTemporary else { return }
        try archive.close()
        guard rename(archiveTemporary, path) == 0 else {
            throw USVError.io(path: path, reason: "cannot move the archive into place: \(systemErrorText(errno))")
        }
        finished = true
    }

    private func checkName(_ name: String) throws {
        if let reason = FilePaths.unsafeReason(name) ?? (name.split(separator: "/", omittingEmptySubsequences: false).contains("") ? "empty component" : nil) {
            throw USVError.unsafePath(name, reason: "\(reason): an output member must stay inside \(path)")
        }
        guard names.insert(name).inserted else { throw USVError.usage("\(path): two outputs named \(name)") }
    }

    private func makeParent(of name: String) throws {
        let parent = FilePaths.directoryPart(name)
        if !parent.isEmpty { try makeDirectories(FilePaths.join(path, parent)) }
    }
}
