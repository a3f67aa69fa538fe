import USVCore
import USVSignal

/// The networks' input image of one USV (see `DNNInput`): 100 × 100, mean subtracted, row-major with row 0
/// the lowest frequency. With `augment-seed` set, the seeded training augmentation is applied.
public struct DNNInputImage: USVFeatureComputing {
    public static let descriptor = PluginDescriptor(
        id: "feature.dnn-input", version: "1.0.0", kind: .feature,
        summary: "The CNN input: 233×300 canvas, bilinear resize to 100×100, mean subtracted; seeded augmentation",
        capabilities: ["compute", "usv-spectrogram", "image", "augment"],
        parameters: [
            PluginParameter("canvas-frames", type: "int", default: "300", "canvas width in frames (longer USVs are cut)"),
            PluginParameter("height", type: "int", default: "100", "image height"),
            PluginParameter("width", type: "int", default: "100", "image width"),
            PluginParameter("augment-seed", type: "int|none", default: "none", "seed of the training augmentation, or none"),
        ])

    public static let input = FeatureInput.usvSpectrogram
    public static let outputNames = ["image"]

    public init() {}

    public func compute(_ input: USVFeatureInput, parameters: ParameterValues) throws -> FeatureValues {
        let shape = DNNInputShape(canvasFrames: try parameters.int("canvas-frames"), height: try parameters.int("height"),
                                  width: try parameters.int("width"))
        guard shape.canvasFrames > 0, shape.height > 0, shape.width > 0, input.spectrogram.rows > 0 else {
            throw USVError.usage("DNN input sizes must be positive")
        }
        let image: [Float]
        if let text = parameters["augment-seed"], text != "none" {
            guard let seed = UInt64(text) else { throw USVError.usage("augment-seed must be a whole number or none") }
            image = DNNInput.augmentedImage(input.spectrogram, seed: seed, shape: shape)
        } else {
            image = DNNInput.image(input.spectrogram, shape: shape)
        }
        return FeatureValues(vectors: ["image": image])
    }
}
