import Foundation
import USVCore
import USVLearn

/// The resolved hyper-parameters of one network.
struct CNNSettings {
    var architecture: ConvolutionalArchitecture
    var stages: [TrainingStage]
    var batch: Int
    var augment: Bool
    var threads: Int

    static let presets: [String: (filters: Int, epochs: String)] = ["paper": (256, "40,25,25"), "fast": (16, "6,3,2")]

    init(_ parameters: ParameterValues, features: Int, classes: Int) throws {
        let presetName = parameters["preset"] ?? "fast"
        guard let preset = Self.presets[presetName] else { throw USVError.usage("cnn: preset must be fast or paper, not '\(presetName)'") }
        func list(_ name: String) throws -> [Int] {
            let text = parameters[name] ?? ""
            let values = text.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard values.count == text.split(separator: ",").count, values.allSatisfy({ $0 > 0 }) else {
                throw USVError.usage("cnn: \(name) must be a comma-separated list of positive whole numbers, not '\(text)'")
            }
            return values
        }
        let filters = parameters["filters"].flatMap { $0 == "preset" ? preset.filters : Int($0) } ?? preset.filters
        let kernels = try list("kernels"), strides = try list("strides"), dense = try list("dense")
        let height = try parameters.int("height"), width = try parameters.int("width")
        guard filters > 0, kernels.count == strides.count, !kernels.isEmpty else {
            throw USVError.usage("cnn: filters must be positive and kernels and strides lists of the same length")
        }
        guard height > 0, width > 0, height * width == features else {
            throw USVError.usage("cnn: the inputs have \(features) values, not a \(height) × \(width) image; "
                + "train on --features feature.dnn-input (usv features --plugin feature.dnn-input first)")
        }
        architecture = ConvolutionalArchitecture(
            input: ImageShape(height: height, width: width, channels: 1),
            convolutions: zip(kernels, strides).map { .init(filters: filters, kernel: $0, stride: $1) }, dense: dense, classes: classes)
        let epochs = parameters["epochs"].map { $0 == "preset" ? preset.epochs : $0 } ?? preset.epochs
        stages = try TrainingStage.parse(epochs: epochs, learningRates: parameters["learning-rates"] ?? "",
                                         dropouts: parameters["dropouts"] ?? "")
        batch = try parameters.int("batch")
        guard batch > 1 else { throw USVError.usage("cnn: batch must be at least 2 (batch norm needs a spread)") }
        guard let augment = Bool(parameters["augment"] ?? "true") else { throw USVError.usage("cnn: augment must be true or false") }
        self.augment = augment
        let requested = try parameters.int("threads")
        threads = requested > 0 ? requested : ProcessInfo.processInfo.activeProcessorCount
    }
}
