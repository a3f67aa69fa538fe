import USVCore
import USVDataSetDonders
import USVDataSetFolder
import USVDataSetSynth
import USVFeatureDetector
import USVFeatureDNNInput
import USVFeatureExtended
import USVFeatureProperties
import USVFeatureSpectrogram
import USVFeatureVectors
import USVFormatAnnotations
import USVFormatAudio
import USVFormatMAT
import USVFormatNumPy
import USVFormatPNG
import USVFormatTables
import USVModelCNN
import USVModelMLP
import USVModelRidge
import USVModelSemiConv
import USVModelSVM

/// Every plugin this build ships, in one list. A test checks that each folder under `Plugins/` is here.
public enum BuiltinPlugins {
    public static let all: [any Plugin] = [
        SndfileAudioFormat(),
        PNGFormat(),
        MATFormat(),
        CSVTableFormat(),
        TSVTableFormat(),
        JSONLinesFormat(),
        GenericSeqFormat(),
        RavenSelectionTableFormat(),
        AudacityLabelFormat(),
        NPYFormat(),
        NPZFormat(),
        SpectrogramFeature(),
        ToneContrastDetector(),
        PurityDetector(),
        CallPropertyEstimator(),
        SpectralVectors(),
        ExtendedFeatureSet(),
        DNNInputImage(),
        RidgeClassifierModel(),
        LinearSVMModel(),
        FeatureMLPModel(),
        CNNSexClassifier(),
        CNNStrainClassifier(),
        CNNAnimalClassifier(),
        CNNPropertyClassifier(),
        SemiConvolutionalModel(),
        DondersAdapter(),
        FolderAdapter(),
        DondersSynthSource(),
    ]

    public static func registry() throws -> PluginRegistry { try PluginRegistry(all) }
}
