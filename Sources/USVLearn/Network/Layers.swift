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
        // Kept only until backward: a reference held longer would make the producer copy its buffer next step.
        if training { self.input = input }
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
        input = Batch(zeros: 0, 0)
        return inputGradient
    }
}

/// max(0, x), into a buffer reused across batches.
public final class ReLU: Layer {
    private var output = Batch(zeros: 0, 0)
    private var inputGradient = Batch(zeros: 0, 0)

    public init() {}

    public var parameters: [Parameter] { [] }

    public func forward(_ input: Batch, training: Bool) -> Batch {
        if output.values.count != input.values.count { output = input }
        output.rows = input.rows
        output.columns = input.columns
        input.values.withUnsafeBufferPointer { x in
            output.values.withUnsafeMutableBufferPointer { y in
                for index in 0..<x.count { y[index] = max(0, x[index]) }
            }
        }
        return output
    }

    public func backward(_ gradient: Batch) -> Batch {
        if inputGradient.values.count != gradient.values.count { inputGradient = gradient }
        inputGradient.rows = gradient.rows
        inputGradient.columns = gradient.columns
        gradient.values.withUnsafeBufferPointer { dy in
            output.values.withUnsafeBufferPointer { y in
                inputGradient.values.withUnsafeMutableBufferPointer { dx in
                    for index in 0..<dy.count {
                        let (g, pass) = (dy[index], y[index] > 0)  // both loads unconditional: vectorises
                        dx[index] = pass ? g : 0
                    }
                }
            }
        }
        return inputGradient
    }
}

/// Inverted dropout: while training, each unit is kept with probability 1 − rate and scaled by 1/(1 − rate);
/// the identity at inference. The mask comes from the network's seeded generator.
public final class Dropout: Layer {
    public var rate: Float
    private var mask: [Float] = []
    private var output = Batch(zeros: 0, 0)
    private var inputGradient = Batch(zeros: 0, 0)
    private var random: SeededRandom

    public init(rate: Float, seed: UInt64) {
        self.rate = rate
        random = SeededRandom(seed: seed)
    }

    public var parameters: [Parameter] { [] }

    public func forward(_ input: Batch, training: Bool) -> Batch {
        guard training, rate > 0 else { mask = []; return input }
        let keep = 1 - rate
        if mask.count != input.values.count { mask = [Float](repeating: 0, count: input.values.count); output = input }
        output.rows = input.rows
        output.columns = input.columns
        for index in mask.indices {
            mask[index] = Float(random.unit()) < keep ? 1 / keep : 0
            output.values[index] = input.values[index] * mask[index]
        }
        return output
    }

    public func backward(_ gradient: Batch) -> Batch {
        guard !mask.isEmpty else { return gradient }
        if inputGradient.values.count != gradient.values.count { inputGradient = gradient }
        inputGradient.rows = gradient.rows
        inputGradient.columns = gradient.columns
        for index in mask.indices { inputGradient.values[index] = gradient.values[index] * mask[index] }
        return inputGradient
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
