import Foundation

/// File names as bytes, shown as text. POSIX names are bytes, not strings: two names that are canonically
/// equivalent Unicode (`café` in NFC and in NFD) are two different files, and a name need not be UTF-8 at all.
/// Verification compares names as bytes; these helpers turn them into text for reports without losing anything.
public enum PathText {
    /// The name as text: exactly its characters when it is valid UTF-8; otherwise every byte of an invalid
    /// sequence written as `\xNN` (reports carry the raw bytes in base64 beside it, so nothing is lost).
    public static func text(_ bytes: [UInt8]) -> String {
        if let valid = String(validating: bytes, as: UTF8.self) { return valid }
        var out = [UInt8]()
        out.reserveCapacity(bytes.count + 8)
        var index = 0
        while index < bytes.count {
            let length = validSequenceLength(bytes, at: index)
            if length > 0 {
                out.append(contentsOf: bytes[index..<index + length])
                index += length
            } else {
                out.append(contentsOf: Array(String(format: "\\x%02X", bytes[index]).utf8))
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// True when `bytes` are valid UTF-8.
    public static func isUTF8(_ bytes: [UInt8]) -> Bool { String(validating: bytes, as: UTF8.self) != nil }

    /// The raw bytes in base64 when they are not valid UTF-8 (nil when the text is exact).
    public static func base64IfNotUTF8(_ bytes: [UInt8]) -> String? {
        isUTF8(bytes) ? nil : Data(bytes).base64EncodedString()
    }

    /// For human output: control characters escaped and a very long name shortened in the middle to at most
    /// `limit` characters, saying how long it was (JSON reports keep names whole).
    public static func display(_ text: String, limit: Int = 200) -> String {
        let visible = text.visibleEscapes
        guard visible.count > limit else { return visible }
        let keep = max(8, (limit - 30) / 2)
        return String(visible.prefix(keep)) + "…[\(text.utf8.count) bytes]…" + String(visible.suffix(keep))
    }

    /// Length of the valid UTF-8 sequence starting at `index`, or 0 when the byte there does not start one.
    static func validSequenceLength(_ bytes: [UInt8], at index: Int) -> Int {
        let lead = bytes[index]
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0x00...0x7F: return 1
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE, 0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: return 0
        }
        guard index + length <= bytes.count else { return 0 }
        guard (low...high).contains(bytes[index + 1]) else { return 0 }
        for offset in 2..<max(2, length) where !(0x80...0xBF).contains(bytes[index + offset]) { return 0 }
        return length
    }
}
