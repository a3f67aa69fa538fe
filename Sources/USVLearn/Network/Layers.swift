import CBLAS
import Foundation
import USVCore

/// A batch of row vectors: `rows` samples × `columns` features, Float32, row-major, contiguous.
public struct Batch: Sendable, Equatable {
    public var rows: Int
    public var columns: Int
    public var values: [Float]

    public init(rows: Int, columns: Int, values: [Float]) {
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    public init(zeros rows: Int, _ columns: Int) {
        self.init(rows: rows, columns: columns, values: [Float](repeating: 0, count: rows * columns))
    }
}

/// C = op(A)·op(B) (+ C when `accumulate`) through cblas_sgemm; all row-major.
func multiply(_ a: [Float], _ aRows: Int, _ aColumns: Int, transposeA: Bool,
              _ b: [Float], _ bRows: Int, _ bColumns: Int, transposeB: Bool,
              into c: inout [Float], accumulate: Bool = false) {
    let m = transposeA ? aColumns : aRows
    let k = transposeA ? aRows : aColumns
    let n = transposeB ? bRows : bColumns
    guard m > 0, n > 0, k > 0 else { return }
    a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in
            c.withUnsafeMutableBufferPointer { pc in
                cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                            Int32(m), Int32(n), Int32(k), 1, pa.baseAddress, Int32(aColumns), pb.baseAddress, Int32(bColumns),
                            accumulate ? 1 : 0, pc.baseAddress, Int32(n))
            }
        }
    }
}

/// A trainable parameter with its gradient and optimiser state.
public final class Parameter: @unchecked Sendable {
    // Mutated only by the single thread that trains the network that owns it.
    public var value: [Float]
    public var gradient: [Float]
    var firstMoment: [Float]
    var secondMoment: [Float]

    init(_ value: [Float]) {
        self.value = value
        gradient = [Float](repeating: 0, count: value.count)
        firstMoment = gradient
        secondMoment = gradient
    }
}

/// One layer of a feed-forward network. `forward` keeps what `backward` needs; buffers are reused across
/// batches of the same size, so the training loop does not allocate per step.
public protocol Layer: AnyObject {
    func forward(_ input: Batch, training: Bool) -> Batch
    /// Takes dLoss/dOutput, accumulates parameter gradients, returns dLoss/dInput.
    func backward(_ gradient: Batch) -> Batch
    var parameters: [Parameter] { get }
}

/// y = x·W + b. Weights He-normal (truncated at two standard deviations, as TensorFlow's `he_normal`).
public final class Dense: Layer {
    public let inputs: Int
    public let outputs: Int
    public let weights: Parameter
    public let bias: Parameter
    private var input = Batch(zeros: 0, 0)
    private var output = Batch(zeros: 0, 0)
    private var inputGradient = Batch(zeros: 0, 0)

    public init(_ inputs: Int, _ outputs: Int, random: inout SeededRandom) {
        self.inputs = inputs
        self.outputs = outputs
        // TensorFlow divides by 0.8796… so that the truncated normal keeps the intended variance.
        let deviation = (2 / Double(inputs)).squareRoot() / 0.879_625_661_034_239_78
        weights = Parameter((0..<(inputs * outputs)).map { _ in Float(random.truncatedNormal() * deviation) })
        bias = Parameter([Float](repeating: 0, count: outputs))
    }

    public var parameters: [Parameter] { [weights, bias] }

    public func forward(_ input: Batch, training: Bool) -> Batch {
        self.input = input
        if output.rows != input.rows { output = Batch(zeros: input.rows, outputs) }
        for row in 0..<input.rows {
            for column in 0..<outputs { output.values[row * outputs + column] = bias.value[column] }
        }
        multiply(input.values, input.rows, inputs, transposeA: false, weights.value, inputs, outputs, transposeB: false,
                 into: &output.values, accumulate: true)
        return output
    }

    public func backward(_ gradient: Batch) -> Batch {
        multiply(input.values, input.rows, inputs, transposeA: true, gradient.values, gradient.rows, outputs, transposeB: false,
                 into: &weights.gradient, accumulate: true)
        for row in 0..<gradient.rows {
            for column in 0..<outputs { bias.gradient[column] += gradient.values[row * outputs + column] }
        }
        if inputGradient.rows != gradient.rows { inputGradient = Batch(zeros: gradient.rows, inputs) }
        multiply(gradient.values, gradient.rows, outputs, transposeA: false, weights.value, inputs, outputs, transposeB: true,
                 into: &inputGradient.values)
        return inputGradient
    }
}

/// Batch normalisation over the batch per feature: batch statistics while training, running averages
/// (momentum 0.99, ε 0.001, TensorFlow's defaults) at inference.
public final class BatchNormalization: Layer {
    public let features: Int
    public let scale: Parameter
    public let shift: Parameter
    public private(set) var runningMean: [Float]
    public private(set) var runningVariance: [Float]
    public var momentum: Float = 0.99
    public var epsilon: Float = 0.001
    private var normalised = Batch(zeros: 0, 0)
    private var inverseDeviation: [Float] = []
    private var output = Batch(zeros: 0, 0)
    private var inputGradient = Batch(zeros: 0, 0)

