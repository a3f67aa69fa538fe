import CArchive
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

private let regularFileType = UInt32(Glibc.S_IFREG)

/// libarchive converts member names between the charset an archive declares (zip's UTF-8 flag, pax headers) and the
/// process locale. A Swift program never calls `setlocale`, so it runs in the C locale, where a non-ASCII name cannot
/// be converted. Writing therefore runs with the calling thread's locale set to C.UTF-8 (`uselocale`: this thread,
/// for the call; nothing process-wide changes), so zips mark such names with the UTF-8 flag and pax stores them as
/// they are. Reading stays in the C locale on purpose: libarchive normalises every name it converts from UTF-8 to NFC,
/// which would merge `café` in NFC and in NFD; unconverted, tar and unflagged zip names come through as their stored
/// bytes, and flagged zip names (which libarchive then gives as nothing) are read from the zip's central directory.
enum ArchiveLocale {
    nonisolated(unsafe) static let utf8: locale_t? = newlocale(LC_CTYPE_MASK, "C.UTF-8", nil)

    static func with<T>(_ body: () throws -> T) rethrows -> T {
        guard let utf8 else { return try body() }
        let previous = uselocale(utf8)
        defer { uselocale(previous) }
        return try body()
    }
}

/// Reading enables only what data sets come in: zip and tar (ustar, pax, GNU), plain or compressed with gzip,
/// bzip2, xz or zstd. 7z, rar, cab, iso, cpio, ar, mtree, raw and the rest are refused, so their parsers are never
/// reached.
private func enableDataSetFormats(_ handle: OpaquePointer) {
    archive_read_support_filter_gzip(handle)
    archive_read_support_filter_bzip2(handle)
    archive_read_support_filter_xz(handle)
    archive_read_support_filter_zstd(handle)
    archive_read_support_format_zip(handle)
    archive_read_support_format_tar(handle)
    archive_read_support_format_gnutar(handle)
}

/// The archive kinds the readers accept, for messages.
public let supportedArchiveKinds = ".zip, .tar, .tar.gz, .tar.bz2, .tar.xz or .tar.zst"

/// One member header of an archive.
public struct ArchiveMember: Sendable, Hashable {
    public enum Kind: String, Sendable, Codable { case regular, directory, symlink, hardlink, other }

    /// The member name as text (`PathText.text` of `pathBytes`: exact when UTF-8; a trailing `\r` stays).
    public var path: String
    /// The member name as bytes: UTF-8 when the archive says what its names are in (zip's UTF-8 flag and Unicode
    /// path fields, pax headers), whatever the process locale; the stored bytes unchanged otherwise.
    public var pathBytes: [UInt8]
    public var kind: Kind
    /// Uncompressed size when the header states it.
    public var size: Int64?
    /// 0-based position in the archive.
    public var index: Int

    /// Why this member must not be read or extracted as a file: an absolute name, a name that climbs out
    /// with `..` (zip-slip), or a link (which could point anywhere); nil when it is safe.
    public var unsafeReason: String? {
        // Backslashes and drive letters count too: a zip made on Windows is extracted by Windows tools.
        if let reason = FilePaths.unsafeReason(String(path.map { $0 == "\\" ? "/" : $0 })) { return "member name: \(reason)" }
        if path.count > 1, path.dropFirst().hasPrefix(":") { return "member name: a drive letter" }
        switch kind {
        case .symlink: return "a symbolic-link member"
        case .hardlink: return "a hard-link member"
        default: return nil
        }
    }

    /// Throws `USVError.unsafePath` naming the archive when the member is unsafe.
    public func checkSafe(in archive: String) throws {
        if let unsafeReason { throw USVError.unsafePath("\(archive)//\(path)", reason: "\(unsafeReason); refused") }
    }
}

/// Limits that stop decompression bombs: a member may not expand beyond `maximumMemberBytes`, nor beyond
/// `maximumRatio` times the compressed bytes it came from once it passes `ratioCheckAfter` bytes (small
/// members of silence compress very well and are harmless).
public struct ArchiveLimits: Sendable, Equatable {
    public var maximumMemberBytes: Int64
    public var maximumRatio: Double
    public var ratioCheckAfter: Int64
    /// Members an archive may have (headers are cheap, but a million-member zip is a denial of service).
    public var maximumMembers: Int

    public init(maximumMemberBytes: Int64 = 16 << 30, maximumRatio: Double = 200, ratioCheckAfter: Int64 = 16 << 20,
                maximumMembers: Int = 1_000_000) {
        self.maximumMemberBytes = maximumMemberBytes
        self.maximumRatio = maximumRatio
        self.ratioCheckAfter = ratioCheckAfter
        self.maximumMembers = maximumMembers
    }
}

