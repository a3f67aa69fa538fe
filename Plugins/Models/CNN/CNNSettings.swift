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

    /// Stage epochs are raised, where needed, to give each stage at least this many Adam steps: a small data
    /// set still trains, a large one is not over-trained.
    var minimumSteps: [Int]

    /// BLAS threads: the fast preset's matrix products are too small to share (OpenBLAS's second thread only
    /// spins and yields), the paper's are large.
    static let presets: [String: (filters: Int, epochs: String, minimumSteps: String, threads: Int)] = [
        "paper": (256, "40,25,25", "0,0,0", 0), "fast": (8, "2,1,1", "300,100,50", 1),
    ]

    init(_ parameters: ParameterValues, features: Int, classes: Int) throws {
        let presetName = parameters["preset"] ?? "fast"
        guard let preset = Self.presets[presetName] else { throw USVError.usage("cnn: preset must be fast or paper, not '\(presetName)'") }
        // The user's value, or the preset's where the parameter is left at `preset`.
        var resolved = parameters.values
        for (name, value) in [("filters", String(preset.filters)), ("epochs", preset.epochs), ("minimum-steps", preset.minimumSteps),
                              ("threads", String(preset.threads))] where resolved[name] == nil || resolved[name] == "preset" {
            resolved[name] = value
        }
        let values = ParameterValues(resolved)
        let filters = try values.int("filters"), kernels = try values.intList("kernels"), strides = try values.intList("strides")
        let dense = try values.intList("dense")
        let height = try values.int("height"), width = try values.int("width")
        guard filters > 0, kernels.count == strides.count, !kernels.isEmpty, (kernels + strides + dense).allSatisfy({ $0 > 0 }) else {
            throw USVError.usage("cnn: filters, kernels, strides and dense units must be positive, "
                + "and kernels and strides lists of the same length")
        }
        guard height > 0, width > 0, height * width == features else {
            throw USVError.usage("cnn: the inputs have \(features) values, not a \(height) × \(width) image; "
                + "train on --features feature.dnn-input (usv features --plugin feature.dnn-input first)")
        }
        architecture = ConvolutionalArchitecture(
            input: ImageShape(height: height, width: width, channels: 1),
            convolutions: zip(kernels, strides).map { .init(filters: filters, kernel: $0, stride: $1) }, dense: dense, classes: classes)
        stages = try TrainingStage.stages(values)
        minimumSteps = try values.intList("minimum-steps")
        guard minimumSteps.count == stages.count, minimumSteps.allSatisfy({ $0 >= 0 }) else {
            throw USVError.usage("cnn: minimum-steps '\(values["minimum-steps"] ?? "")' must list one whole number ≥ 0 per training stage")
        }
        batch = try values.int("batch")
        guard batch > 1 else { throw USVError.usage("cnn: batch must be at least 2 (batch norm needs a spread)") }
        guard let augment = Bool(values["augment"] ?? "true") else { throw USVError.usage("cnn: augment must be true or false") }
        self.augment = augment
        let requested = try values.int("threads")
        threads = requested > 0 ? requested : ProcessInfo.processInfo.activeProcessorCount
    }

    /// The stages for `samples` training samples, epochs raised to reach the minimum steps.
    func stages(forSamples samples: Int) -> [TrainingStage] {
        let batchesPerEpoch = max(1, (samples + batch - 1) / batch)
        return zip(stages, minimumSteps).map { stage, steps in
            var raised = stage
            raised.epochs = max(stage.epochs, (steps + batchesPerEpoch - 1) / batchesPerEpoch)
            return raised
        }
    }
}
