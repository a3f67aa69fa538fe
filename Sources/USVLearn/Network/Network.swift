import Foundation

/// Losses on the network's logits (numerically stable forms).
public enum Loss: Sendable {
    /// Binary cross-entropy of sigmoid(logit), one logit per sample, with weights for class 1 and class 0
    /// (TensorFlow's `weighted_cross_entropy_with_logits` with `pos_weight` when `negative` = 1).
    case binaryCrossEntropy(positive: Float, negative: Float)
    /// Cross-entropy of softmax(logits) with a weight per class.
    case categoricalCrossEntropy(weights: [Float])

    /// Mean loss over the batch and dLoss/dLogits.
    public func evaluate(_ logits: Batch, labels: [Int]) -> (loss: Float, gradient: Batch) {
        var gradient = Batch(zeros: logits.rows, logits.columns)
        var total: Float = 0
        let n = Float(max(1, logits.rows))
        switch self {
        case .binaryCrossEntropy(let positive, let negative):
            for row in 0..<logits.rows {
                let z = logits.values[row]
                let y: Float = labels[row] == 1 ? 1 : 0
                let weight = y == 1 ? positive : negative
                // log(1 + e^{-|z|}) + max(z, 0) − z·y is −[y log σ(z) + (1 − y) log(1 − σ(z))].
                total += weight * (log1p(exp(-abs(z))) + max(z, 0) - z * y)
                let sigmoid = 1 / (1 + exp(-z))
                gradient.values[row] = weight * (sigmoid - y) / n
            }
        case .categoricalCrossEntropy(let weights):
            let classes = logits.columns
            for row in 0..<logits.rows {
                let slice = logits.values[(row * classes)..<((row + 1) * classes)]
                let largest = slice.max() ?? 0
                let exponentials = slice.map { exp($0 - largest) }
                let sum = exponentials.reduce(0, +)
                let label = labels[row]
                let weight = label < weights.count ? weights[label] : 1
                total += weight * (log(sum) - (slice[slice.startIndex + label] - largest))
                for column in 0..<classes {
                    let probability = exponentials[column] / sum
                    gradient.values[row * classes + column] = weight * (probability - (column == label ? 1 : 0)) / n
                }
            }
        }
        return (total / n, gradient)
    }
}

/// Adam in Keras's form (β1 0.9, β2 0.999, ε 1e-7: the step size carries the bias corrections, ε is added to
/// √v unscaled), or plain SGD; optional L2 on weights. Keras's form is what the paper's networks were trained
/// with, and one step from the same state gives the same weights (test `TensorFlowParityTests`).
public struct Optimizer: Sendable {
    public enum Kind: Sendable { case adam, sgd }
    public var kind: Kind
    public var learningRate: Float
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-7
    public var l2: Float = 0
    public private(set) var step = 0

    public init(_ kind: Kind, learningRate: Float, l2: Float = 0) {
        self.kind = kind
        self.learningRate = learningRate
        self.l2 = l2
    }

    /// Applies one step from the accumulated gradients and zeroes them.
    public mutating func apply(to parameters: [Parameter]) {
        step += 1
        let t = Double(step)
        let stepSize = Float(Double(learningRate) * (1 - pow(Double(beta2), t)).squareRoot() / (1 - pow(Double(beta1), t)))
        let (beta1, beta2, epsilon, l2, rate, kind) = (beta1, beta2, epsilon, l2, learningRate, kind)
        for parameter in parameters {
            let count = parameter.value.count
            parameter.value.withUnsafeMutableBufferPointer { value in
                parameter.gradient.withUnsafeMutableBufferPointer { gradient in
                    parameter.firstMoment.withUnsafeMutableBufferPointer { m in
                        parameter.secondMoment.withUnsafeMutableBufferPointer { v in
                            for index in 0..<count {
                                let g = gradient[index] + l2 * value[index]
                                gradient[index] = 0
                                switch kind {
                                case .sgd:
                                    value[index] -= rate * g
                                case .adam:
                                    m[index] += (g - m[index]) * (1 - beta1)
                                    v[index] += (g * g - v[index]) * (1 - beta2)
                                    value[index] -= stepSize * m[index] / (v[index].squareRoot() + epsilon)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Layers applied in order.
public final class Sequential: @unchecked Sendable {
    // Layers keep their buffers between calls (a layer keeps its input until backward; outputs are reused), so one
    // thread at a time runs them: training owns the network, and `predictLogits` — what a fitted model's `scores`
    // calls, possibly from several threads at once — holds `running` while it runs them.
    public let layers: [any Layer]
    private let running = NSLock()

    public init(_ layers: [any Layer]) { self.layers = layers }

    public var parameters: [Parameter] { layers.flatMap(\.parameters) }

    public func forward(_ input: Batch, training: Bool) -> Batch {
        layers.reduce(input) { $1.forward($0, training: training) }
    }

    /// Back-propagates dLoss/dOutput, accumulating parameter gradients; returns dLoss/dInput.
    @discardableResult
    public func backward(_ gradient: Batch) -> Batch {
        layers.reversed().reduce(gradient) { $1.backward($0) }
    }

    public func zeroGradients() {
        for parameter in parameters { for index in parameter.gradient.indices { parameter.gradient[index] = 0 } }
    }

    /// Trains for `epochs` over `x`/`labels` in seeded mini-batches; returns the mean loss per epoch.
    @discardableResult
    public func train(_ x: Batch, labels: [Int], loss: Loss, optimizer: inout Optimizer, epochs: Int, batchSize: Int,
                      random: inout SeededRandom, augment: ((inout Batch, inout SeededRandom) -> Void)? = nil) -> [Float] {
        var history: [Float] = []
        var batch = Batch(zeros: 0, x.columns)
        for _ in 0..<epochs {
            let order = random.shuffled(Array(0..<x.rows))
            var epochLoss: Float = 0
            var batches = 0
            for start in stride(from: 0, to: order.count, by: batchSize) {
                let indices = order[start..<min(order.count, start + batchSize)]
                // Batch normalisation needs two samples to have a spread; a last batch of one is skipped.
                guard indices.count > 1 else { continue }
                if batch.rows != indices.count { batch = Batch(zeros: indices.count, x.columns) }
                for (row, index) in indices.enumerated() {
                    batch.values.replaceSubrange((row * x.columns)..<((row + 1) * x.columns),
                                                 with: x.values[(index * x.columns)..<((index + 1) * x.columns)])
                }
                augment?(&batch, &random)
                let logits = forward(batch, training: true)
                let (value, gradient) = loss.evaluate(logits, labels: indices.map { labels[$0] })
                backward(gradient)
                optimizer.apply(to: parameters)
                epochLoss += value
                batches += 1
            }
            history.append(epochLoss / Float(max(1, batches)))
        }
        return history
    }

    /// Inference in batches of `batchSize`. Safe to call from several threads at once: the calls take turns.
    public func predictLogits(_ x: Batch, batchSize: Int = 512) -> Batch {
        running.lock()
        defer { running.unlock() }
        var logits: [Float] = []
        var columns = 0
        for start in stride(from: 0, to: x.rows, by: batchSize) {
            let rows = min(batchSize, x.rows - start)
            let slice = Batch(rows: rows, columns: x.columns, values: Array(x.values[(start * x.columns)..<((start + rows) * x.columns)]))
            let output = forward(slice, training: false)
            columns = output.columns
            logits += output.values
        }
        return Batch(rows: x.rows, columns: columns, values: logits)
    }
}
