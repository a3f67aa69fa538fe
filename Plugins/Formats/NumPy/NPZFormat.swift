import USVCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// NumPy .npz archives (`numpy.savez` stores members, `savez_compressed` deflates them): a zip of .npy
/// files, read through libarchive. Member names become array names without `.npy`. A member larger than
/// `maximumMemberBytes` is refused before it is inflated past that size, which bounds decompression bombs.
public struct NPZFormat: ArrayReading, ArrayWriting {
    public static let descriptor = PluginDescriptor(
        id: "format.npz", version: "0.1.0", kind: .format,
        summary: "NumPy .npz archives of .npy arrays (stored or deflated)",
        capabilities: ["read", "write", "sniff", "arrays", "archive-members"])
    public static let fileExtensions = ["npz"]

    public var maximumMemberBytes: Int
    /// Deflate members when writing (like `savez_compressed`).
    public var compress: Bool

    public init(maximumMemberBytes: Int = 1 << 33, compress: Bool = true) {
        self.maximumMemberBytes = maximumMemberBytes
        self.compress = compress
    }

    /// A zip (PK\3\4) whose name ends in .npz; any zip is not enough, so the extension is required too.
    public func sniff(head: [UInt8], fileName: String) -> SniffConfidence {
        guard fileName.fileExtension == "npz" else { return .no }
        return head.starts(with: [0x50, 0x4B, 0x03, 0x04]) || head.starts(with: [0x50, 0x4B, 0x05, 0x06]) ? .byContent : .byExtension
    }

    public func readArrays(from source: ByteSource) throws -> [NDArray] {
        let reader: ArchiveReader
        switch source {
        case .file(let path): reader = try ArchiveReader(path: path)
        case .memory(let name, let bytes): reader = try ArchiveReader(bytes: bytes, name: name)
        case .archiveMember: reader = try ArchiveReader(bytes: try source.readAll(limit: maximumMemberBytes), name: source.description)
        }
        var arrays: [NDArray] = []
        while let member = try reader.nextMember() {
            guard member.kind == .regular else { continue }
            let location = "\(source.description)//\(member.path.visibleEscapes)"
            guard member.path.hasSuffix(".npy") else {
                throw USVError.malformed(path: source.description, location: "member '\(member.path.visibleEscapes)'",
                                         reason: "not a .npy member; an .npz holds only .npy files")
            }
            if let size = member.size, size > Int64(maximumMemberBytes) {
                throw USVError.unusable(path: location, reason: "member declares \(size) bytes, more than the \(maximumMemberBytes) allowed")
            }
            let bytes = try reader.readAll(limit: maximumMemberBytes)
            arrays.append(try NPYCodec.decode(bytes, name: String(member.path.dropLast(4)), path: location))
        }
        // libarchive may take bytes it does not recognise for an empty archive; an empty .npz is an empty zip.
        if arrays.isEmpty, !((try? source.readAll(limit: 1024))?.starts(with: [0x50, 0x4B, 0x05, 0x06]) ?? false) {
            throw USVError.malformed(path: source.description, location: "byte 0", reason: "not a zip archive")
        }
        return arrays
    }

    /// Writes the arrays as members `<name>.npy`, to a temporary file moved into place when complete.
    public func writeArrays(_ arrays: [NDArray], to path: String) throws {
        var names = Set<String>()
        for array in arrays {
            if let reason = FilePaths.unsafeReason(array.name) ?? (array.name.contains("/") ? "contains '/'" : nil) {
                throw USVError.usage("array name '\(array.name.visibleEscapes)' cannot be an .npz member: \(reason)")
            }
            guard names.insert(array.name).inserted else { throw USVError.usage("array name '\(array.name)' appears twice") }
        }
        let temporary = path + ".tmp-\(getpid())"
        do {
            let writer = try ArchiveWriter(path: temporary, format: .zip(compress: compress))
            for array in arrays { try writer.add(member: array.name + ".npy", bytes: NPYCodec.encode(array)) }
            try writer.close()
        } catch {
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let reason = systemErrorText(errno)
            unlink(temporary)
            throw USVError.io(path: path, reason: "cannot move into place: \(reason)")
        }
    }
}
