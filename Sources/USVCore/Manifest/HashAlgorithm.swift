import Crypto
import Foundation

/// The digest algorithms manifests use, weakest first. All come from swift-crypto (BoringSSL): SHA-1 and MD5 are
/// its `Insecure` ones, fine for catching damage though not for resisting an attacker.
public enum HashAlgorithm: String, Codable, Sendable, CaseIterable, Comparable {
    case md5, sha1, sha256, sha384, sha512

    /// Bytes in a digest.
    public var byteCount: Int {
        switch self {
        case .md5: 16
        case .sha1: 20
        case .sha256: 32
        case .sha384: 48
        case .sha512: 64
        }
    }

    public var hexLength: Int { byteCount * 2 }

    /// The name in BSD tagged lines and OpenBSD/FreeBSD files (`SHA256 (path) = …`).
    public var tag: String {
        switch self {
        case .md5: "MD5"
        case .sha1: "SHA1"
        case .sha256: "SHA256"
        case .sha384: "SHA384"
        case .sha512: "SHA512"
        }
    }

    /// Stronger algorithms compare greater; the strongest listed digest of a file is the one checked by default.
    public static func < (lhs: HashAlgorithm, rhs: HashAlgorithm) -> Bool {
        (allCases.firstIndex(of: lhs) ?? 0) < (allCases.firstIndex(of: rhs) ?? 0)
    }

    /// The algorithm whose hexadecimal digests have `length` digits.
    public static func forHexLength(_ length: Int) -> HashAlgorithm? { allCases.first { $0.hexLength == length } }

    /// From a tag (`SHA256`, `sha-256`, `MD5`, `sha512`…), case and dashes ignored.
    public init?(tag: String) {
        let key = tag.lowercased().replacingOccurrences(of: "-", with: "")
        guard let found = HashAlgorithm.allCases.first(where: { $0.rawValue == key }) else { return nil }
        self = found
    }
}

/// Computes the digests of several algorithms in one pass over the bytes.
public struct Digester {
    private var md5: Insecure.MD5?
    private var sha1: Insecure.SHA1?
    private var sha256: SHA256?
    private var sha384: SHA384?
    private var sha512: SHA512?

    public init(_ algorithms: Set<HashAlgorithm>) {
        if algorithms.contains(.md5) { md5 = Insecure.MD5() }
        if algorithms.contains(.sha1) { sha1 = Insecure.SHA1() }
        if algorithms.contains(.sha256) { sha256 = SHA256() }
        if algorithms.contains(.sha384) { sha384 = SHA384() }
        if algorithms.contains(.sha512) { sha512 = SHA512() }
    }

    public mutating func update(_ block: UnsafeRawBufferPointer) {
        md5?.update(bufferPointer: block)
        sha1?.update(bufferPointer: block)
        sha256?.update(bufferPointer: block)
        sha384?.update(bufferPointer: block)
        sha512?.update(bufferPointer: block)
    }

    /// Lowercase hexadecimal digests by algorithm.
    public func finalize() -> [HashAlgorithm: String] {
        var out: [HashAlgorithm: String] = [:]
        if let md5 { out[.md5] = md5.finalize().hexString }
        if let sha1 { out[.sha1] = sha1.finalize().hexString }
        if let sha256 { out[.sha256] = sha256.finalize().hexString }
        if let sha384 { out[.sha384] = sha384.finalize().hexString }
        if let sha512 { out[.sha512] = sha512.finalize().hexString }
        return out
    }

    /// The digests of bytes in memory.
    public static func digests(of bytes: [UInt8], _ algorithms: Set<HashAlgorithm>) -> [HashAlgorithm: String] {
        var digester = Digester(algorithms)
        bytes.withUnsafeBytes { digester.update($0) }
        return digester.finalize()
    }
}
