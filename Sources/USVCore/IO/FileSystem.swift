#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `lstat`/`fstat` says about a path, in the terms verification needs.
public struct FileStatus: Sendable, Hashable {
    public enum Kind: String, Sendable, Codable {
        case regular, directory, symlink, fifo, characterDevice = "character-device", blockDevice = "block-device",
             socket, unknown
    }

    public var kind: Kind
    public var size: Int64
    public var modificationNanoseconds: Int64
    /// The inode's change time (`st_ctim`): set by the kernel on every write, `chmod` or `utimes`, and not settable
    /// by a program, so a file written and then given back its old mtime still shows a new ctime.
    public var changeNanoseconds: Int64
    public var inode: UInt64
    public var device: UInt64

    init(_ info: stat) {
        switch info.st_mode & S_IFMT {
        case S_IFREG: kind = .regular
        case S_IFDIR: kind = .directory
        case S_IFLNK: kind = .symlink
        case S_IFIFO: kind = .fifo
        case S_IFCHR: kind = .characterDevice
        case S_IFBLK: kind = .blockDevice
        case S_IFSOCK: kind = .socket
        default: kind = .unknown
        }
        size = Int64(info.st_size)
        #if canImport(Darwin)
        modificationNanoseconds = Int64(info.st_mtimespec.tv_sec) * 1_000_000_000 + Int64(info.st_mtimespec.tv_nsec)
        changeNanoseconds = Int64(info.st_ctimespec.tv_sec) * 1_000_000_000 + Int64(info.st_ctimespec.tv_nsec)
        #else
        modificationNanoseconds = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        changeNanoseconds = Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec)
        #endif
        inode = UInt64(info.st_ino)
        device = UInt64(info.st_dev)
    }

    /// `lstat` (does not follow a final symlink). Returns the errno on failure.
    public static func lstatus(_ path: String) -> Result<FileStatus, SystemErrorCode> {
        var info = stat()
        guard lstat(path, &info) == 0 else { return .failure(SystemErrorCode(errno)) }
        return .success(FileStatus(info))
    }

    /// `stat` (follows symlinks).
    public static func status(_ path: String) -> Result<FileStatus, SystemErrorCode> {
        var info = stat()
        guard stat(path, &info) == 0 else { return .failure(SystemErrorCode(errno)) }
        return .success(FileStatus(info))
    }

    /// `lstat` of a path given as raw bytes (a name that is not valid UTF-8 stays exactly as it is on disk).
    public static func lstatus(bytes path: [UInt8]) -> Result<FileStatus, SystemErrorCode> {
        FilePaths.withCPath(path) { cPath in
            var info = stat()
            guard lstat(cPath, &info) == 0 else { return .failure(SystemErrorCode(errno)) }
            return .success(FileStatus(info))
        }
    }

    /// `stat` of a path given as raw bytes.
    public static func status(bytes path: [UInt8]) -> Result<FileStatus, SystemErrorCode> {
        FilePaths.withCPath(path) { cPath in
            var info = stat()
            guard stat(cPath, &info) == 0 else { return .failure(SystemErrorCode(errno)) }
            return .success(FileStatus(info))
        }
    }

    /// `fstat` of an open descriptor.
    public static func status(descriptor: Int32) -> Result<FileStatus, SystemErrorCode> {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return .failure(SystemErrorCode(errno)) }
        return .success(FileStatus(info))
    }
}

/// A POSIX errno with its text.
public struct SystemErrorCode: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: Int32
    public init(_ code: Int32) { self.code = code }
    public var description: String { systemErrorText(code) }
    public var isNotFound: Bool { code == ENOENT || code == ENOTDIR }
}

/// Path helpers over raw POSIX calls (Foundation's URL normalises away what verification must see).
public enum FilePaths {
    /// The canonical absolute path (`realpath`), or the errno.
    public static func realPath(_ path: String) -> Result<String, SystemErrorCode> {
        guard let resolved = realpath(path, nil) else { return .failure(SystemErrorCode(errno)) }
        defer { free(resolved) }
        return .success(String(cString: resolved))
    }

    /// The canonical absolute path of a path given as raw bytes, as raw bytes.
    public static func realPath(bytes path: [UInt8]) -> Result<[UInt8], SystemErrorCode> {
        withCPath(path) { cPath in
            guard let resolved = realpath(cPath, nil) else { return .failure(SystemErrorCode(errno)) }
            defer { free(resolved) }
            return .success(Array(UnsafeRawBufferPointer(start: resolved, count: strlen(resolved))))
        }
    }

