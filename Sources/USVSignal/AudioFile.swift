import CSndfile
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import USVCore

/// Encodings `AudioFileWriter` writes.
public enum AudioEncoding: String, Sendable, CaseIterable, Codable {
    case pcm16, pcm24, float

    var sndfileSubtype: Int32 {
        switch self {
        case .pcm16: return Int32(SF_FORMAT_PCM_16)
        case .pcm24: return Int32(SF_FORMAT_PCM_24)
        case .float: return Int32(SF_FORMAT_FLOAT)
        }
    }
}

/// Containers `AudioFileWriter` writes.
public enum AudioContainer: String, Sendable, CaseIterable, Codable {
    case wav, flac

    var sndfileType: Int32 { self == .wav ? Int32(SF_FORMAT_WAV) : Int32(SF_FORMAT_FLAC) }
}

/// Reads audio through libsndfile in blocks, so a 180 s, 300 kHz recording (or a far longer one) is
/// processed in constant memory. One reader per thread; the handle closes on deinit.
public final class AudioFileReader {
    private let handle: OpaquePointer
    public let path: String
    public let info: AudioInfo
    private var interleaved: [Float] = []
    /// Keeps in-memory bytes alive while libsndfile reads them through its virtual I/O.
    private let memory: MemoryAudioBytes?
    /// The channel that `read` and `readSignal` deliver; a multichannel file read with `.only` is an error
    /// naming its channels (set it before reading; `info` needs no choice).
    public var channel: ChannelSelection = .only

    public convenience init(path: String) throws {
        try self.init(source: .file(path))
    }

    /// Opens a file, an in-memory file, or an archive member (read into memory through libarchive, never
    /// extracted to disk) — libsndfile decodes all three the same way.
    public init(source: ByteSource) throws {
        var sfInfo = SF_INFO()
        let stream: MemoryAudioBytes?
        switch source {
        case .file: stream = nil
        case .memory(_, let bytes): stream = MemoryAudioBytes(bytes)
        case .archiveMember: stream = MemoryAudioBytes(try source.readAll(limit: 1 << 32))
        }
        memory = stream
        // A failed open leaves its reason in libsndfile's one global error (there is no handle to ask), which another
        // thread's open may overwrite: opening and reading that error happen under one lock.
        let (opened, failure) = SndfileOpening.lock.withLock { () -> (OpaquePointer?, String) in
            let handle: OpaquePointer?
            if let stream {
                handle = stream.open(&sfInfo)
            } else if case .file(let path) = source {
                handle = sf_open(path, Int32(SFM_READ), &sfInfo)
            } else {
                handle = nil
            }
            return (handle, handle == nil ? String(cString: sf_strerror(nil)) : "")
        }
        let path = source.description
        guard let handle = opened else {
            throw USVError.io(path: path, reason: "not readable audio: \(failure)")
        }
        self.handle = handle
        self.path = path
        let subtype = Int(sfInfo.format) & Int(SF_FORMAT_SUBMASK)
        let type = Int(sfInfo.format) & Int(SF_FORMAT_TYPEMASK)
        let (bits, encoding) = Self.describe(subtype: subtype)
        let container = Self.containers[type] ?? "audio"
        info = AudioInfo(sampleRate: Int(sfInfo.samplerate), channels: Int(sfInfo.channels), frames: Int(sfInfo.frames),
                         bitDepth: bits, encoding: "\(container)/\(encoding)")
        // libsndfile quietly reads a truncated file as a shorter one; its log says so ("data : N (should be M)").
        if let truncation = Self.truncation(handle) {
            throw USVError.malformed(path: path, location: "data chunk", reason: truncation + " — the file is truncated; download it again")
        }
        guard info.channels > 0, info.sampleRate > 0 else {
            // deinit closes the handle (all properties are set).
            throw USVError.malformed(path: path, location: "header", reason: "no channels or no sample rate")
        }
    }

    deinit { sf_close(handle) }

