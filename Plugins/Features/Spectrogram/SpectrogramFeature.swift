import USVCore
import USVSignal

/// The original pipeline's spectrogram of one USV's samples (FFTW, MATLAB `hanning(500)`, hop 250, rows from
/// 10 kHz), with the optional sparse step (bins below a magnitude threshold zeroed). For whole recordings
/// the CLI and the detector stream `StreamingSpectrogram` from USVSignal instead.
public struct SpectrogramFeature: FeaturePlugin {
    public static let descriptor = PluginDescriptor(
        id: "feature.spectrogram", version: "1.0.0", kind: .feature,
        summary: "Magnitude spectrogram (FFTW single precision): Hann 500, hop 250, one-sided, Nyquist dropped, rows from 10 kHz",
        capabilities: ["compute", "usv-audio", "recording-audio", "streaming", "sparse"],
        parameters: [
            PluginParameter("window", type: "int", default: "500", "window and FFT length, samples"),
            PluginParameter("hop", type: "int", default: "250", "hop, samples"),
            PluginParameter("min-row-frequency", type: "Hz", default: "10000", "rows below this frequency are dropped"),
            PluginParameter("sparse-threshold", type: "magnitude", default: "0", "bins below this magnitude are zeroed (0: off)"),
        ])

    public static let input = FeatureInput.usvAudio
    public static let outputNames = ["spectrogram"]

    public init() {}

    /// The spectrogram of `signal` (all of it).
    public func spectrogram(of signal: AudioSignal, parameters: ParameterValues) throws -> Spectrogram {
        var result = try SpectrogramEngine(parameters: try SpectrogramParameters(parameters), sampleRate: signal.sampleRate)
            .spectrogram(of: signal.samples)
        result.zeroValues(below: Float(try parameters.double("sparse-threshold")))
        return result
    }
}