    public init(_ features: Int) {
        self.features = features
        scale = Parameter([Float](repeating: 1, count: features))
        shift = Parameter([Float](repeating: 0, count: features))
        runningMean = [Float](repeating: 0, count: features)
        runningVariance = [Float](repeating: 1, count: features)
    }

    public var parameters: [Parameter] { [scale, shift] }

    /// Restores the running statistics of a trained layer (model files).
    public func restoreStatistics(mean: [Float], variance: [Float]) throws {
        guard mean.count == features, variance.count == features else {
            throw USVError.unusable(path: "model file", reason: "batch-norm statistics of \(mean.count) features, expected \(features)")
        }
        runningMean = mean
        runningVariance = variance
    }

    public func forward(_ input: Batch, training: Bool) -> Batch {
        let n = input.rows
        if output.rows != n { output = Batch(zeros: n, features); normalised = Batch(zeros: n, features) }
        inverseDeviation = [Float](repeating: 0, count: features)
        for column in 0..<features {
            var mean: Float, variance: Float
            if training {
                mean = 0
                for row in 0..<n { mean += input.values[row * features + column] }
                mean /= Float(max(1, n))
                variance = 0
                for row in 0..<n {
                    let d = input.values[row * features + column] - mean
                    variance += d * d
                }
                variance /= Float(max(1, n))
                runningMean[column] = momentum * runningMean[column] + (1 - momentum) * mean
                runningVariance[column] = momentum * runningVariance[column] + (1 - momentum) * variance
            } else {
                mean = runningMean[column]
                variance = runningVariance[column]
            }
            let inverse = 1 / (variance + epsilon).squareRoot()
            inverseDeviation[column] = inverse
            for row in 0..<n {
                let index = row * features + column
                let x = (input.values[index] - mean) * inverse
                normalised.values[index] = x
                output.values[index] = scale.value[column] * x + shift.value[column]
            }
        }
        return output
    }

    public func backward(_ gradient: Batch) -> Batch {
        let n = gradient.rows
        if inputGradient.rows != n { inputGradient = Batch(zeros: n, features) }
        for column in 0..<features {
            var sumGradient: Float = 0, sumGradientX: Float = 0
            for row in 0..<n {
                let index = row * features + column
                sumGradient += gradient.values[index]
                sumGradientX += gradient.values[index] * normalised.values[index]
            }
            scale.gradient[column] += sumGradientX
            shift.gradient[column] += sumGradient
            let factor = scale.value[column] * inverseDeviation[column] / Float(n)
            for row in 0..<n {
                let index = row * features + column
                inputGradient.values[index] = factor * (Float(n) * gradient.values[index] - sumGradient
                    - normalised.values[index] * sumGradientX)
            }
        }
        return inputGradient
    }
}

public final class ReLU: Layer {
    private var output = Batch(zeros: 0, 0)
    private var inputGradient = Batch(zeros: 0, 0)

    public init() {}

    public var parameters: [Parameter] { [] }

    public func forward(_ input: Batch, training: Bool) -> Batch {
        output = input
        for index in output.values.indices where output.values[index] < 0 { output.values[index] = 0 }
        return output
    }

    public func backward(_ gradient: Batch) -> Batch {
        inputGradient = gradient
        for index in inputGradient.values.indices where output.values[index] <= 0 { inputGradient.values[index] = 0 }
        return inputGradient
    }
}

/// Inverted dropout: while training, each unit is kept with probability 1 − rate and scaled by 1/(1 − rate);
/// the identity at inference. The mask comes from the network's seeded generator.
public final class Dropout: Layer {
    public var rate: Float
    private var mask: [Float] = []
    private var output = Batch(zeros: 0, 0)
    private var random: SeededRandom

    public init(rate: Float, seed: UInt64) {
        self.rate = rate
        random = SeededRandom(seed: seed)
    }

    public var parameters: [Parameter] { [] }

    public func forward(_ input: Batch, training: Bool) -> Batch {
        guard training, rate > 0 else { mask = []; return input }
        let keep = 1 - rate
        if mask.count != input.values.count { mask = [Float](repeating: 0, count: input.values.count) }
        output = input
        for index in mask.indices {
            mask[index] = Float(random.unit()) < keep ? 1 / keep : 0
            output.values[index] *= mask[index]
        }
        return output
    }

    public func backward(_ gradient: Batch) -> Batch {
        guard !mask.isEmpty else { return gradient }
        var result = gradient
        for index in result.values.indices { result.values[index] *= mask[index] }
        return result
    }
}

extension SeededRandom {
    /// Uniform in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// Standard normal redrawn outside ±2 (TensorFlow's truncated normal).
    public mutating func truncatedNormal() -> Double {
        while true {
            let u = max(unit(), 1e-300), v = unit()
            let z = (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
            if abs(z) <= 2 { return z }
        }
    }
}
