import Crypto
import Foundation

/// Parses checksum manifests of the four dialects in `ManifestFormat`.
///
/// Lines are split on `\n` only: the Donders manifest lists 302 macOS `Icon\r` files whose carriage
/// return is part of the name. Only when *every* line ends in `\r` is the file taken as CRLF-terminated.
/// A malformed line becomes a `ManifestLineProblem` and parsing goes on.
public enum ManifestParser {
    /// File names that a manifest search tries, in order, in a data-set root.
    public static let conventionalNames = ["MANIFEST.txt", "manifest-sha256.txt", "SHA256SUMS", "sha256sums.txt",
                                           "SHA256SUMS.txt", "checksums.sha256"]

    /// Parses `bytes`. `name` (the manifest's file name) helps detection: `manifest-sha256.txt` is BagIt.
    /// Throws `USVError.unusable` when no line at all is usable.
    public static func parse(_ bytes: [UInt8], name: String, format forced: ManifestFormat? = nil) throws -> Manifest {
        var lines = splitLines(bytes)
        let nonEmpty = lines.filter { !$0.bytes.allSatisfy(isBlank) }
        let crlf = !nonEmpty.isEmpty && nonEmpty.allSatisfy { $0.bytes.last == 0x0D }
        if crlf {
            lines = lines.map { line in
                var line = line
                if line.bytes.last == 0x0D { line.bytes.removeLast() }
                return line
            }
        }
        let format = forced ?? detectFormat(lines: lines, name: name)
        var entries: [ManifestEntry] = []
        var problems: [ManifestLineProblem] = []
        var firstLineOfPath: [String: (line: Int, hash: String)] = [:]

        for line in lines where !line.bytes.allSatisfy(isBlank) {
            let parsed: Result<(path: String, hash: String), LineError>
            switch format {
            case .donders: parsed = parseDonders(line.bytes)
            case .gnu: parsed = parseGNU(line.bytes)
            case .bsd: parsed = parseBSD(line.bytes)
            case .bagit: parsed = parseBagIt(line.bytes)
            }
            switch parsed {
            case .failure(let error):
                problems.append(ManifestLineProblem(line: line.number, reason: error.reason, excerpt: excerpt(line.bytes)))
            case .success(let (path, hash)):
                if let first = firstLineOfPath[path] {
                    let reason = first.hash == hash
                        ? "path listed again (first at line \(first.line)); the repeat is ignored"
                        : "path listed again with a different hash (first at line \(first.line)); the repeat is ignored"
                    problems.append(ManifestLineProblem(line: line.number, reason: reason, excerpt: excerpt(line.bytes)))
                    continue
                }
                firstLineOfPath[path] = (line.number, hash)
                entries.append(ManifestEntry(path: path, sha256: hash, line: line.number))
            }
        }
        if entries.isEmpty {
            let why = problems.first.map { "; first problem: \($0)" } ?? ""
            throw USVError.unusable(path: name, reason: "no usable \(format.rawValue) manifest line\(why). "
                + "Pass the right file with --manifest (SHA-256 manifests only)")
        }
        return Manifest(format: format, entries: entries, problems: problems,
                        sha256: SHA256.hash(data: bytes).hexString, byteCount: bytes.count, crlfLineEndings: crlf)
    }

    /// Reads and parses the manifest at `path`.
    public static func parse(fileAt path: String, format: ManifestFormat? = nil) throws -> Manifest {
        let bytes = try readWholeFile(path, limit: 1 << 30)
        return try parse(bytes, name: path, format: format)
    }

    // MARK: - Detection

