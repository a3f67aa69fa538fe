import Foundation

/// A data set's files, whether unpacked in a directory or packed in one archive: data-set adapters look at
/// relative paths through this and never care which. In an archive, the paths are relative to the folder that
/// holds the data set (the archive's single top folder, when there is one).
public struct DataRoot: Sendable {
    public enum Storage: Sendable {
        case directory(String)
        /// The archive file, the member prefix ("" or "top/"), and every regular member's relative path.
        case archive(String, prefix: String, members: Set<String>)
    }

    public let storage: Storage

    /// Opens a directory or an archive. For an archive, the prefix is the folder of the shallowest member whose
    /// relative path starts with `marker` (e.g. "Data/"), or "" when none does.
    public init(_ root: String, marker: String = "Data/") throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory) else {
            throw USVError.usage("\(root): no such directory or archive")
        }
        if isDirectory.boolValue {
            storage = .directory(root)
            return
        }
        let reader = try ArchiveReader(path: root)
        var names: [String] = []
        while let member = try reader.nextMember() {
            if member.kind == .regular, FilePaths.unsafeReason(member.path) == nil { names.append(member.path) }
        }
        let prefix = names.compactMap { name -> String? in
            guard let range = name.range(of: marker) else { return nil }
            let before = String(name[..<range.lowerBound])
            return before.isEmpty || before.hasSuffix("/") ? before : nil
        }.min { $0.count < $1.count } ?? ""
        storage = .archive(root, prefix: prefix, members: Set(names.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }))
    }

    public var isArchive: Bool {
        if case .archive = storage { return true }
        return false
    }

    public func exists(_ relative: String) -> Bool {
        switch storage {
        case .directory(let root): return FileManager.default.fileExists(atPath: FilePaths.join(root, relative))
        case .archive(_, _, let members): return members.contains(relative) || members.contains { $0.hasPrefix(relative + "/") }
        }
    }

    /// Names (not paths) of the files directly in `directory`.
    public func fileNames(in directory: String) -> [String] {
        switch storage {
        case .directory(let root):
            return ((try? FileManager.default.contentsOfDirectory(atPath: FilePaths.join(root, directory))) ?? []).sorted()
        case .archive(_, _, let members):
            let prefix = directory.isEmpty ? "" : directory + "/"
            return members.filter { $0.hasPrefix(prefix) && !$0.dropFirst(prefix.count).contains("/") }
                .map { String($0.dropFirst(prefix.count)) }.sorted()
        }
    }

    /// `relative` checked as a manifest path is before anything is opened: paths that come from a catalog or an
    /// imported bundle are as untrusted as a manifest's. Absolute paths, `..`, NUL and `~` are refused; in a
    /// directory, so is a path that resolves through a symlink to outside the root.
    public func checkedPath(_ relative: String) throws -> String {
        if let reason = FilePaths.unsafeReason(relative) { throw USVError.unsafePath(relative, reason: reason) }
        if case .directory(let root) = storage, case .success(let rootReal) = FilePaths.realPath(root),
           case .success(let real) = FilePaths.realPath(FilePaths.join(root, relative)), !FilePaths.isInside(real, root: rootReal) {
            throw USVError.unsafePath(relative, reason: "resolves through a symlink to outside the data set's root \(root)")
        }
        return relative
    }

    /// Where a reader gets the bytes of `relative` (checked: `checkedPath`).
    public func source(_ relative: String) throws -> ByteSource {
        let relative = try checkedPath(relative)
        switch storage {
        case .directory(let root): return .file(FilePaths.join(root, relative))
        case .archive(let archive, let prefix, _): return .archiveMember(archive: archive, member: prefix + relative)
        }
    }

    public func read(_ relative: String, limit: Int) throws -> [UInt8] {
        try source(relative).readAll(limit: limit)
    }

    /// Where the bytes of `relative` — or of `member` inside the archive at `relative` — are. An archive inside
    /// the root archive is opened in memory and the member's bytes returned.
    public func source(_ relative: String, member: String?) throws -> ByteSource {
        guard let member else { return try source(relative) }
        let relative = try checkedPath(relative)
        if let reason = FilePaths.unsafeReason(member) { throw USVError.unsafePath("\(relative)//\(member)", reason: reason) }
        if case .directory(let directory) = storage {
            return .archiveMember(archive: FilePaths.join(directory, relative), member: member)
        }
        let reader = try archiveReader(relative)
        while let candidate = try reader.nextMember() {
            if candidate.path == member { return .memory(name: "\(relative)//\(member)", bytes: try reader.readAll(limit: 1 << 32)) }
        }
        throw USVError.malformed(path: relative, location: "member \(member)", reason: "not in the archive")
    }

    /// A reader over the archive at `relative` (an archive file in a directory, or one inside the root archive).
    public func archiveReader(_ relative: String) throws -> ArchiveReader {
        let relative = try checkedPath(relative)
        switch storage {
        case .directory(let root): return try ArchiveReader(path: FilePaths.join(root, relative))
        case .archive: return try ArchiveReader(bytes: try read(relative, limit: 1 << 34), name: try source(relative).description)
        }
    }
}
