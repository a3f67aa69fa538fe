import Crypto
import Foundation

/// Parses checksum manifests of the dialects in `ManifestFormat`, in the algorithms of `HashAlgorithm`.
///
/// - Text: UTF-8 with or without a byte-order mark; UTF-16 with a byte-order mark is decoded (with a warning);
///   UTF-16 without one, UTF-32, or UTF-16 with an unpaired surrogate is refused with that reason.
/// - Lines are split on `\n` only: the Donders manifest lists 302 macOS `Icon\r` files whose carriage return is part
///   of the name. Only when *every* line ends in `\r` is the file taken as CRLF-terminated, and that is reported as a
///   warning (a manifest converted to Windows line endings).
/// - Empty lines and `#` comments are skipped; a line of only whitespace is malformed, like any line that does not
///   parse, and parsing goes on.
/// - Paths are bytes: a leading `./` is removed, GNU `\` escapes and BagIt `%0D %0A %25` are decoded, and nothing
///   is normalised, so `café` in NFC and in NFD are two entries. A path listed twice with the same digest is a
///   problem (the repeat is dropped); with different digests both entries are kept and the verifier reports a conflict.
public enum ManifestParser {
    /// File names that a manifest search tries in a data-set root (see `ManifestDiscovery` for the whole order).
    public static var conventionalNames: [String] { ManifestDiscovery.fixedNames }

    /// Parses `bytes`. `name` (the manifest's file name) helps detection: `manifest-md5.txt` is a BagIt MD5 manifest,
    /// `distinfo` a FreeBSD distinfo. Throws `USVError.unusable` when no line at all is usable or the text encoding
    /// cannot be read.
    /// `allowEmpty`: a manifest without a single line is fine (a BagIt bag with an empty payload has one).
    public static func parse(_ bytes: [UInt8], name: String, format forced: ManifestFormat? = nil,
                             allowEmpty: Bool = false) throws -> Manifest {
        var warnings: [String] = []
        let (text, encoding) = try decodeText(bytes, name: name, warnings: &warnings)
        var lines = splitLines(text)
        let nonEmpty = lines.filter { !$0.bytes.isEmpty }
        let crlf = !nonEmpty.isEmpty && nonEmpty.allSatisfy { $0.bytes.last == 0x0D }
        if crlf {
            lines = lines.map { line in
                var line = line
                if line.bytes.last == 0x0D { line.bytes.removeLast() }
                return line
            }
            warnings.append("every line ends in CR LF (a manifest converted to Windows line endings?): the CRs were "
                + "taken as line endings, not as parts of the names")
        }
        let baseName = FilePaths.lastComponent(name)
        let bagAlgorithm = try bagItAlgorithm(fileName: baseName, path: name)
        let format = forced ?? (bagAlgorithm != nil ? .bagit : detectFormat(lines: lines, name: baseName))
        if format == .bagit && bagAlgorithm == nil {
            throw USVError.usage("\(name): a BagIt manifest is named manifest-<algorithm>.txt (or tagmanifest-…), "
                + "which says its algorithm; rename it or drop --manifest-format bagit")
        }
        var entries: [ManifestEntry] = []
        var problems: [ManifestLineProblem] = []
        var sizes: [[UInt8]: (size: Int64, line: Int)] = [:]
        var first: [DigestKey: (line: Int, digest: String)] = [:]

        for line in lines where !line.bytes.isEmpty {
            if line.bytes.allSatisfy(isBlank) {
                problems.append(ManifestLineProblem(line: line.number, reason: "a line of only whitespace", excerpt: excerpt(line.bytes)))
                continue
            }
            if line.bytes.first == UInt8(ascii: "#") { continue }
            let parsed: Result<ParsedLine, LineError>
            switch format {
            case .donders, .gnu: parsed = parseHashFirst(line.bytes)
            case .bsd, .distinfo: parsed = parseTagged(line.bytes)
            case .bagit: parsed = parseBagIt(line.bytes, algorithm: bagAlgorithm ?? .sha256)
            }
            switch parsed {
            case .failure(let error):
                problems.append(ManifestLineProblem(line: line.number, reason: error.reason, excerpt: excerpt(line.bytes)))
            case .success(.ignored):
                continue
            case .success(.size(let path, let size)):
                if let earlier = sizes[path] {
                    problems.append(ManifestLineProblem(line: line.number, reason: "SIZE listed again (first at line \(earlier.line)); "
                        + "the repeat is ignored", excerpt: excerpt(line.bytes)))
                } else {
                    sizes[path] = (size, line.number)
                }
            case .success(.entry(let path, let algorithm, let digest, let literal)):
                let key = DigestKey(path: path, algorithm: algorithm)
                if let earlier = first[key] {
                    if earlier.digest == digest {
                        problems.append(ManifestLineProblem(line: line.number, reason: "path listed again with the same "
                            + "\(algorithm.rawValue) (first at line \(earlier.line)); the repeat is ignored", excerpt: excerpt(line.bytes)))
                        continue
                    }
                } else {
                    first[key] = (line.number, digest)
                }
                var entry = ManifestEntry(pathBytes: path, algorithm: algorithm, digest: digest, line: line.number)
                entry.literalPathBytes = literal
                entries.append(entry)
            }
        }
        // distinfo: a SIZE line goes with the digest lines of its path (or stands alone).
        for (path, size) in sizes.sorted(by: { $0.value.line < $1.value.line }) {
            var matched = false
            for index in entries.indices where entries[index].pathBytes == path {
                entries[index].expectedSize = size.size
                matched = true
            }
            if !matched {
                entries.append(ManifestEntry(pathBytes: path, algorithm: .sha256, digest: "", line: size.line, expectedSize: size.size))
            }
        }
        if entries.isEmpty && !(allowEmpty && problems.isEmpty) {
            let why = problems.first.map { "; first problem: \($0)" } ?? ""
            throw USVError.unusable(path: name, reason: "no usable \(format.rawValue) manifest line\(why). "
                + "Pass the right file with --manifest (MD5, SHA-1, SHA-256, SHA-384 or SHA-512 manifests)")
        }
        return Manifest(format: format, entries: entries, problems: problems, warnings: warnings,
                        sha256: SHA256.hash(data: bytes).hexString, byteCount: bytes.count, crlfLineEndings: crlf,
                        encoding: encoding)
    }

