import USVCore
import USVSignal

/// Basic per-USV properties, estimated automatically from the USV's spectrogram (see `CallAnalysis`):
///
/// - `duration` (s): stop − start.
/// - `avgfreq` (Hz) and `avgfreq-row`: mean over frames of the power-weighted mean frequency; the row form is
///   the 1-based spectrogram row index the original MATLAB code reports.
/// - `avgvol`: mean over frames of the largest magnitude (linear spectrogram units).
/// - `direction` (−1/0/1): sign of the end − start frequency change of the peak track, ±3 kHz dead zone.
/// - `peaks` (0…3): interior maxima of the de-jumped, tremolo-smoothed peak track with ≥ 1 kHz prominence.
/// - `breaks` (0…3): persistent steps of the peak track larger than 5 kHz.
/// - `broadband` (0…1): fraction of frames whose energy above a quarter of the frame maximum spans > 25 kHz (a steep sweep within one window spans less).
/// - `tremolo` (0…1): fraction of frames where the de-jumped track deviates from its 10 ms running mean by
///   more than 0.5 kHz RMS.
/// - `complex` (0…1): (peaks + breaks) / 6 + tremolo / 2, at most 1.
public struct CallPropertyEstimator: USVFeatureComputing {
    public static let descriptor = PluginDescriptor(
        id: "feature.call-properties", version: "1.0.0", kind: .feature,
        summary: "Basic USV properties: duration, average frequency and volume, direction, peaks, breaks, broadband, tremolo, complex",
        capabilities: ["compute", "usv-spectrogram"],
        parameters: [
            PluginParameter("direction-dead-zone", type: "Hz", default: "3000", "end − start change counted as flat"),
            PluginParameter("break-step", type: "Hz", default: "5000", "smallest persistent track step counted as a break"),
            PluginParameter("peak-prominence", type: "Hz", default: "1000", "smallest prominence of a counted peak"),
            PluginParameter("broadband-span", type: "Hz", default: "25000", "frame span above which a frame is broadband"),
            PluginParameter("tremolo-depth", type: "Hz", default: "500", "RMS deviation above which a frame has tremolo"),
        ])

    public static let input = FeatureInput.usvSpectrogram
    public static let outputNames = ["duration", "avgfreq", "avgfreq-row", "avgvol", "direction", "peaks", "breaks",
                                     "broadband", "tremolo", "complex"]

    public init() {}

    public static func settings(_ parameters: ParameterValues) throws -> CallAnalysisSettings {
        var settings = CallAnalysisSettings()
        settings.directionDeadZone = try parameters.double("direction-dead-zone")
        settings.breakStep = try parameters.double("break-step")
        settings.peakProminence = try parameters.double("peak-prominence")
        settings.broadbandSpan = try parameters.double("broadband-span")
        settings.tremoloDepth = try parameters.double("tremolo-depth")
        return settings
    }

    public func compute(_ input: USVFeatureInput, parameters: ParameterValues) throws -> FeatureValues {
        let analysis = CallAnalysis(input.spectrogram, settings: try Self.settings(parameters))
        let frequency = analysis.averageFrequency
        return FeatureValues(scalars: [
            "duration": input.stopSeconds - input.startSeconds,
            "avgfreq": frequency.hertz,
            "avgfreq-row": frequency.row,
            "avgvol": analysis.averageVolume,
            "direction": Double(analysis.direction),
            "peaks": Double(analysis.peaks),
            "breaks": Double(analysis.breaks),
            "broadband": analysis.broadband,
            "tremolo": analysis.tremolo,
            "complex": analysis.complex,
        ])
    }
}
