import USVCore
import USVDataSetSynth
import USVFeatureDetector
import USVFormatAudio

/// Every plugin this build ships, in one list. A test checks that each folder under `Plugins/` is here.
public enum BuiltinPlugins {
    public static let all: [any Plugin] = [
        SndfileAudioFormat(),
        PurityDetector(),
        DondersSynthSource(),
    ]

    public static func registry() throws -> PluginRegistry { try PluginRegistry(all) }
}
