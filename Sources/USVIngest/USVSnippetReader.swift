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
        let signal = try reader.readSignal(frames: usv.startSample..<min(reader.info.frames, usv.stopSample))
        return (signal, engine.spectrogram(of: signal.samples))
    }
}
