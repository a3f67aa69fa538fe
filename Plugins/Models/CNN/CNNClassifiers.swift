import USVCore

/// Sex (female 0, male 1) from the spectrogram: the paper's headline network.
public struct CNNSexClassifier: SpectrogramCNNModel {
    public static let descriptor = PluginDescriptor(
        id: "model.cnn-sex", version: "1.0.0", kind: .model,
        summary: "The paper's spectrogram CNN for sex: 6 conv (10,5,3,3,3,3 / 2,2,1,1,1,1) + 3 × 120 dense, sigmoid; presets paper, fast",
        capabilities: ["train", "predict", "seeded", "gradient-checked", "tensorflow-parity"], parameters: parameters())
    public static let tasks: [ModelTask] = [.sex]
    public init() {}
}

/// The cortexless variant: the same network on the strain recordings, cortexless vs control ("genotype"),
/// and sex within one strain (filter `--genotype cortexless`).
public struct CNNStrainClassifier: SpectrogramCNNModel {
    public static let descriptor = PluginDescriptor(
        id: "model.cnn-strain", version: "1.0.0", kind: .model,
        summary: "The spectrogram CNN on the cortexless recordings: cortexless vs control, or sex within a strain",
        capabilities: ["train", "predict", "seeded", "gradient-checked", "tensorflow-parity"], parameters: parameters())
    public static let tasks: [ModelTask] = [.genotype, .sex]
    public init() {}
}

/// Animal identity: the same trunk with a softmax over the animals.
public struct CNNAnimalClassifier: SpectrogramCNNModel {
    public static let descriptor = PluginDescriptor(
        id: "model.cnn-animal", version: "1.0.0", kind: .model,
        summary: "The spectrogram CNN for animal identity: softmax over the animals",
        capabilities: ["train", "predict", "seeded", "gradient-checked", "tensorflow-parity"], parameters: parameters())
    public static let tasks: [ModelTask] = [.animal]
    public init() {}
}

/// Call properties from the spectrogram: direction (3-way), peaks and breaks (4-way), broadband (sigmoid).
public struct CNNPropertyClassifier: SpectrogramCNNModel {
    public static let descriptor = PluginDescriptor(
        id: "model.cnn-property", version: "1.0.0", kind: .model,
        summary: "The spectrogram CNN for call properties: direction, peaks, breaks, broadband",
        capabilities: ["train", "predict", "seeded", "gradient-checked", "tensorflow-parity"], parameters: parameters())
    public static let tasks: [ModelTask] = ModelTask.allCases.filter(\.isCallProperty)
    public init() {}
}
