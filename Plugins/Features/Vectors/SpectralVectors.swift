import USVCore
import USVSignal

/// Vector features of one USV: the time marginal (sum over frequency per frame), the frequency marginal
/// (sum over time per row) and the spectral line (per frame, the frequency where the cumulative energy
/// reaches 50 %, on a 3×3 median-filtered spectrogram, empty frames interpolated), each also resampled to a
/// fixed length for models (`*-fixed`).
public struct SpectralVectors: USVFeatureComputing {
    public static let descriptor = PluginDescriptor(
        id: "feature.spectral-vectors", version: "1.0.0", kind: .feature,
        summary: "Time marginal, frequency marginal and spectral line of a USV, raw and resampled to fixed length",
        capabilities: ["compute", "usv-spectrogram", "vectors"],
        parameters: [
            PluginParameter("time-points", type: "int", default: "100", "length of the fixed time marginal and spectral line"),
            PluginParameter("frequency-points", type: "int", default: "100", "length of the fixed frequency marginal"),
        ])

    public static let input = FeatureInput.usvSpectrogram
    public static let outputNames = ["time-marginal", "frequency-marginal", "spectral-line",
                                     "time-marginal-fixed", "frequency-marginal-fixed", "spectral-line-fixed"]

    public init() {}

    public func compute(_ input: USVFeatureInput, parameters: ParameterValues) throws -> FeatureValues {
        let timePoints = try parameters.int("time-points")
        let frequencyPoints = try parameters.int("frequency-points")
        guard timePoints > 1, frequencyPoints > 1 else { throw USVError.usage("fixed lengths must be at least 2") }
        let analysis = CallAnalysis(input.spectrogram)
        let time = analysis.timeMarginal, frequency = analysis.frequencyMarginal, line = analysis.spectralLine
        return FeatureValues(vectors: [
            "time-marginal": time, "frequency-marginal": frequency, "spectral-line": line,
            "time-marginal-fixed": resample(time, to: timePoints),
            "frequency-marginal-fixed": resample(frequency, to: frequencyPoints),
            "spectral-line-fixed": resample(line, to: timePoints),
        ])
    }
}
