import Foundation

/// Hand-made W64 and RF64 files (libsndfile reads both; `AudioFileWriter` writes neither), with sizes a test can
/// make absurd: 64-bit chunk and data sizes are where in-memory seeks and allocations must be checked.
public enum AudioHeaders {
    static func le16(_ value: UInt16) -> [UInt8] { (0..<2).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
    static func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
    static func le64(_ value: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }

    /// WAVEFORMATEX for mono 16-bit PCM at `rate`.
    static func pcm16Format(rate: UInt32) -> [UInt8] {
        le16(1) + le16(1) + le32(rate) + le32(rate * 2) + le16(2) + le16(16)
    }

    static let waveSuffix: [UInt8] = [0xF3, 0xAC, 0xD3, 0x11, 0x8C, 0xD1, 0x00, 0xC0, 0x4F, 0x8E, 0xDB, 0x8A]

    /// A Sony Wave64 file of mono 16-bit `samples`: `dataSize` (default the real one, header included) and an
    /// optional `junkSize` for a junk chunk before the data (sizes are 64-bit and count the 24-byte chunk header).
    public static func w64(samples: [Int16], rate: UInt32 = 300_000, dataSize: UInt64? = nil, junkSize: UInt64? = nil,
                           riffSize: UInt64? = nil) -> [UInt8] {
        let riff: [UInt8] = Array("riff".utf8) + [0x2E, 0x91, 0xCF, 0x11, 0xA5, 0xD6, 0x28, 0xDB, 0x04, 0xC1, 0x00, 0x00]
        let wave = Array("wave".utf8) + waveSuffix
        let fmt = Array("fmt ".utf8) + waveSuffix
        let junk = Array("junk".utf8) + waveSuffix
        let data = Array("data".utf8) + waveSuffix
        let payload = samples.flatMap { le16(UInt16(bitPattern: $0)) }
        var body = wave + fmt + le64(24 + 16) + pcm16Format(rate: rate)
        if let junkSize { body += junk + le64(junkSize) + [UInt8](repeating: 0, count: 8) }
        body += data + le64(dataSize ?? UInt64(24 + payload.count)) + payload
        while body.count % 8 != 0 { body.append(0) }
        return riff + le64(riffSize ?? UInt64(24 + body.count)) + body
    }

    /// An RF64 file of mono 16-bit `samples` whose ds64 chunk gives `dataSize` and `sampleCount` (default the real
    /// ones) and the RIFF size `riffSize`.
    public static func rf64(samples: [Int16], rate: UInt32 = 300_000, dataSize: UInt64? = nil, sampleCount: UInt64? = nil,
                            riffSize: UInt64? = nil) -> [UInt8] {
        let payload = samples.flatMap { le16(UInt16(bitPattern: $0)) }
        let realRIFF = UInt64(4 + (8 + 28) + (8 + 16) + (8 + payload.count))
        let ds64 = Array("ds64".utf8) + le32(28) + le64(riffSize ?? realRIFF) + le64(dataSize ?? UInt64(payload.count))
            + le64(sampleCount ?? UInt64(samples.count)) + le32(0)
        return Array("RF64".utf8) + le32(0xFFFF_FFFF) + Array("WAVE".utf8) + ds64
            + Array("fmt ".utf8) + le32(16) + pcm16Format(rate: rate) + Array("data".utf8) + le32(0xFFFF_FFFF) + payload
    }

    static func be16(_ value: UInt16) -> [UInt8] { le16(value).reversed() }
    static func be32(_ value: UInt32) -> [UInt8] { le32(value).reversed() }

    /// An 80-bit IEEE extended number (AIFF's sample rate) for a whole `value` > 0.
    static func extended(_ value: UInt32) -> [UInt8] {
        let exponent = 31 - value.leadingZeroBitCount
        let mantissa = UInt64(value) << UInt64(63 - exponent)
        return be16(UInt16(16_383 + exponent)) + (0..<8).map { UInt8(truncatingIfNeeded: mantissa >> (56 - 8 * UInt64($0))) }
    }

    /// An AIFF file of mono 16-bit `samples`: `frames` (default the real count) is what the COMM chunk declares, and
    /// `soundSize` what the SSND chunk's size says.
    public static func aiff(samples: [Int16], rate: UInt32 = 300_000, frames: UInt32? = nil, soundSize: UInt32? = nil) -> [UInt8] {
        let payload = samples.flatMap { be16(UInt16(bitPattern: $0)) }
        let comm = Array("COMM".utf8) + be32(18) + be16(1) + be32(frames ?? UInt32(samples.count)) + be16(16) + extended(rate)
        let ssnd = Array("SSND".utf8) + be32(soundSize ?? UInt32(8 + payload.count)) + be32(0) + be32(0) + payload
        let body = Array("AIFF".utf8) + comm + ssnd
        return Array("FORM".utf8) + be32(UInt32(body.count)) + body
    }
}
