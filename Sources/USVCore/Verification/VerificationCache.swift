/// A file's hash remembered together with the `stat` facts that make it trustworthy: when size, mtime,
/// inode and device are all unchanged the file is taken as unchanged and not read again.
public struct CachedFileHash: Sendable, Hashable, Codable {
    /// Absolute canonical path; archive members are `archive-path` + "//" + member.
    public var key: String
    public var size: Int64
    public var modificationNanoseconds: Int64
    public var inode: UInt64
    public var device: UInt64
    public var sha256: String

    public init(key: String, status: FileStatus, sha256: String) {
        self.key = key
        self.size = status.size
        self.modificationNanoseconds = status.modificationNanoseconds
        self.inode = status.inode
        self.device = status.device
        self.sha256 = sha256
    }

    public init(key: String, size: Int64, modificationNanoseconds: Int64, inode: UInt64, device: UInt64,
                sha256: String) {
        self.key = key
        self.size = size
        self.modificationNanoseconds = modificationNanoseconds
        self.inode = inode
        self.device = device
        self.sha256 = sha256
    }

    /// True when `status` describes the same file content as when the hash was taken.
    public func matches(_ status: FileStatus) -> Bool {
        size == status.size && modificationNanoseconds == status.modificationNanoseconds
            && inode == status.inode && device == status.device
    }
}

/// Remembers hashes of files that verified and records verification runs (the catalog implements it).
public protocol VerificationCache: Sendable {
    /// The remembered hashes for these keys (missing keys are simply absent).
    func cachedHashes(for keys: [String]) throws -> [String: CachedFileHash]
    /// Remembers hashes of files that just verified.
    func remember(_ hashes: [CachedFileHash]) throws
    /// Records the run (when, manifest hash, counts).
    func recordRun(_ report: VerificationReport) throws
}
