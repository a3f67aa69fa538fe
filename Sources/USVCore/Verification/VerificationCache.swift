/// A file's digest remembered together with the `stat` facts under which it was taken. With `--incremental`, a
/// file whose size, mtime, ctime, inode and device are all unchanged is trusted without being read.
///
/// What that can and cannot catch: any write through the file system changes the ctime, and no program can set
/// the ctime back (`utimes` restores an mtime but sets the ctime to now), so an edit with the old mtime restored is
/// still read again. Damage below the file system — bit rot on the medium, a bad controller, a disk image edited
/// offline — changes no metadata at all, so only reading the bytes finds it: that is why `usv verify` reads every
/// file by default.
public struct CachedFileHash: Sendable, Hashable {
    /// Absolute canonical path as bytes.
    public var key: [UInt8]
    public var size: Int64
    public var modificationNanoseconds: Int64
    public var changeNanoseconds: Int64
    public var inode: UInt64
    public var device: UInt64
    public var algorithm: HashAlgorithm
    /// Lowercase hexadecimal digest.
    public var digest: String

    public init(key: [UInt8], status: FileStatus, algorithm: HashAlgorithm, digest: String) {
        self.init(key: key, size: status.size, modificationNanoseconds: status.modificationNanoseconds,
                  changeNanoseconds: status.changeNanoseconds, inode: status.inode, device: status.device,
                  algorithm: algorithm, digest: digest)
    }

    public init(key: [UInt8], size: Int64, modificationNanoseconds: Int64, changeNanoseconds: Int64, inode: UInt64,
                device: UInt64, algorithm: HashAlgorithm, digest: String) {
        self.key = key
        self.size = size
        self.modificationNanoseconds = modificationNanoseconds
        self.changeNanoseconds = changeNanoseconds
        self.inode = inode
        self.device = device
        self.algorithm = algorithm
        self.digest = digest
    }

    /// True when `status` describes the same file, unchanged since the digest was taken.
    public func matches(_ status: FileStatus) -> Bool {
        size == status.size && modificationNanoseconds == status.modificationNanoseconds
            && changeNanoseconds == status.changeNanoseconds && inode == status.inode && device == status.device
    }
}

/// Remembers digests of files that verified and records verification runs (the catalog implements it).
public protocol VerificationCache: Sendable {
    /// The remembered digests for these paths, every algorithm (missing paths are simply absent).
    func cachedHashes(for keys: [[UInt8]]) throws -> [[UInt8]: [CachedFileHash]]
    /// Remembers digests of files that just verified (replacing what was remembered for that path and algorithm).
    func remember(_ hashes: [CachedFileHash]) throws
    /// Forgets every digest remembered for these paths (a file that no longer verifies must never be trusted).
    func forget(_ keys: [[UInt8]]) throws
    /// Records the run (when, manifest hash, counts).
    func recordRun(_ report: VerificationReport) throws
}