    /// The header's data length against what the file holds, when libsndfile's log reports a shortfall.
    static func truncation(_ handle: OpaquePointer) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        sf_command(handle, Int32(SFC_GET_LOG_INFO), &buffer, Int32(buffer.count))
        let log = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        for line in log.split(separator: "\n") where line.hasPrefix("data") && line.contains("should be") {
            let numbers = line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
            guard numbers.count >= 2, numbers[1] < numbers[0] else { continue }
            return "the header announces \(numbers[0]) data bytes but only \(numbers[1]) are there"
        }
        return nil
    }

    /// Moves to frame `frame`.
    public func seek(toFrame frame: Int) throws {
        guard sf_seek(handle, sf_count_t(frame), SEEK_SET) >= 0 else {
            throw USVError.io(path: path, reason: "cannot seek to frame \(frame)")
        }
    }

    /// Samples per frame that `read` delivers: the file's channel count for `.all`, else 1.
    public var deliveredChannels: Int { channel == .all ? info.channels : 1 }

    /// Reads up to `buffer.count / deliveredChannels` frames of the chosen channel (`channel`) into `buffer`,
    /// scaled to [-1, 1). Returns the frames read (0 at the end). A truncated file reads as shorter, never as
    /// garbage.
    public func read(into buffer: inout [Float]) throws -> Int {
        let channels = info.channels
        try channel.check(channels: channels, path: path)
        if channels == 1 || channel == .all {
            let frames = buffer.count / max(1, deliveredChannels)
            let count = buffer.withUnsafeMutableBufferPointer { sf_readf_float(handle, $0.baseAddress, sf_count_t(frames)) }
            guard count >= 0 else { throw USVError.io(path: path, reason: String(cString: sf_strerror(handle))) }
            return Int(count)
        }
        if interleaved.count < buffer.count * channels { interleaved = [Float](repeating: 0, count: buffer.count * channels) }
        let frames = buffer.count
        let count = interleaved.withUnsafeMutableBufferPointer { sf_readf_float(handle, $0.baseAddress, sf_count_t(frames)) }
        guard count >= 0 else { throw USVError.io(path: path, reason: String(cString: sf_strerror(handle))) }
        switch channel {
        case .index(let index):
            for frame in 0..<Int(count) { buffer[frame] = interleaved[frame * channels + index] }
        default:  // .mix (.only and .all were handled above or refused by the check)
            let scale = 1 / Float(channels)
            for frame in 0..<Int(count) {
                var sum: Float = 0
                for offset in 0..<channels { sum += interleaved[frame * channels + offset] }
                buffer[frame] = sum * scale
            }
        }
        return Int(count)
    }

    /// Reads frames `range` (all when nil) of the chosen channel (`channel`; `.all`: every channel interleaved).
    public func readSignal(frames range: Range<Int>? = nil) throws -> AudioSignal {
        let wanted = range ?? 0..<info.frames
        guard wanted.lowerBound >= 0, wanted.upperBound <= info.frames else {
            throw USVError.usage("\(path): frames \(wanted) outside 0..<\(info.frames)")
        }
        try channel.check(channels: info.channels, path: path)
        try seek(toFrame: wanted.lowerBound)
        let width = deliveredChannels
        let (total, overflow) = wanted.count.multipliedReportingOverflow(by: width)
        guard !overflow else { throw USVError.unusable(path: path, reason: "\(wanted.count) frames × \(width) channels is too many samples") }
        // Grown block by block as samples arrive: a header that declares more frames than the file holds (a W64 or
        // RF64 size of 2^60, say) costs no more memory than the file's real samples.
        var samples: [Float] = []
        samples.reserveCapacity(min(total, 1 << 24))
        var filled = 0
        var block = [Float](repeating: 0, count: min(1 << 16, max(1, wanted.count)) * width)
        while filled < wanted.count {
            let want = min(block.count / width, wanted.count - filled)
            if block.count != want * width { block = [Float](repeating: 0, count: want * width) }
            let count = try read(into: &block)
            if count == 0 {
                throw USVError.malformed(path: path, location: "frame \(wanted.lowerBound + filled)",
                                         reason: "file ends early: header says \(info.frames) frames (truncated?)")
            }
            samples.append(contentsOf: block[0..<(count * width)])
            filled += count
        }
        return AudioSignal(samples: samples, sampleRate: info.sampleRate, channels: width)
    }

    private static let containers: [Int: String] = [
        Int(SF_FORMAT_WAV): "wav", Int(SF_FORMAT_WAVEX): "wavex", Int(SF_FORMAT_W64): "w64", Int(SF_FORMAT_RF64): "rf64",
        Int(SF_FORMAT_FLAC): "flac", Int(SF_FORMAT_AIFF): "aiff", Int(SF_FORMAT_OGG): "ogg", Int(SF_FORMAT_CAF): "caf",
        Int(SF_FORMAT_AU): "au", Int(SF_FORMAT_RAW): "raw",
    ]

    private static func describe(subtype: Int) -> (Int, String) {
        switch subtype {
        case Int(SF_FORMAT_PCM_S8), Int(SF_FORMAT_PCM_U8): return (8, "pcm8")
        case Int(SF_FORMAT_PCM_16): return (16, "pcm16")
        case Int(SF_FORMAT_PCM_24): return (24, "pcm24")
        case Int(SF_FORMAT_PCM_32): return (32, "pcm32")
        case Int(SF_FORMAT_FLOAT): return (32, "float")
        case Int(SF_FORMAT_DOUBLE): return (64, "double")
        case Int(SF_FORMAT_VORBIS): return (0, "vorbis")
        default: return (0, "subtype-\(subtype)")
        }
    }
}

/// Writes audio through libsndfile (WAV or FLAC; PCM16, PCM24 or float). Call `close()` to find out
/// whether the file was completed; deinit closes too.
public final class AudioFileWriter {
    private var handle: OpaquePointer?
    public let path: String
    public let sampleRate: Int

    /// Samples per frame: `write` takes frames of this many interleaved samples.
    public let channels: Int