    /// Reads and parses the manifest at `path`.
    public static func parse(fileAt path: String, format: ManifestFormat? = nil) throws -> Manifest {
        let bytes = try readWholeFile(path, limit: 1 << 30)
        return try parse(bytes, name: path, format: format)
    }

    /// The algorithm a BagIt manifest's name states (`manifest-sha512.txt`, `tagmanifest-md5.txt`), nil when the
    /// name is not a BagIt manifest's. Throws for an algorithm this tool does not compute.
    public static func bagItAlgorithm(fileName: String, path: String? = nil) throws -> HashAlgorithm? {
        let lower = fileName.lowercased()
        guard lower.hasSuffix(".txt") else { return nil }
        let stem: Substring
        if lower.hasPrefix("tagmanifest-") {
            stem = lower.dropFirst("tagmanifest-".count).dropLast(4)
        } else if lower.hasPrefix("manifest-") {
            stem = lower.dropFirst("manifest-".count).dropLast(4)
        } else {
            return nil
        }
        guard let algorithm = HashAlgorithm(tag: String(stem)) else {
            throw USVError.unsupported(path: path ?? fileName, feature: "the BagIt algorithm '\(stem)'",
                                       advice: "this tool checks md5, sha1, sha256, sha384 and sha512 manifests")
        }
        return algorithm
    }

    // MARK: - Text encoding