    static func detectFormat(lines: [Line], name: String) -> ManifestFormat {
        let baseName = name.split(separator: "/").last.map(String.init) ?? name
        if baseName.lowercased().hasPrefix("manifest-sha256") || baseName.lowercased().hasPrefix("tagmanifest-sha256") {
            return .bagit
        }
        var votes: [ManifestFormat: Int] = [:]
        for line in lines.prefix(200) where !line.bytes.allSatisfy(isBlank) {
            let bytes = line.bytes
            if bytes.starts(with: Array("SHA256 (".utf8)) || bytes.starts(with: Array("\\SHA256 (".utf8)) {
                votes[.bsd, default: 0] += 1
                continue
            }
            let offset = bytes.first == UInt8(ascii: "\\") ? 1 : 0
            guard bytes.count > offset + 65, bytes[offset..<offset + 64].allSatisfy(isHexDigit),
                  bytes[offset + 64] == UInt8(ascii: " ") else { continue }
            let next = bytes[offset + 65]
            if next == UInt8(ascii: " ") || next == UInt8(ascii: "*") {
                votes[.gnu, default: 0] += 1
            } else {
                votes[.donders, default: 0] += 1
            }
        }
        return votes.max { ($0.value, rank($1.key)) < ($1.value, rank($0.key)) }?.key ?? .donders
    }

    /// Tie-break order when votes are equal: the Donders dialect first (it is this tool's home data set).
    private static func rank(_ format: ManifestFormat) -> Int {
        ManifestFormat.allCases.firstIndex(of: format) ?? 0
    }

    // MARK: - Dialects

    struct LineError: Error { var reason: String }

    static func parseDonders(_ bytes: [UInt8]) -> Result<(path: String, hash: String), LineError> {
        guard let hash = leadingHash(bytes) else { return .failure(hashError(bytes)) }
        guard bytes.count > 65, bytes[64] == UInt8(ascii: " ") else {
            return .failure(LineError(reason: "expected one space and a path after the hash"))
        }
        return decodePath(Array(bytes[65...])).map { ($0, hash) }
    }

    static func parseGNU(_ bytes: [UInt8]) -> Result<(path: String, hash: String), LineError> {
        let escaped = bytes.first == UInt8(ascii: "\\")
        let body = escaped ? Array(bytes.dropFirst()) : bytes
        guard let hash = leadingHash(body) else { return .failure(hashError(body)) }
        guard body.count > 66, body[64] == UInt8(ascii: " "),
              body[65] == UInt8(ascii: " ") || body[65] == UInt8(ascii: "*") else {
            return .failure(LineError(reason: "expected two spaces (or ' *') and a path after the hash"))
        }
        var pathBytes = Array(body[66...])
        if escaped {
            guard let unescaped = unescapeGNU(pathBytes) else {
                return .failure(LineError(reason: "bad backslash escape in the file name"))
            }
            pathBytes = unescaped
        }
        return decodePath(pathBytes).map { ($0, hash) }
    }

