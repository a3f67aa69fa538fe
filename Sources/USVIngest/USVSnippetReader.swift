import USVCatalog
import USVCore
import USVSignal

/// Reads catalogued USVs' audio and spectrograms. References usually arrive in recording order, so the
/// current recording stays open (an archive member is read into memory once) until another one is asked for.
public final class USVSnippetReader {
    private var openRecording: (key: String, reader: AudioFileReader, engine: SpectrogramEngine)?

    public init() {}

    /// The USV's samples and its spectrogram (the pipeline's parameters at the recording's sample rate).
    public func read(_ usv: USVAudioReference) throws -> (signal: AudioSignal, spectrogram: Spectrogram) {
        let key = "\(usv.root)\u{0}\(usv.path)\u{0}\(usv.archiveMember ?? "")"
        if openRecording?.key != key {
            openRecording = nil
            var source = try DataRoot(usv.root).source(usv.path, member: usv.archiveMember)
            if case .archiveMember = source {
                source = .memory(name: source.description, bytes: try source.readAll(limit: 1 << 32))
            }
            let reader = try AudioFileReader(source: source)
            openRecording = (key, reader, try SpectrogramEngine(sampleRate: reader.info.sampleRate))
        }
        guard let (_, reader, engine) = openRecording else { throw USVError.io(path: usv.path, reason: "cannot open the recording") }
        let signal = try reader.readSignal(frames: try Self.frames(of: usv, in: reader.info, recording: reader.path))
        return (signal, engine.spectrogram(of: signal.samples))
    }

    /// The USV's frames in a recording of `info`: its stop clipped at the recording's end. A stretch that is empty,
    /// reversed or starts past the end (a deposited Start after Stop or beyond the recording) is an error naming
    /// the USV and the recording, never a trap.
    public static func frames(of usv: USVAudioReference, in info: AudioInfo, recording: String) throws -> Range<Int> {
        let stop = min(info.frames, usv.stopSample)
        guard usv.startSample >= 0, usv.startSample < stop else {
            throw USVError.malformed(path: recording, location: "USV \(usv.usvID)",
                                     reason: "its samples \(usv.startSample)–\(usv.stopSample) (\(usv.startSeconds)–\(usv.stopSeconds) s) "
                                        + "are not inside the recording's \(info.frames) frames (\(info.duration) s); its start and stop are wrong, "
                                        + "or it is linked to the wrong recording")
        }
        return usv.startSample..<stop
    }
}