/// Streams the members of an archive (zip, tar, tar.gz, tar.bz2, tar.xz, tar.zst) through libarchive
/// without extracting anything to disk. One reader serves one thread; it closes its handle on deinit.
public final class ArchiveReader {
    private let handle: OpaquePointer
    public let path: String
    private var memberCount = 0
    private var currentMember: ArchiveMember?
    /// Raw (compressed) bytes consumed when the current member's data began.
    private var compressedAtMemberStart: Int64 = 0
    /// Guards against decompression bombs while reading member data.
    public var limits = ArchiveLimits()
    /// The bytes of an in-memory archive, kept alive while libarchive reads them.
    private let memory: UnsafeMutableRawBufferPointer?

    /// Opens `path` for streaming. `blockSize` is libarchive's read size.
    public init(path: String, blockSize: Int = 1 << 20) throws {
        guard let handle = archive_read_new() else {
            throw USVError.io(path: path, reason: "libarchive could not allocate a reader")
        }
        self.handle = handle
        self.path = path
        memory = nil
        enableDataSetFormats(handle)
        guard archive_read_open_filename(handle, path, blockSize) == ARCHIVE_OK else {
            // deinit frees the handle: every stored property is set, so it runs even though init throws.
            throw USVError.io(path: path, reason: "not a readable archive (\(supportedArchiveKinds)): \(Self.message(handle))")
        }
    }

