import USVCore
import USVSignal

/// Our definition of the paper's "24 features" (the paper does not list them): a stable, ordered set of
/// 24 scalars per USV —
///
///  1–8   the basic properties: duration, avgfreq, avgvol, direction, peaks, breaks, broadband, tremolo
///  9–12  mean, variance, skewness, kurtosis of the time marginal (time as position, marginal as weight)
///  13–16 the same of the frequency marginal (frequency as position)
///  17–20 mean, variance, skewness, kurtosis of the spectral line's values
///  21    bandwidth: max − min of the peak track on tonal frames (Hz)
///  22–23 start and end frequency of the peak track (Hz)
///  24    slope: least-squares slope of the spectral line (Hz/s)
public struct ExtendedFeatureSet: USVFeatureComputing {
    public static let descriptor = PluginDescriptor(
        id: "feature.extended-24", version: "1.0.0", kind: .feature,
        summary: "24 scalar features: basic properties, moments of the marginals and spectral line, bandwidth, start/end frequency, slope",
        capabilities: ["compute", "usv-spectrogram", "ordered-scalars"])

    public static let input = FeatureInput.usvSpectrogram
    public static let outputNames = [
        "duration", "avgfreq", "avgvol", "direction", "peaks", "breaks", "broadband", "tremolo",
        "time-mean", "time-variance", "time-skewness", "time-kurtosis",
        "frequency-mean", "frequency-variance", "frequency-skewness", "frequency-kurtosis",
        "line-mean", "line-variance", "line-skewness", "line-kurtosis",
        "bandwidth", "start-frequency", "end-frequency", "slope",
    ]

    public init() {}

    public func compute(_ input: USVFeatureInput, parameters: ParameterValues) throws -> FeatureValues {
        let analysis = CallAnalysis(input.spectrogram)
        let spectrogram = input.spectrogram
        let times = (0..<spectrogram.frames).map { Double($0) / spectrogram.frameRate }
        let time = moments(times, weights: analysis.timeMarginal.map(Double.init))
        let frequency = moments(spectrogram.frequencies, weights: analysis.frequencyMarginal.map(Double.init))
        let lineValues = analysis.spectralLine.map(Double.init)
        let line = moments(lineValues)
        let track = analysis.cleanTrack
        let slope: Double = {
            guard lineValues.count > 1 else { return 0 }
            let t = moments(times)
            let covariance = zip(times, lineValues).reduce(0) { $0 + ($1.0 - t.mean) * ($1.1 - line.mean) } / Double(times.count)
            return t.variance > 0 ? covariance / t.variance : 0
        }()
        let values: [Double] = [
            input.stopSeconds - input.startSeconds, analysis.averageFrequency.hertz, analysis.averageVolume,
            Double(analysis.direction), Double(analysis.peaks), Double(analysis.breaks), analysis.broadband, analysis.tremolo,
            time.mean, time.variance, time.skewness, time.kurtosis,
            frequency.mean, frequency.variance, frequency.skewness, frequency.kurtosis,
            line.mean, line.variance, line.skewness, line.kurtosis,
            (track.max() ?? 0) - (track.min() ?? 0), track.first ?? 0, track.last ?? 0, slope,
        ]
        return FeatureValues(scalars: Dictionary(uniqueKeysWithValues: zip(Self.outputNames, values)))
    }
}
