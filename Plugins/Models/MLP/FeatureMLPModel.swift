import Foundation
import USVCore
import USVLearn

/// The paper's features → sex network: `layers` fully connected layers of `hidden` units (4 × 70), each
/// dense → batch normalisation → ReLU → dropout, then one logit (sigmoid; softmax for more classes).
/// Class-weighted cross-entropy (the positive weight from the training fold's class ratio), Adam, batch 64,
/// He-normal initialisation, and the two-stage schedule: `epochs-1` at learning rate 1e-3 without dropout,
/// then `epochs-2` at 1e-4 with dropout 0.5. Deterministic for a seed.
public struct FeatureMLPModel: ModelPlugin {
    public static let descriptor = PluginDescriptor(
        id: "model.mlp", version: "1.0.0", kind: .model,
        summary: "Features → class MLP: 4 dense layers of 70 with batch norm, ReLU, dropout; Adam; two-stage schedule",
        capabilities: ["train", "predict", "seeded", "gradient-checked"],
        parameters: [
            PluginParameter("hidden", type: "int", default: "70", "units per hidden layer"),
            PluginParameter("layers", type: "int", default: "4", "hidden layers"),
            PluginParameter("epochs-1", type: "int", default: "40", "epochs of stage 1 (learning rate 1e-3, no dropout)"),
            PluginParameter("epochs-2", type: "int", default: "20", "epochs of stage 2 (learning rate 1e-4, dropout)"),
            PluginParameter("learning-rate-1", type: "double", default: "0.001", "stage 1 learning rate"),
            PluginParameter("learning-rate-2", type: "double", default: "0.0001", "stage 2 learning rate"),
            PluginParameter("dropout", type: "double", default: "0.5", "dropout rate of stage 2"),
            PluginParameter("batch", type: "int", default: "64", "mini-batch size"),
        ])

    public static let tasks = ModelTask.allCases
    public static let inputs = ["scalar-features"]

    public init() {}

    public func fit(_ samples: LabelledSamples, parameters: ParameterValues, seed: UInt64) throws -> any FittedModel {
        let hidden = try parameters.int("hidden"), depth = try parameters.int("layers")
        let epochs1 = try parameters.int("epochs-1"), epochs2 = try parameters.int("epochs-2")
        let rate1 = Float(try parameters.double("learning-rate-1")), rate2 = Float(try parameters.double("learning-rate-2"))
        let dropoutRate = Float(try parameters.double("dropout")), batchSize = try parameters.int("batch")
        guard hidden > 0, depth > 0, epochs1 >= 0, epochs2 >= 0, batchSize > 1, (0..<1).contains(dropoutRate) else {
            throw USVError.usage("mlp: hidden, layers and batch must be positive (batch ≥ 2), epochs ≥ 0, 0 ≤ dropout < 1")
        }
        var random = SeededRandom(seed: seed)
        let (network, dropouts) = Self.network(inputs: samples.x.columns, hidden: hidden, depth: depth, classes: samples.classes,
                                               seed: seed, random: &random)

        let x = Batch(rows: samples.x.rows, columns: samples.x.columns, values: samples.x.values.map(Float.init))
        let stages = [TrainingStage(epochs: epochs1, learningRate: rate1, dropout: 0),
                      TrainingStage(epochs: epochs2, learningRate: rate2, dropout: dropoutRate)]
        // Layers of 70 units are too small for threaded BLAS (its threads would only spin): one thread.
        LinearAlgebra.withThreads(1) {
            network.train(x, labels: samples.labels, loss: .classWeighted(labels: samples.labels, classes: samples.classes),
                          stages: stages, dropouts: dropouts, batchSize: batchSize, random: &random)
        }
        return FittedNetwork(network: network, classes: samples.classes)
    }
}

extension FeatureMLPModel {
    /// The architecture: `depth` × (dense → batch norm → ReLU → dropout), then the output layer. Like
    /// `ClassifierHead` but with ReLU as a layer of its own: saved MLP model files number their layers so.
    static func network(inputs: Int, hidden: Int, depth: Int, classes: Int, seed: UInt64,
                        random: inout SeededRandom) -> (Sequential, [Dropout]) {
        var layers: [any Layer] = []
        var dropouts: [Dropout] = []
        var width = inputs
        for index in 0..<depth {
            layers.append(Dense(width, hidden, random: &random))
            layers.append(BatchNormalization(hidden))
            layers.append(ReLU())
            let dropout = Dropout(rate: 0, seed: seed &+ UInt64(index + 1))
            dropouts.append(dropout)
            layers.append(dropout)
            width = hidden
        }
        layers.append(Dense(width, classes == 2 ? 1 : classes, random: &random))
        return (Sequential(layers), dropouts)
    }

    public func restore(_ arrays: [String: NamedArray], features: Int, classes: Int, parameters: ParameterValues) throws -> any FittedModel {
        var random = SeededRandom(seed: 0)
        let (network, _) = Self.network(inputs: features, hidden: try parameters.int("hidden"), depth: try parameters.int("layers"),
                                        classes: classes, seed: 0, random: &random)
        try network.restore(arrays)
        return FittedNetwork(network: network, classes: classes)
    }
}