    /// Opens an archive held in memory (an archive inside an archive), named `name` in messages.
    public init(bytes: [UInt8], name: String) throws {
        guard let handle = archive_read_new() else {
            throw USVError.io(path: name, reason: "libarchive could not allocate a reader")
        }
        self.handle = handle
        path = name
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, bytes.count), alignment: 16)
        bytes.withUnsafeBytes { source in
            if let base = source.baseAddress, let target = copy.baseAddress { target.copyMemory(from: base, byteCount: bytes.count) }
        }
        memory = copy
        enableDataSetFormats(handle)
        guard archive_read_open_memory(handle, copy.baseAddress, bytes.count) == ARCHIVE_OK else {
            // deinit frees the handle and the copy.
            throw USVError.io(path: name, reason: "not a readable archive (\(supportedArchiveKinds)): \(Self.message(handle))")
        }
    }

    deinit {
        archive_read_free(handle)
        memory?.deallocate()
    }

    /// True once the first header shows a zip archive (members can then be skipped by seeking).
    public var isZip: Bool {
        (archive_format(handle) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_ZIP
    }

    /// The next member header, or nil at the end. Throws with the member index on a corrupt header.
    public func nextMember() throws -> ArchiveMember? {
        var entry: OpaquePointer?
        let status = archive_read_next_header(handle, &entry)
        if status == ARCHIVE_EOF { return nil }
        guard memberCount < limits.maximumMembers else {
            throw USVError.unusable(path: path, reason: "more than \(limits.maximumMembers) members (if the archive is trusted, "
                                    + "raise the limit with --max-members)")
        }
        guard status == ARCHIVE_OK || status == ARCHIVE_WARN, let entry else {
            throw USVError.malformed(path: path, location: "member \(memberCount + 1)",
                                     reason: "corrupt header: \(Self.message(handle))")
        }
        // In the C locale libarchive converts nothing: a name is its stored bytes (see `ArchiveLocale`). A zip name
        // flagged as UTF-8 is not kept when it cannot be converted, so it comes from the central directory.
        let nameBytes: [UInt8]
        if let raw = archive_entry_pathname(entry) {
            nameBytes = Array(UnsafeRawBufferPointer(start: raw, count: strlen(raw)))
        } else if let utf8 = archive_entry_pathname_utf8(entry) {
            nameBytes = Array(UnsafeRawBufferPointer(start: utf8, count: strlen(utf8)))
        } else if isZip, let names = centralDirectoryNames(), memberCount < names.count {
            nameBytes = names[memberCount]
        } else {
            nameBytes = []
        }
        let name = PathText.text(nameBytes)
        let kind: ArchiveMember.Kind
        if archive_entry_hardlink(entry) != nil {
            kind = .hardlink
        } else {
            switch UInt32(archive_entry_filetype(entry)) & UInt32(Glibc.S_IFMT) {
            case UInt32(Glibc.S_IFREG): kind = .regular
            case UInt32(Glibc.S_IFDIR): kind = .directory
            case UInt32(Glibc.S_IFLNK): kind = .symlink
            default: kind = .other
            }
        }
        let size: Int64? = archive_entry_size_is_set(entry) != 0 ? archive_entry_size(entry) : nil
        let member = ArchiveMember(path: name, pathBytes: nameBytes, kind: kind, size: size, index: memberCount)
        memberCount += 1
        currentMember = member
        compressedAtMemberStart = archive_filter_bytes(handle, -1)
        return member
    }

    /// The zip's member names as stored, in the order libarchive's seekable zip reader gives the members (by local
    /// header offset), read once from the central directory; nil when it cannot be read.
    private var zipNames: [[UInt8]]??
    private func centralDirectoryNames() -> [[UInt8]]? {
        if let known = zipNames { return known }
        let found: [[UInt8]]?
        if let memory {
            let bytes = UnsafeRawBufferPointer(memory)
            found = ZipCentralDirectory.names(size: Int64(bytes.count)) { offset, count in
                guard offset >= 0, count >= 0, offset + Int64(count) <= Int64(bytes.count) else { return nil }
                return Array(bytes[Int(offset)..<Int(offset) + count])
            }
        } else {
            found = ZipCentralDirectory.names(file: path)
        }
        zipNames = .some(found)
        return found
    }

    /// Streams the current member's data to `body` block by block (no copy); sparse holes are fed as zeros.
    /// Returns the byte count.
    @discardableResult
    public func readData(_ body: (UnsafeRawBufferPointer) throws -> Void) throws -> Int64 {
        var position: Int64 = 0
        let zeros = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            var block: UnsafeRawPointer?
            var size = 0
            var offset: Int64 = 0
            let status = archive_read_data_block(handle, &block, &size, &offset)
            if status == ARCHIVE_EOF {
                // A sparse member that ends in a hole: the header's size says how far the zeros go.
                guard let expected = currentMember?.size, expected > position else { return position }
                block = nil
                size = 0
                offset = expected
            } else {
                // A warning while reading data is how libarchive reports a bad zip CRC: the bytes are damaged.
                guard status == ARCHIVE_OK else {
                    throw USVError.malformed(path: path, location: "member '\((currentMember?.path ?? "?").visibleEscapes)' at byte \(position)",
                                             reason: "cannot read data: \(Self.message(handle))")
                }
            }
            // A sparse member's hole counts as expanded bytes, and the limits are checked before the zeros are made:
            // a hole declared near 2^62 bytes fails here at once instead of being hashed for ever.
            if offset > position { try checkLimits(offset.addingReportingOverflow(Int64(size)).partialValue) }
            while position < offset {
                let gap = Int(min(Int64(zeros.count), offset - position))
                try zeros.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[0..<gap])) }
                position += Int64(gap)
            }
            if let block, size > 0 {
                try body(UnsafeRawBufferPointer(start: block, count: size))
                position += Int64(size)
            }
            try checkLimits(position)
        }
    }

    private func checkLimits(_ expanded: Int64) throws {
        let name = (currentMember?.path ?? "?").visibleEscapes
        if expanded > limits.maximumMemberBytes {
            throw USVError.unusable(path: path, reason: "member '\(name)' expands beyond \(limits.maximumMemberBytes) bytes: "
                                    + "a decompression bomb? (if the archive is trusted, raise the limit with --max-member-size)")
        }
        guard expanded > limits.ratioCheckAfter else { return }
        let compressed = max(1, archive_filter_bytes(handle, -1) - compressedAtMemberStart)
        let ratio = Double(expanded) / Double(compressed)
        if ratio > limits.maximumRatio {
            throw USVError.unusable(path: path, reason: String(format: "member '%@' expands %.0f-fold (limit %.0f): a decompression bomb? "
                                    + "(if the archive is trusted, raise the limit with --max-ratio)", name, ratio, limits.maximumRatio))
        }
    }

    /// Reads the current member into memory, refusing members larger than `limit`.
    public func readAll(limit: Int) throws -> [UInt8] {
        var bytes: [UInt8] = []
        try readData { block in
            guard bytes.count + block.count <= limit else {
                throw USVError.io(path: path, reason: "member '\((currentMember?.path ?? "?").visibleEscapes)' is larger than \(limit) bytes")
            }
            bytes.append(contentsOf: block)
        }
        return bytes
    }

    /// Skips the current member's data (a seek for zip members).
    public func skipData() throws {
        guard archive_read_data_skip(handle) == ARCHIVE_OK else {
            throw USVError.malformed(path: path, location: "member '\((currentMember?.path ?? "?").visibleEscapes)'",
                                     reason: "cannot skip data: \(Self.message(handle))")
        }
    }

    static func message(_ handle: OpaquePointer) -> String {
        guard let text = archive_error_string(handle) else { return "unknown libarchive error" }
        return String(cString: text)
    }
}