    /// Calls `body` with `path` as a NUL-terminated C string (the bytes unchanged).
    public static func withCPath<T>(_ path: [UInt8], _ body: (UnsafePointer<CChar>) -> T) -> T {
        var terminated = path
        terminated.append(0)
        return terminated.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                // A buffer of at least one element (the NUL) always has a base address.
                guard let base = chars.baseAddress else { preconditionFailure("a non-empty array has storage") }
                return body(base)
            }
        }
    }

    /// `child` joined under `parent` with one slash, as bytes.
    public static func join(_ parent: [UInt8], _ child: [UInt8]) -> [UInt8] {
        if parent.isEmpty { return child }
        return parent.last == UInt8(ascii: "/") ? parent + child : parent + [UInt8(ascii: "/")] + child
    }

    /// True when the canonical `path` is `root` or lies below it, compared as bytes.
    public static func isInside(_ path: [UInt8], root: [UInt8]) -> Bool {
        if root == [UInt8(ascii: "/")] { return path.first == UInt8(ascii: "/") }
        return path == root || (path.count > root.count && path.starts(with: root) && path[root.count] == UInt8(ascii: "/"))
    }

    /// Why a relative path given as bytes may not be opened under a root (see `unsafeReason(_:)`), or nil.
    public static func unsafeReason(bytes relative: [UInt8]) -> String? {
        if relative.isEmpty { return "empty path" }
        if relative.first == UInt8(ascii: "/") { return "absolute path" }
        if relative.contains(0) { return "contains a NUL byte" }
        if relative.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).contains(where: { $0.elementsEqual("..".utf8) }) {
            return "climbs out with '..'"
        }
        if relative.first == UInt8(ascii: "~") { return "starts with '~'" }
        return nil
    }

    /// `child` joined under `parent` with one slash.
    public static func join(_ parent: String, _ child: String) -> String {
        if parent.isEmpty { return child }
        return parent.hasSuffix("/") ? parent + child : parent + "/" + child
    }

    /// True when `path` is `root` or lies below it (both canonical).
    public static func isInside(_ path: String, root: String) -> Bool {
        if root == "/" { return path.hasPrefix("/") }
        return path == root || path.hasPrefix(root + "/")
    }

    /// Why a manifest or archive path may not be opened under a root, or nil when it is a plain relative
    /// path. Absolute paths, `..` components and NUL are refused before anything touches the disk.
    public static func unsafeReason(_ relative: String) -> String? {
        if relative.isEmpty { return "empty path" }
        if relative.hasPrefix("/") { return "absolute path" }
        if relative.utf8.contains(0) { return "contains a NUL byte" }
        let components = relative.split(separator: "/", omittingEmptySubsequences: false)
        if components.contains("..") { return "climbs out with '..'" }
        if relative.hasPrefix("~") { return "starts with '~'" }
        return nil
    }

    /// The directory part of a relative path ("" for a top-level name).
    public static func directoryPart(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[..<slash])
    }

    /// The last component of a path.
    public static func lastComponent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }
}

/// Reads a whole (small) file. Refuses files larger than `limit` bytes and anything not a regular file.
public func readWholeFile(_ path: String, limit: Int) throws -> [UInt8] {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard descriptor >= 0 else { throw USVError.io(path: path, reason: systemErrorText(errno)) }
    defer { close(descriptor) }
    switch FileStatus.status(descriptor: descriptor) {
    case .failure(let error): throw USVError.io(path: path, reason: error.description)
    case .success(let status):
        guard status.kind == .regular else { throw USVError.io(path: path, reason: "not a regular file (\(status.kind.rawValue))") }
        guard status.size <= limit else {
            throw USVError.io(path: path, reason: "file is \(status.size) bytes, more than the \(limit) this reader accepts")
        }
    }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count < 0 {
            if errno == EINTR { continue }
            throw USVError.io(path: path, reason: "read failed at byte \(bytes.count): \(systemErrorText(errno))")
        }
        if count == 0 { break }
        bytes.append(contentsOf: chunk[0..<count])
        guard bytes.count <= limit else { throw USVError.io(path: path, reason: "file grew past \(limit) bytes while read") }
    }
    return bytes
}

/// Writes `bytes` to `path` atomically (temporary file in the same directory, then rename).
public func writeWholeFile(_ path: String, bytes: [UInt8]) throws {
    let temporary = path + ".tmp-\(getpid())"
    let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else { throw USVError.io(path: path, reason: "cannot create: \(systemErrorText(errno))") }
    var written = 0
    while written < bytes.count {
        let count = bytes.withUnsafeBytes { buffer -> Int in
            guard let base = buffer.baseAddress else { return 0 }
            return write(descriptor, base + written, buffer.count - written)
        }
        if count < 0 {
            if errno == EINTR { continue }
            let reason = systemErrorText(errno)
            close(descriptor)
            unlink(temporary)
            throw USVError.io(path: path, reason: "write failed: \(reason)")
        }
        written += count
    }
    close(descriptor)
    guard rename(temporary, path) == 0 else {
        let reason = systemErrorText(errno)
        unlink(temporary)
        throw USVError.io(path: path, reason: "cannot move into place: \(reason)")
    }
}

/// Creates `path` and its missing parents (like `mkdir -p`).
public func makeDirectories(_ path: String) throws {
    var current = path.hasPrefix("/") ? "/" : ""
    for component in path.split(separator: "/") {
        current = FilePaths.join(current, String(component))
        if mkdir(current, 0o755) != 0 && errno != EEXIST {
            throw USVError.io(path: current, reason: "cannot create directory: \(systemErrorText(errno))")
        }
    }
}

/// Writes a file the safe way: `write` fills a temporary file beside `path` (same directory, same extension,
/// so libraries that pick a format by extension still do); it replaces `path` only when complete, and is
/// removed on failure, so a failed or interrupted write never leaves a half file under the output's name.
public func writeAtomically(_ path: String, _ write: (_ temporaryPath: String) throws -> Void) throws {
    let directory = FilePaths.directoryPart(path).isEmpty ? "." : FilePaths.directoryPart(path)
    let name = FilePaths.lastComponent(path)
    let suffix = path.fileExtension.isEmpty ? "" : "." + path.fileExtension
    let temporary = FilePaths.join(directory, ".\(name).partial-\(getpid())\(suffix)")
    do {
        try write(temporary)
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
