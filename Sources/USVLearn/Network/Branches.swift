import Foundation

/// Runs parallel branches over consecutive column ranges of the input and concatenates their outputs: a
/// network with several inputs (say, three vectors through 1-D convolutions beside scalar features) as one
/// layer. A branch of no layers passes its columns through.
public final class Branches: Layer {
    public struct Branch {
        public var columns: Int
        public var network: Sequential
        public var outputs: Int

        public init(columns: Int, network: Sequential, outputs: Int) {
            self.columns = columns
            self.network = network
            self.outputs = outputs
        }
    }

    public let branches: [Branch]
    private var outputBatch = Batch(zeros: 0, 0)
    private var inputGradient = Batch(zeros: 0, 0)

    public init(_ branches: [Branch]) { self.branches = branches }

    public var inputs: Int { branches.reduce(0) { $0 + $1.columns } }
    public var outputs: Int { branches.reduce(0) { $0 + $1.outputs } }
    public var parameters: [Parameter] { branches.flatMap(\.network.parameters) }

    public func forward(_ batch: Batch, training: Bool) -> Batch {
        let rows = batch.rows, total = outputs, width = inputs
        if outputBatch.rows != rows { outputBatch = Batch(zeros: rows, total) }
        var inputOffset = 0, outputOffset = 0
        for branch in branches {
            var part = Batch(zeros: rows, branch.columns)
            for row in 0..<rows {
                for column in 0..<branch.columns { part.values[row * branch.columns + column] = batch.values[row * width + inputOffset + column] }
            }
            let result = branch.network.forward(part, training: training)
            for row in 0..<rows {
                for column in 0..<branch.outputs { outputBatch.values[row * total + outputOffset + column] = result.values[row * branch.outputs + column] }
            }
            inputOffset += branch.columns
            outputOffset += branch.outputs
        }
        return outputBatch
    }

    public func backward(_ gradient: Batch) -> Batch {
        let rows = gradient.rows, total = outputs, width = inputs
        if inputGradient.rows != rows { inputGradient = Batch(zeros: rows, width) }
        var inputOffset = 0, outputOffset = 0
        for branch in branches {
            var part = Batch(zeros: rows, branch.outputs)
            for row in 0..<rows {
                for column in 0..<branch.outputs { part.values[row * branch.outputs + column] = gradient.values[row * total + outputOffset + column] }
            }
            let back = branch.network.layers.isEmpty ? part : branch.network.backward(part)
            for row in 0..<rows {
                for column in 0..<branch.columns { inputGradient.values[row * width + inputOffset + column] = back.values[row * branch.columns + column] }
            }
            inputOffset += branch.columns
            outputOffset += branch.outputs
        }
        return inputGradient
    }
}