    static func decodeText(_ bytes: [UInt8], name: String, warnings: inout [String]) throws -> (bytes: [UInt8], encoding: String) {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            warnings.append("a UTF-8 byte-order mark at the start was skipped")
            return (Array(bytes.dropFirst(3)), "utf-8-bom")
        }
        if bytes.starts(with: [0xFF, 0xFE, 0x00, 0x00]) || bytes.starts(with: [0x00, 0x00, 0xFE, 0xFF]) {
            throw USVError.unusable(path: name, reason: "the manifest is UTF-32; convert it to UTF-8 (iconv -f UTF-32 -t UTF-8)")
        }
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            let littleEndian = bytes[0] == 0xFF
            let label = littleEndian ? "UTF-16LE" : "UTF-16BE"
            guard bytes.count % 2 == 0 else {
                throw USVError.unusable(path: name, reason: "\(label) manifest with an odd number of bytes (\(bytes.count)): "
                    + "it is cut short; fetch it again or convert it to UTF-8")
            }
            var units: [UInt16] = []
            units.reserveCapacity(bytes.count / 2 - 1)
            for index in stride(from: 2, to: bytes.count, by: 2) {
                units.append(littleEndian ? UInt16(bytes[index]) | UInt16(bytes[index + 1]) << 8
                                          : UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1]))
            }
            var out: [UInt8] = []
            out.reserveCapacity(units.count)
            var iterator = units.makeIterator()
            var decoder = UTF16()
            var unitOffset = 0
            decoding: while true {
                switch decoder.decode(&iterator) {
                case .scalarValue(let scalar):
                    out.append(contentsOf: Array(String(scalar).utf8))
                    unitOffset += scalar.value > 0xFFFF ? 2 : 1
                case .emptyInput:
                    break decoding
                case .error:
                    throw USVError.unusable(path: name, reason: "\(label) manifest with an unpaired surrogate near byte "
                        + "\(2 + unitOffset * 2): it cannot be decoded; convert it to UTF-8 with the tool that made it")
                }
            }
            warnings.append("\(label) text (with a byte-order mark) decoded to UTF-8")
            return (out, littleEndian ? "utf-16le" : "utf-16be")
        }
        // UTF-16 without a byte-order mark: ASCII text with a NUL beside every character.
        let head = bytes.prefix(512)
        if head.count >= 4, head.filter({ $0 == 0 }).count * 3 >= head.count {
            throw USVError.unusable(path: name, reason: "the manifest looks like UTF-16 without a byte-order mark (NUL bytes "
                + "between the characters); convert it to UTF-8 (iconv -f UTF-16LE -t UTF-8)")
        }
        return (bytes, "utf-8")
    }

    // MARK: - Detection

    static func detectFormat(lines: [Line], name: String) -> ManifestFormat {
        if name.lowercased() == "distinfo" { return .distinfo }
        var votes: [ManifestFormat: Int] = [:]
        for line in lines.prefix(200) where !line.bytes.isEmpty && !line.bytes.allSatisfy(isBlank) {
            let body = line.bytes.first == UInt8(ascii: "\\") ? Array(line.bytes.dropFirst()) : line.bytes
            if let tag = taggedPrefix(body) {
                votes[tag == "SIZE" || tag == "TIMESTAMP" ? .distinfo : .bsd, default: 0] += 1
                continue
            }
            let digits = body.prefix(while: isHexDigit).count
            guard HashAlgorithm.forHexLength(digits) != nil, body.count > digits + 1,
                  body[digits] == UInt8(ascii: " ") else { continue }
            let next = body[digits + 1]
            votes[next == UInt8(ascii: " ") || next == UInt8(ascii: "*") ? .gnu : .donders, default: 0] += 1
        }
        // A distinfo has digest lines too: any SIZE or TIMESTAMP line makes the file one.
        if votes[.distinfo, default: 0] > 0 { return .distinfo }
        return votes.max { ($0.value, rank($1.key)) < ($1.value, rank($0.key)) }?.key ?? .donders
    }

    /// Tie-break order when votes are equal: the Donders dialect first (it is this tool's home data set).
    private static func rank(_ format: ManifestFormat) -> Int {
        ManifestFormat.allCases.firstIndex(of: format) ?? 0
    }

    /// The tag of a BSD-tagged or distinfo line (`SHA256 (`, `MD5 (`, `SIZE (`, `TIMESTAMP =`), if it is one.
    private static func taggedPrefix(_ bytes: [UInt8]) -> String? {
        let word = bytes.prefix { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "(") }
        let tag = String(decoding: word, as: UTF8.self)
        let rest = bytes.dropFirst(word.count)
        if tag == "TIMESTAMP" { return rest.first == UInt8(ascii: " ") || rest.first == UInt8(ascii: "=") ? tag : nil }
        guard tag == "SIZE" || HashAlgorithm.allCases.contains(where: { $0.tag == tag }) else { return nil }
        return rest.starts(with: Array(" (".utf8)) || rest.first == UInt8(ascii: "(") ? tag : nil
    }

    // MARK: - Dialects

    struct LineError: Error { var reason: String }

    enum ParsedLine {
        /// `literal`: for BagIt, the path as bagit.py reads it (%0D and %0A decoded, %25 not), when that differs.
        case entry(path: [UInt8], algorithm: HashAlgorithm, digest: String, literal: [UInt8]? = nil)
        case size(path: [UInt8], bytes: Int64)
        case ignored
    }

    struct DigestKey: Hashable {
        var path: [UInt8]
        var algorithm: HashAlgorithm
    }

    /// Donders (`digest path`), GNU (`digest  path`, `digest *path`, `\digest  escaped`) and BSD `md5 -r` lines.
    static func parseHashFirst(_ bytes: [UInt8]) -> Result<ParsedLine, LineError> {
        let escaped = bytes.first == UInt8(ascii: "\\")
        let body = escaped ? Array(bytes.dropFirst()) : bytes
        let digits = body.prefix(while: isHexDigit).count
        guard let algorithm = HashAlgorithm.forHexLength(digits) else { return .failure(hashError(digits)) }
        guard body.count > digits + 1, body[digits] == UInt8(ascii: " ") else {
            return .failure(LineError(reason: "expected a space and a path after the \(algorithm.rawValue) digest"))
        }
        // GNU mode markers: ' ' (text) or '*' (binary) after the separating space; a Donders line has neither.
        let marker = body[digits + 1]
        let start = marker == UInt8(ascii: " ") || marker == UInt8(ascii: "*") ? digits + 2 : digits + 1
        var path = Array(body[start...])
        if escaped {
            guard let unescaped = unescapeGNU(path) else {
                return .failure(LineError(reason: "bad backslash escape in the file name"))
            }
            path = unescaped
        }
        let digest = String(decoding: body[0..<digits], as: UTF8.self).lowercased()
        return checkedPath(path).map { .entry(path: $0, algorithm: algorithm, digest: digest) }
    }

    /// `ALG (path) = digest` (hex, or base64 as OpenBSD writes with -b), `SIZE (path) = bytes`, `TIMESTAMP = …`.
    static func parseTagged(_ bytes: [UInt8]) -> Result<ParsedLine, LineError> {
        let escaped = bytes.first == UInt8(ascii: "\\")
        let body = escaped ? Array(bytes.dropFirst()) : bytes
        guard let tag = taggedPrefix(body) else {
            let word = String(decoding: body.prefix { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "(") }, as: UTF8.self)
            return .failure(LineError(reason: "expected 'ALGORITHM (path) = digest' with MD5, SHA1, SHA256, SHA384 or SHA512"
                + (word.isEmpty ? "" : "; '\(word.visibleEscapes)' is not one of them")))
        }
        if tag == "TIMESTAMP" { return .success(.ignored) }
        let open = Array("\(tag) (".utf8)
        let openLength = body.starts(with: open) ? open.count : tag.utf8.count + 1
        let separator = Array(") = ".utf8)
        guard let close = lastRange(of: separator, in: body), close >= openLength else {
            return .failure(LineError(reason: "expected ') = ' between the path and the \(tag == "SIZE" ? "size" : "digest")"))
        }
        var path = Array(body[openLength..<close])
        if escaped {
            guard let unescaped = unescapeGNU(path) else { return .failure(LineError(reason: "bad backslash escape in the file name")) }
            path = unescaped
        }
        let value = Array(body[(close + separator.count)...])
        if tag == "SIZE" {
            guard !value.isEmpty, value.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                  let size = Int64(String(decoding: value, as: UTF8.self)) else {
                return .failure(LineError(reason: "SIZE is not a whole number of bytes"))
            }
            return checkedPath(path).map { .size(path: $0, bytes: size) }
        }
        guard let algorithm = HashAlgorithm(tag: tag) else { return .failure(LineError(reason: "unknown algorithm \(tag)")) }
        let digest: String
        if value.count == algorithm.hexLength, value.allSatisfy(isHexDigit) {
            digest = String(decoding: value, as: UTF8.self).lowercased()
        } else if let decoded = Data(base64Encoded: String(decoding: value, as: UTF8.self)), decoded.count == algorithm.byteCount {
            digest = decoded.hexString
        } else {
            return .failure(LineError(reason: "the \(tag) digest is neither \(algorithm.hexLength) hexadecimal digits nor "
                + "base64 of \(algorithm.byteCount) bytes"))
        }
        return checkedPath(path).map { .entry(path: $0, algorithm: algorithm, digest: digest) }
    }

    /// BagIt: digest, one or more spaces or tabs, an optional `*` (as md5sum's binary marker), the percent-encoded path.
    static func parseBagIt(_ bytes: [UInt8], algorithm: HashAlgorithm) -> Result<ParsedLine, LineError> {
        let digits = bytes.prefix(while: isHexDigit).count
        guard digits == algorithm.hexLength else {
            if digits == 0 { return .failure(LineError(reason: "the line does not start with a hexadecimal digest")) }
            return .failure(LineError(reason: "the digest has \(digits) hex digits; \(algorithm.rawValue) needs \(algorithm.hexLength)"))
        }
        var index = digits
        while index < bytes.count, bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "\t") { index += 1 }
        guard index > digits, index < bytes.count else {
            return .failure(LineError(reason: "expected whitespace and a path after the digest"))
        }
        if bytes[index] == UInt8(ascii: "*") { index += 1 }
        let digest = String(decoding: bytes[0..<digits], as: UTF8.self).lowercased()
        let raw = Array(bytes[index...])
        let literal = percentDecodeBagIt(raw, decodingPercent: false)
        return checkedPath(percentDecodeBagIt(raw)).map { path in
            .entry(path: path, algorithm: algorithm, digest: digest, literal: (try? checkedPath(literal).get()).flatMap { $0 == path ? nil : $0 })
        }
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

    private static func hashError(_ digits: Int) -> LineError {
        if digits == 0 { return LineError(reason: "the line does not start with a hexadecimal digest") }
        return LineError(reason: "the digest has \(digits) hex digits, which is no supported algorithm "
            + "(MD5 32, SHA-1 40, SHA-256 64, SHA-384 96, SHA-512 128)")
    }

    /// A leading `./` (or several) is removed, as `find . -type f -exec sha256sum {} +` writes them.
    private static func checkedPath(_ bytes: [UInt8]) -> Result<[UInt8], LineError> {
        var path = bytes[...]
        while path.starts(with: [UInt8(ascii: "."), UInt8(ascii: "/")]) { path = path.dropFirst(2) }
        if path.isEmpty { return .failure(LineError(reason: "the path is empty")) }
        if path.contains(0) { return .failure(LineError(reason: "the path contains a NUL byte")) }
        return .success(Array(path))
    }

    private static func lastRange(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in stride(from: haystack.count - needle.count, through: 0, by: -1)
        where haystack[start..<start + needle.count].elementsEqual(needle) {
            return start
        }
        return nil
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

    /// RFC 8493 §2.1.3: only CR, LF and `%` are percent-encoded in manifests (`%0D`, `%0A`, `%25`, either case).
    /// Any other `%` — `100%.txt`, `%7E` — is the character itself.
    /// `decodingPercent` false decodes only %0D and %0A, as bagit.py 1.9 does (it writes a `%` in a name unencoded).
    static func percentDecodeBagIt(_ bytes: [UInt8], decodingPercent: Bool = true) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count {
                switch String(decoding: bytes[(index + 1)...(index + 2)], as: UTF8.self).uppercased() {
                case "0D": out.append(0x0D); index += 3; continue
                case "0A": out.append(0x0A); index += 3; continue
                case "25" where decodingPercent: out.append(UInt8(ascii: "%")); index += 3; continue
                default: break
                }
            }
            out.append(bytes[index])
            index += 1
        }
        return out
    }

    private static func excerpt(_ bytes: [UInt8]) -> String {
        let text = PathText.text(Array(bytes.prefix(120))).visibleEscapes
        return bytes.count > 120 ? text + "…" : text
    }
}

@inline(__always) func isHexDigit(_ byte: UInt8) -> Bool {
    (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66) || (byte >= 0x41 && byte <= 0x46)
}

@inline(__always) func isBlank(_ byte: UInt8) -> Bool {
    byte == 0x20 || byte == 0x09 || byte == 0x0D
}
