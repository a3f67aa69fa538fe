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
        // Layers of 70 units are too small for threaded BLAS (its threads would only spin): one thread.
        LinearAlgebra.setThreads(1)
        var random = SeededRandom(seed: seed)
        let (network, dropouts) = Self.network(inputs: samples.x.columns, hidden: hidden, depth: depth, classes: samples.classes,
                                               seed: seed, random: &random)

        let x = Batch(rows: samples.x.rows, columns: samples.x.columns, values: samples.x.values.map(Float.init))
        let counts = (0..<samples.classes).map { label in samples.labels.filter { $0 == label }.count }
        let loss: Loss
        if samples.classes == 2 {
            loss = .binaryCrossEntropy(positive: Float(counts[0]) / Float(max(1, counts[1])), negative: 1)
        } else {
            let total = Float(samples.labels.count)
            loss = .categoricalCrossEntropy(weights: counts.map { total / Float(samples.classes * max(1, $0)) })
        }
        var stage1 = Optimizer(.adam, learningRate: rate1)
        network.train(x, labels: samples.labels, loss: loss, optimizer: &stage1, epochs: epochs1, batchSize: batchSize, random: &random)
        for dropout in dropouts { dropout.rate = dropoutRate }
        var stage2 = Optimizer(.adam, learningRate: rate2)
        network.train(x, labels: samples.labels, loss: loss, optimizer: &stage2, epochs: epochs2, batchSize: batchSize, random: &random)
        return FittedMLP(network: network, classes: samples.classes)
    }
}

extension FeatureMLPModel {
    /// The architecture: `depth` × (dense → batch norm → ReLU → dropout), then the output layer.
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
        for (index, layer) in network.layers.enumerated() {
            for (position, parameter) in layer.parameters.enumerated() {
                parameter.value = try arrays.require("layer\(index)/parameter\(position)", count: parameter.value.count).map(Float.init)
            }
            if let normalisation = layer as? BatchNormalization {
                try normalisation.restoreStatistics(
                    mean: arrays.require("layer\(index)/running-mean", count: normalisation.features).map(Float.init),
                    variance: arrays.require("layer\(index)/running-variance", count: normalisation.features).map(Float.init))
            }
        }
        return FittedMLP(network: network, classes: classes)
    }
}

/// A trained MLP: class probabilities.
public struct FittedMLP: FittedModel {
    public let network: Sequential
    public let classes: Int
    public var scoresAreProbabilities: Bool { true }

    public func exportArrays() -> [String: NamedArray] {
        var arrays: [String: NamedArray] = [:]
        for (index, layer) in network.layers.enumerated() {
            for (position, parameter) in layer.parameters.enumerated() {
                arrays["layer\(index)/parameter\(position)"] = NamedArray(parameter.value.map(Double.init), shape: [parameter.value.count])
            }
            if let normalisation = layer as? BatchNormalization {
                arrays["layer\(index)/running-mean"] = NamedArray(normalisation.runningMean.map(Double.init), shape: [normalisation.features])
                arrays["layer\(index)/running-variance"] = NamedArray(normalisation.runningVariance.map(Double.init), shape: [normalisation.features])
            }
        }
        return arrays
    }

    public func scores(_ x: DesignMatrix) -> [Double] {
        let logits = network.predictLogits(Batch(rows: x.rows, columns: x.columns, values: x.values.map(Float.init)))
        if classes == 2 {
            return logits.values.flatMap { z -> [Double] in
                let p = 1 / (1 + exp(-Double(z)))
                return [1 - p, p]
            }
        }
        return (0..<x.rows).flatMap { row -> [Double] in
            let slice = logits.values[(row * classes)..<((row + 1) * classes)].map(Double.init)
            let largest = slice.max() ?? 0
            let exponentials = slice.map { exp($0 - largest) }
            let sum = exponentials.reduce(0, +)
            return exponentials.map { $0 / sum }
        }
    }
}
