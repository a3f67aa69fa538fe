import Foundation
import USVCore

/// One stage of a training schedule: the paper's networks train in stages resumed from each other, each with
/// its own learning rate and dropout (a fresh Adam state per stage).
public struct TrainingStage: Sendable, Hashable {
    public var epochs: Int
    public var learningRate: Float
    public var dropout: Float

    public init(epochs: Int, learningRate: Float, dropout: Float) {
        self.epochs = epochs
        self.learningRate = learningRate
        self.dropout = dropout
    }

    /// Stages from a network plugin's `epochs`, `learning-rates` and `dropouts` parameters: lists of equal
    /// length ("40,25,25", "0.001,0.0001,0.00001", "0,0.5,0.7").
    public static func stages(_ parameters: ParameterValues) throws -> [TrainingStage] {
        let e = try parameters.intList("epochs"), r = try parameters.doubleList("learning-rates"), d = try parameters.doubleList("dropouts")
        guard e.count == r.count, e.count == d.count, e.allSatisfy({ $0 >= 0 }), r.allSatisfy({ $0 > 0 }),
              d.allSatisfy({ (0..<1).contains($0) }) else {
            throw USVError.usage("training stages: epochs '\(parameters["epochs"] ?? "")', learning rates "
                + "'\(parameters["learning-rates"] ?? "")' and dropouts '\(parameters["dropouts"] ?? "")' must be lists of the same "
                + "length (epochs ≥ 0, rates > 0, 0 ≤ dropout < 1)")
        }
        return e.indices.map { TrainingStage(epochs: e[$0], learningRate: Float(r[$0]), dropout: Float(d[$0])) }
    }
}

extension Loss {
    /// The paper's class-weighted loss for `labels` of `classes` classes: binary cross-entropy with the
    /// positive class weighted by the negative/positive ratio, or softmax cross-entropy with inverse-frequency
    /// weights.
    public static func classWeighted(labels: [Int], classes: Int) -> Loss {
        let counts = (0..<classes).map { label in labels.filter { $0 == label }.count }
        if classes == 2 { return .binaryCrossEntropy(positive: Float(counts[0]) / Float(max(1, counts[1])), negative: 1) }
        let total = Float(labels.count)
        return .categoricalCrossEntropy(weights: counts.map { total / Float(classes * max(1, $0)) })
    }
}

extension Sequential {
    /// Trains through `stages` in order (the dropout layers take each stage's rate); `augment`, when given,
    /// transforms every training mini-batch (fresh each epoch). Returns the mean loss per epoch.
    @discardableResult
    public func train(_ x: Batch, labels: [Int], loss: Loss, stages: [TrainingStage], dropouts: [Dropout], batchSize: Int,
                      random: inout SeededRandom, augment: ((inout Batch, inout SeededRandom) -> Void)? = nil) -> [Float] {
        var history: [Float] = []
        for stage in stages {
            for dropout in dropouts { dropout.rate = stage.dropout }
            var optimizer = Optimizer(.adam, learningRate: stage.learningRate)
            history += train(x, labels: labels, loss: loss, optimizer: &optimizer, epochs: stage.epochs, batchSize: batchSize,
                             random: &random, augment: augment)
        }
        return history
    }

    /// The parameters and batch-norm running statistics by layer, for model files.
    public func exportArrays() -> [String: NamedArray] {
        var arrays: [String: NamedArray] = [:]
        func visit(_ network: Sequential, prefix: String) {
            for (index, layer) in network.layers.enumerated() {
                for (position, parameter) in layer.parameters.enumerated() where !(layer is Branches) {
                    arrays["\(prefix)layer\(index)/parameter\(position)"] = NamedArray(parameter.value.map(Double.init), shape: [parameter.value.count])
                }
                if let normalisation = layer as? BatchNormalization {
                    arrays["\(prefix)layer\(index)/running-mean"] = NamedArray(normalisation.runningMean.map(Double.init), shape: [normalisation.features])
                    arrays["\(prefix)layer\(index)/running-variance"] = NamedArray(normalisation.runningVariance.map(Double.init), shape: [normalisation.features])
                }
                if let branches = layer as? Branches {
                    for (number, branch) in branches.branches.enumerated() { visit(branch.network, prefix: "\(prefix)layer\(index)/branch\(number)/") }
                }
            }
        }
        visit(self, prefix: "")
        return arrays
    }

    /// Loads what `exportArrays` wrote into a network of the same architecture.
    public func restore(_ arrays: [String: NamedArray]) throws {
        func visit(_ network: Sequential, prefix: String) throws {
            for (index, layer) in network.layers.enumerated() {
                if let branches = layer as? Branches {
                    for (number, branch) in branches.branches.enumerated() { try visit(branch.network, prefix: "\(prefix)layer\(index)/branch\(number)/") }
                    continue
                }
                for (position, parameter) in layer.parameters.enumerated() {
                    parameter.value = try arrays.require("\(prefix)layer\(index)/parameter\(position)", count: parameter.value.count).map(Float.init)
                }
                if let normalisation = layer as? BatchNormalization {
                    try normalisation.restoreStatistics(
                        mean: arrays.require("\(prefix)layer\(index)/running-mean", count: normalisation.features).map(Float.init),
                        variance: arrays.require("\(prefix)layer\(index)/running-variance", count: normalisation.features).map(Float.init))
                }
            }
        }
        try visit(self, prefix: "")
    }
}

/// A trained network as a `FittedModel`: class probabilities from a sigmoid (two classes, one logit) or a
/// softmax, computed in inference batches.
public struct FittedNetwork: FittedModel {
    public let network: Sequential
    public let classes: Int
    /// Threads for inference (`LinearAlgebra.withThreads`): the same count gives the same scores.
    public let threads: Int
    public var scoresAreProbabilities: Bool { true }

    public init(network: Sequential, classes: Int, threads: Int = 1) {
        self.network = network
        self.classes = classes
        self.threads = threads
    }

    public func exportArrays() -> [String: NamedArray] { network.exportArrays() }

    public func scores(_ x: DesignMatrix) -> [Double] {
        let logits = LinearAlgebra.withThreads(threads) {
            network.predictLogits(Batch(rows: x.rows, columns: x.columns, values: x.values.map(Float.init)), batchSize: 256)
        }
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