/// Writes zip or tar.gz archives through libarchive, with fixed timestamps and owners so that the same
/// input gives the same bytes (the synthetic data set's manifest depends on that).
public final class ArchiveWriter {
    public enum Format: Sendable {
        /// Zip; `compress` false stores members (fast, like the Donders zips of WAV files), true deflates.
        case zip(compress: Bool)
        case tarGzip
    }

    private let handle: OpaquePointer
    public let path: String
    private var closed = false
    /// Seconds since 1970 written as every member's modification time.
    public let timestamp: Int

    public init(path: String, format: Format, timestamp: Int = 1_577_836_800) throws {
        guard let handle = archive_write_new() else {
            throw USVError.io(path: path, reason: "libarchive could not allocate a writer")
        }
        self.handle = handle
        self.path = path
        self.timestamp = timestamp
        // Under the UTF-8 locale the zip writer marks non-ASCII names with the UTF-8 flag and pax writes them as they are.
        let status: Int32 = ArchiveLocale.with {
            var status: Int32
            switch format {
            case .zip(let compress):
                status = archive_write_set_format_zip(handle)
                if status == ARCHIVE_OK {
                    status = archive_write_set_options(handle, compress ? "zip:compression=deflate" : "zip:compression=store")
                }
            case .tarGzip:
                status = archive_write_set_format_pax_restricted(handle)
                if status == ARCHIVE_OK { status = archive_write_add_filter_gzip(handle) }
                if status == ARCHIVE_OK { status = archive_write_set_options(handle, "gzip:!timestamp") }
            }
            if status == ARCHIVE_OK { status = archive_write_open_filename(handle, path) }
            return status
        }
        guard status == ARCHIVE_OK else {
            closed = true  // nothing to finish; deinit frees the handle
            throw USVError.io(path: path, reason: "cannot create archive: \(ArchiveReader.message(handle))")
        }
    }

    deinit {
        if !closed { archive_write_close(handle) }
        archive_write_free(handle)
    }

    /// Adds a member from bytes in memory.
    public func add(member name: String, bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { buffer in
            try add(member: name, size: Int64(buffer.count)) { write in try write(buffer) }
        }
    }

    /// Adds a member copied from the regular file at `sourcePath`, streamed in 1 MiB blocks.
    public func add(member name: String, copying sourcePath: String) throws {
        guard case .success(let status) = FileStatus.status(sourcePath), status.kind == .regular else {
            throw USVError.io(path: sourcePath, reason: "not a readable regular file")
        }
        let descriptor = open(sourcePath, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw USVError.io(path: sourcePath, reason: systemErrorText(errno)) }
        defer { _ = Glibc.close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        try add(member: name, size: status.size) { write in
            var copied: Int64 = 0
            while copied < status.size {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else {
                    throw USVError.io(path: sourcePath, reason: "short read at byte \(copied) of \(status.size)")
                }
                try buffer.withUnsafeBytes { try write(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
                copied += Int64(count)
            }
        }
    }

    private func add(member name: String, size: Int64,
                     body: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        guard let entry = archive_entry_new() else { throw USVError.io(path: path, reason: "libarchive out of memory") }
        defer { archive_entry_free(entry) }
        archive_entry_set_pathname(entry, name)
        archive_entry_set_size(entry, size)
        archive_entry_set_filetype(entry, regularFileType)
        archive_entry_set_perm(entry, 0o644)
        archive_entry_set_mtime(entry, time_t(timestamp), 0)
        archive_entry_set_uid(entry, 0)
        archive_entry_set_gid(entry, 0)
        // A warning is how the pax writer says it could not translate a name that is not UTF-8: it then stores the
        // name's bytes as they are.
        let status = ArchiveLocale.with { archive_write_header(handle, entry) }
        guard status == ARCHIVE_OK || status == ARCHIVE_WARN else {
            throw USVError.io(path: path, reason: "cannot write header of '\(name.visibleEscapes)': \(ArchiveReader.message(handle))")
        }
        try body { block in
            var offset = 0
            while offset < block.count {
                guard let base = block.baseAddress else { return }
                let written = archive_write_data(handle, base + offset, block.count - offset)
                guard written > 0 else {
                    throw USVError.io(path: path, reason: "cannot write data of '\(name.visibleEscapes)': \(ArchiveReader.message(handle))")
                }
                offset += written
            }
        }
    }

    /// Finishes the archive (writes the zip central directory / gzip trailer).
    public func close() throws {
        guard !closed else { return }
        closed = true
        guard archive_write_close(handle) == ARCHIVE_OK else {
            throw USVError.io(path: path, reason: "cannot finish archive: \(ArchiveReader.message(handle))")
        }
    }
}