    public init(path: String, sampleRate: Int, channels: Int = 1, container: AudioContainer = .wav, encoding: AudioEncoding = .pcm16) throws {
        if container == .flac && encoding == .float {
            throw USVError.unsupported(path: path, feature: "float samples in FLAC", advice: "use pcm16 or pcm24, or WAV")
        }
        guard channels >= 1, channels <= 1_024, sampleRate > 0, sampleRate <= Int(Int32.max) else {
            throw USVError.usage("\(path): cannot write \(channels) channels at \(sampleRate) Hz")
        }
        self.channels = channels
        var sfInfo = SF_INFO()
        sfInfo.samplerate = Int32(sampleRate)
        sfInfo.channels = Int32(channels)
        sfInfo.format = container.sndfileType | encoding.sndfileSubtype
        guard sf_format_check(&sfInfo) != 0 else {
            throw USVError.unsupported(path: path, feature: "\(container.rawValue)/\(encoding.rawValue) at \(sampleRate) Hz",
                                       advice: "choose another encoding or container")
        }
        let (opened, failure) = SndfileOpening.lock.withLock { () -> (OpaquePointer?, String) in
            let handle = sf_open(path, Int32(SFM_WRITE), &sfInfo)
            return (handle, handle == nil ? String(cString: sf_strerror(nil)) : "")
        }
        guard let handle = opened else {
            throw USVError.io(path: path, reason: "cannot create audio file: \(failure)")
        }
        self.handle = handle
        self.path = path
        self.sampleRate = sampleRate
        // Float input outside [-1, 1) clips instead of wrapping around.
        sf_command(handle, Int32(SFC_SET_CLIPPING), nil, Int32(SF_TRUE))
    }

    deinit { if let handle { sf_close(handle) } }

    /// Appends samples scaled to [-1, 1) (frames of `channels` interleaved samples).
    public func write(_ samples: [Float]) throws {
        guard let handle else { throw USVError.io(path: path, reason: "writer already closed") }
        let frames = samples.count / channels
        let written = samples.withUnsafeBufferPointer { sf_writef_float(handle, $0.baseAddress, sf_count_t(frames)) }
        guard written == frames else {
            throw USVError.io(path: path, reason: "short write: \(String(cString: sf_strerror(handle)))")
        }
    }

    /// Appends 16-bit samples exactly as given.
    public func write(_ samples: [Int16]) throws {
        guard let handle else { throw USVError.io(path: path, reason: "writer already closed") }
        let frames = samples.count / channels
        let written = samples.withUnsafeBufferPointer { sf_writef_short(handle, $0.baseAddress, sf_count_t(frames)) }
        guard written == frames else {
            throw USVError.io(path: path, reason: "short write: \(String(cString: sf_strerror(handle)))")
        }
    }

    public func close() throws {
        guard let handle else { return }
        self.handle = nil
        guard sf_close(handle) == 0 else { throw USVError.io(path: path, reason: "cannot finish the audio file") }
    }
}

/// libsndfile keeps the reason an open failed in one process-wide variable (`sf_strerror(NULL)`): every open of this
/// module holds `lock` from `sf_open` to reading that reason, so threads opening files at once (`ingest --jobs`) each
/// get their own. Errors of an open handle are read from the handle (`sf_strerror(handle)`), which needs no lock.
enum SndfileOpening {
    static let lock = NSLock()
}

/// Bytes that libsndfile reads through its virtual I/O callbacks (an archive member held in memory).
final class MemoryAudioBytes {
    let bytes: [UInt8]
    var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func open(_ info: inout SF_INFO) -> OpaquePointer? {
        var io = SF_VIRTUAL_IO(
            get_filelen: { user in MemoryAudioBytes.from(user).map { sf_count_t($0.bytes.count) } ?? 0 },
            seek: { offset, whence, user in
                guard let stream = MemoryAudioBytes.from(user) else { return -1 }
                let base: Int
                switch whence {
                case SEEK_CUR: base = stream.position
                case SEEK_END: base = stream.bytes.count
                default: base = 0
                }
                // W64 and RF64 chunk sizes are 64-bit: an offset near Int64.max must fail the seek, not overflow.
                let (target, overflow) = base.addingReportingOverflow(Int(offset))
                guard !overflow, target >= 0, target <= stream.bytes.count else { return -1 }
                stream.position = target
                return sf_count_t(target)
            },
            read: { destination, count, user in
                guard let stream = MemoryAudioBytes.from(user), let destination else { return 0 }
                let available = max(0, min(Int(clamping: count), stream.bytes.count - stream.position))
                stream.bytes.withUnsafeBytes { source in
                    guard let base = source.baseAddress else { return }
                    destination.copyMemory(from: base + stream.position, byteCount: available)
                }
                stream.position += available
                return sf_count_t(available)
            },
            write: { _, _, _ in 0 },
            tell: { user in MemoryAudioBytes.from(user).map { sf_count_t($0.position) } ?? -1 })
        return sf_open_virtual(&io, Int32(SFM_READ), &info, Unmanaged.passUnretained(self).toOpaque())
    }

    static func from(_ pointer: UnsafeMutableRawPointer?) -> MemoryAudioBytes? {
        pointer.map { Unmanaged<MemoryAudioBytes>.fromOpaque($0).takeUnretainedValue() }
    }
}
