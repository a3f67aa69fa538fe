import USVCore
import USVSignal

/// Audio through libsndfile: reads everything libsndfile reads (WAV, WAVEX, W64, RF64, FLAC, AIFF, Ogg,
/// CAF, AU) at any sample rate (300 kHz and more) and any number of channels from files, memory or archive
/// members (read in place, never extracted), writes WAV (PCM16, PCM24, float) and FLAC (PCM16, PCM24).
public struct SndfileAudioFormat: AudioReadingFormat, AudioWritingFormat {
    public static let descriptor = PluginDescriptor(
        id: "format.audio", version: "1.0.0", kind: .format,
        summary: "Audio through libsndfile: read WAV/W64/RF64/FLAC/AIFF/Ogg/CAF/AU, write WAV and FLAC",
        capabilities: ["read", "write", "sniff", "audio", "clip-by-frames"])

    public static let fileExtensions = ["wav", "flac", "w64", "rf64", "aif", "aiff", "ogg", "oga", "caf", "au"]
    public static let encodings = AudioEncoding.allCases.map(\.rawValue)

    public init() {}

    public func sniff(head: [UInt8], fileName: String) -> SniffConfidence {
        func starts(_ text: String, at offset: Int = 0) -> Bool {
            let bytes = Array(text.utf8)
            return head.count >= offset + bytes.count && Array(head[offset..<(offset + bytes.count)]) == bytes
        }
        if (starts("RIFF") || starts("RF64") || starts("RIFX")) && starts("WAVE", at: 8) { return .byContent }
        if starts("riff") || starts("fLaC") || starts("OggS") || starts("caff") || starts(".snd") { return .byContent }
        if starts("FORM") && (starts("AIFF", at: 8) || starts("AIFC", at: 8)) { return .byContent }
        return Self.fileExtensions.contains(fileName.fileExtension) ? .byExtension : .no
    }

    public func audioInfo(of source: ByteSource) throws -> AudioInfo {
        try AudioFileReader(source: source).info
    }

    public func readAudio(from source: ByteSource, frames range: Range<Int>?, channel: ChannelSelection) throws -> AudioSignal {
        let reader = try AudioFileReader(source: source)
        reader.channel = channel
        return try reader.readSignal(frames: range)
    }

    public func writeAudio(_ signal: AudioSignal, to path: String, encoding: String?) throws {
        let container: AudioContainer = path.fileExtension == "flac" ? .flac : .wav
        guard let chosen = AudioEncoding(rawValue: encoding ?? AudioEncoding.pcm16.rawValue) else {
            throw USVError.usage("unknown audio encoding '\(encoding ?? "")'; use \(Self.encodings.joined(separator: ", "))")
        }
        let writer = try AudioFileWriter(path: path, sampleRate: signal.sampleRate, channels: signal.channels, container: container, encoding: chosen)
        try writer.write(signal.samples)
        try writer.close()
    }
}