    static func parseBSD(_ bytes: [UInt8]) -> Result<(path: String, hash: String), LineError> {
        let escaped = bytes.first == UInt8(ascii: "\\")
        let body = escaped ? Array(bytes.dropFirst()) : bytes
        let prefix = Array("SHA256 (".utf8)
        guard body.starts(with: prefix) else {
            let algorithm = String(decoding: body.prefix { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "(") }, as: UTF8.self)
            return .failure(LineError(reason: "expected 'SHA256 (path) = hash'"
                + (algorithm.isEmpty ? "" : "; '\(algorithm.visibleEscapes)' is not SHA256")))
        }
        let separator = Array(") = ".utf8)
        guard body.count >= prefix.count + separator.count + 64,
              Array(body[(body.count - 64 - separator.count)..<(body.count - 64)]) == separator else {
            return .failure(LineError(reason: "expected ') = ' and 64 hex digits at the end of the line"))
        }
        let hashBytes = body[(body.count - 64)...]
        guard hashBytes.allSatisfy(isHexDigit) else {
            return .failure(LineError(reason: "the hash is not 64 hexadecimal digits"))
        }
        var pathBytes = Array(body[prefix.count..<(body.count - 64 - separator.count)])
        if escaped {
            guard let unescaped = unescapeGNU(pathBytes) else {
                return .failure(LineError(reason: "bad backslash escape in the file name"))
            }
            pathBytes = unescaped
        }
        return decodePath(pathBytes).map { ($0, String(decoding: hashBytes, as: UTF8.self).lowercased()) }
    }

    static func parseBagIt(_ bytes: [UInt8]) -> Result<(path: String, hash: String), LineError> {
        guard let hash = leadingHash(bytes) else { return .failure(hashError(bytes)) }
        var index = 64
        while index < bytes.count, bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "\t") { index += 1 }
        guard index > 64, index < bytes.count else {
            return .failure(LineError(reason: "expected whitespace and a path after the hash"))
        }
        guard let decoded = percentDecodeBagIt(Array(bytes[index...])) else {
            return .failure(LineError(reason: "bad percent-encoding in the path (BagIt encodes only %0D, %0A and %25)"))
        }
        return decodePath(decoded).map { ($0, hash) }
    }

    // MARK: - Pieces

    struct Line {
        var number: Int
        var bytes: [UInt8]
    }

    static func splitLines(_ bytes: [UInt8]) -> [Line] {
        var lines: [Line] = []
        var start = 0
        var number = 1
        for (index, byte) in bytes.enumerated() where byte == 0x0A {
            lines.append(Line(number: number, bytes: Array(bytes[start..<index])))
            start = index + 1
            number += 1
        }
        if start < bytes.count { lines.append(Line(number: number, bytes: Array(bytes[start...]))) }
        return lines
    }

    private static func leadingHash(_ bytes: [UInt8]) -> String? {
        guard bytes.count >= 64, bytes[0..<64].allSatisfy(isHexDigit),
              bytes.count == 64 || !isHexDigit(bytes[64]) else { return nil }
        return String(decoding: bytes[0..<64], as: UTF8.self).lowercased()
    }

    private static func hashError(_ bytes: [UInt8]) -> LineError {
        let digits = bytes.prefix(while: isHexDigit).count
        if digits == 0 { return LineError(reason: "the line does not start with a hexadecimal hash") }
        let algorithm = [32: " (looks like MD5)", 40: " (looks like SHA-1)", 128: " (looks like SHA-512)"][digits] ?? ""
        return LineError(reason: "the hash has \(digits) hex digits\(algorithm); SHA-256 needs 64")
    }

    private static func decodePath(_ bytes: [UInt8]) -> Result<String, LineError> {
        if bytes.isEmpty { return .failure(LineError(reason: "the path is empty")) }
        if bytes.contains(0) { return .failure(LineError(reason: "the path contains a NUL byte")) }
        guard let path = String(validating: bytes, as: UTF8.self) else {
            return .failure(LineError(reason: "the path is not valid UTF-8"))
        }
        return .success(path)
    }

    /// coreutils escapes `\\`, `\n` and (since 9.x) `\r` in names of lines that start with a backslash.
    private static func unescapeGNU(_ bytes: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        var iterator = bytes.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "\\") else { out.append(byte); continue }
            switch iterator.next() {
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            default: return nil
            }
        }
        return out
    }

    private static func percentDecodeBagIt(_ bytes: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%") {
                guard index + 2 < bytes.count else { return nil }
                let code = String(decoding: bytes[(index + 1)...(index + 2)], as: UTF8.self).uppercased()
                switch code {
                case "0D": out.append(0x0D)
                case "0A": out.append(0x0A)
                case "25": out.append(UInt8(ascii: "%"))
                default: return nil
                }
                index += 3
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return out
    }

    private static func excerpt(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes.prefix(120), as: UTF8.self).visibleEscapes
        return bytes.count > 120 ? text + "…" : text
    }
}

@inline(__always) func isHexDigit(_ byte: UInt8) -> Bool {
    (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66) || (byte >= 0x41 && byte <= 0x46)
}

@inline(__always) func isBlank(_ byte: UInt8) -> Bool {
    byte == 0x20 || byte == 0x09 || byte == 0x0D
}
