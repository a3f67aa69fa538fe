import Crypto
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Hashes files with SHA-256 (swift-crypto: BoringSSL, which uses SHA-NI where the CPU has it) through a
/// reused buffer, so memory stays constant whatever the file size.
public final class FileHasher {
    private var buffer: UnsafeMutableRawBufferPointer

    public init(bufferSize: Int = 1 << 20) {
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 4096)
    }

    deinit { buffer.deallocate() }

    public enum Failure: Error {
        /// Could not open or read; the errno text, and the byte offset for read errors.
        case unreadable(String)
        /// Not a regular file once opened (replaced between checks, or a FIFO/device).
        case notRegular(FileStatus.Kind)
    }

    /// SHA-256 of the regular file at `path`, its size and status. FIFOs and devices are refused without
    /// blocking (the file is opened non-blocking and checked with `fstat` before any read).
    public func hash(path: String, onProgress: (Int) -> Void = { _ in }) -> Result<(sha256: String, status: FileStatus), Failure> {
        digests(pathBytes: Array(path.utf8), algorithms: [.sha256], onProgress: onProgress).map { ($0.digests[.sha256] ?? "", $0.status) }
    }

    /// The digests of `algorithms` of the regular file at `pathBytes` (raw bytes, so any name opens), in one pass,
    /// with the file's status as `fstat` gave it when opened.
    public func digests(pathBytes: [UInt8], algorithms: Set<HashAlgorithm>, onProgress: (Int) -> Void = { _ in })
        -> Result<(digests: [HashAlgorithm: String], status: FileStatus), Failure> {
        let descriptor = FilePaths.withCPath(pathBytes) { open($0, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY) }
        guard descriptor >= 0 else { return .failure(.unreadable("cannot open: \(systemErrorText(errno))")) }
        defer { close(descriptor) }
        let status: FileStatus
        switch FileStatus.status(descriptor: descriptor) {
        case .failure(let error): return .failure(.unreadable("cannot stat: \(error)"))
        case .success(let value): status = value
        }
        guard status.kind == .regular else { return .failure(.notRegular(status.kind)) }
        #if canImport(Glibc)
        posix_fadvise(descriptor, 0, 0, POSIX_FADV_SEQUENTIAL)
        #endif
        var hasher = Digester(algorithms)
        var offset: Int64 = 0
        while true {
            let count = read(descriptor, buffer.baseAddress, buffer.count)
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                return .failure(.unreadable("read failed at byte \(offset): \(systemErrorText(errno))"))
            }
            if count == 0 { break }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            offset += Int64(count)
            onProgress(count)
        }
        return .success((hasher.finalize(), status))
    }
}
