/// Where a reader's bytes come from: a file, a member of an archive (streamed through libarchive), or memory.
public enum ByteSource: Sendable, Hashable, CustomStringConvertible {
    case file(String)
    case archiveMember(archive: String, member: String)
    case memory(name: String, bytes: [UInt8])

    public var description: String {
        switch self {
        case .file(let path): return path
        case .archiveMember(let archive, let member): return "\(archive)//\(member.visibleEscapes)"
        case .memory(let name, _): return name
        }
    }

    /// The name used for extension sniffing.
    public var fileName: String {
        switch self {
        case .file(let path): return FilePaths.lastComponent(path)
        case .archiveMember(_, let member): return FilePaths.lastComponent(member)
        case .memory(let name, _): return name
        }
    }

    /// A path on disk for readers whose C library opens files by name.
    public func localPath() throws -> String {
        if case .file(let path) = self { return path }
        throw USVError.unsupported(path: description, feature: "reading this source directly from a library that opens files by name",
                                   advice: "read its bytes with readAll() first")
    }

    /// All bytes, refusing more than `limit`.
    public func readAll(limit: Int) throws -> [UInt8] {
        switch self {
        case .file(let path):
            return try readWholeFile(path, limit: limit)
        case .memory(_, let bytes):
            guard bytes.count <= limit else { throw USVError.io(path: description, reason: "larger than \(limit) bytes") }
            return bytes
        case .archiveMember(let archive, let wanted):
            let reader = try ArchiveReader(path: archive)
            while let member = try reader.nextMember() {
                if member.path == wanted {
                    try member.checkSafe(in: archive)
                    return try reader.readAll(limit: limit)
                }
            }
            throw USVError.io(path: description, reason: "no such member in the archive")
        }
    }
}
