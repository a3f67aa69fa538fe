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

    /// The columns `range` of every row.
    static func columns(_ range: Range<Int>, of batch: Batch) -> Batch {
        var part = Batch(zeros: batch.rows, range.count)
        for row in 0..<batch.rows {
            part.values.replaceSubrange((row * range.count)..<((row + 1) * range.count),
                                        with: batch.values[(row * batch.columns + range.lowerBound)..<(row * batch.columns + range.upperBound)])
        }
        return part
    }

    /// Writes `part`'s columns into `batch` from column `offset` on, row by row.
    static func place(_ part: Batch, at offset: Int, in batch: inout Batch) {
        for row in 0..<part.rows {
            batch.values.replaceSubrange((row * batch.columns + offset)..<(row * batch.columns + offset + part.columns),
                                         with: part.values[(row * part.columns)..<((row + 1) * part.columns)])
        }
    }

    public func forward(_ batch: Batch, training: Bool) -> Batch {
        let rows = batch.rows, total = outputs
        if outputBatch.rows != rows { outputBatch = Batch(zeros: rows, total) }
        var inputOffset = 0, outputOffset = 0
        for branch in branches {
            let part = Self.columns(inputOffset..<(inputOffset + branch.columns), of: batch)
            let result = branch.network.forward(part, training: training)
            Self.place(result, at: outputOffset, in: &outputBatch)
            inputOffset += branch.columns
            outputOffset += branch.outputs
        }
        return outputBatch
    }

    public func backward(_ gradient: Batch) -> Batch {
        let rows = gradient.rows, width = inputs
        if inputGradient.rows != rows { inputGradient = Batch(zeros: rows, width) }
        var inputOffset = 0, outputOffset = 0
        for branch in branches {
            let part = Self.columns(outputOffset..<(outputOffset + branch.outputs), of: gradient)
            Self.place(branch.network.backward(part), at: inputOffset, in: &inputGradient)
            inputOffset += branch.columns
            outputOffset += branch.outputs
        }
        return inputGradient
    }
}
