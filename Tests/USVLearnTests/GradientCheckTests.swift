import Foundation
import Testing
@testable import USVLearn

/// Every backward pass against central finite differences of the loss.
@Suite struct GradientCheckTests {
    func batch(_ rows: Int, _ columns: Int, seed: UInt64) -> Batch {
        var random = SeededRandom(seed: seed)
        return Batch(rows: rows, columns: columns, values: (0..<(rows * columns)).map { _ in Float(random.truncatedNormal()) })
    }

    /// Compares analytic parameter and input gradients with finite differences for `network` and `loss`.
    func check(_ network: Sequential, loss: Loss, input: Batch, labels: [Int]) {
        network.zeroGradients()
        let logits = network.forward(input, training: true)
        let (_, gradient) = loss.evaluate(logits, labels: labels)
        network.backward(gradient)
        let step: Float = 1e-2
        func lossValue() -> Double {
            Double(loss.evaluate(network.forward(input, training: true), labels: labels).loss)
        }
        var worst = 0.0
        for parameter in network.parameters {
            let analytic = parameter.gradient
            for index in stride(from: 0, to: parameter.value.count, by: max(1, parameter.value.count / 12)) {
                let original = parameter.value[index]
                parameter.value[index] = original + step
                let up = lossValue()
                parameter.value[index] = original - step
                let down = lossValue()
                parameter.value[index] = original
                let numeric = (up - down) / (2 * Double(step))
                let error = abs(numeric - Double(analytic[index])) / max(1e-2, abs(numeric) + abs(Double(analytic[index])))
                worst = max(worst, error)
            }
        }
        #expect(worst < 2e-2, "worst relative gradient error \(worst)")
    }

    @Test func denseAndSigmoidCrossEntropy() {
        var random = SeededRandom(seed: 1)
        let network = Sequential([Dense(5, 3, random: &random), ReLU(), Dense(3, 1, random: &random)])
        check(network, loss: .binaryCrossEntropy(positive: 2, negative: 1), input: batch(8, 5, seed: 2), labels: [0, 1, 1, 0, 1, 0, 0, 1])
    }

    @Test func batchNormalisation() {
        var random = SeededRandom(seed: 3)
        let network = Sequential([Dense(4, 6, random: &random), BatchNormalization(6), ReLU(), Dense(6, 1, random: &random)])
        check(network, loss: .binaryCrossEntropy(positive: 1, negative: 1), input: batch(10, 4, seed: 4), labels: [0, 1, 0, 1, 1, 0, 1, 0, 0, 1])
    }

    @Test func softmaxCrossEntropyWithClassWeights() {
        var random = SeededRandom(seed: 5)
        // No ReLU here: a finite-difference step across its kink is not a gradient error (ReLU is checked above).
        let network = Sequential([Dense(4, 5, random: &random), BatchNormalization(5), Dense(5, 3, random: &random)])
        check(network, loss: .categoricalCrossEntropy(weights: [1, 2, 0.5]), input: batch(9, 4, seed: 6), labels: [0, 1, 2, 0, 1, 2, 2, 1, 0])
    }

    @Test func dropoutScalesAndMasksAtTrainingOnly() {
        let dropout = Dropout(rate: 0.5, seed: 7)
        let input = Batch(rows: 100, columns: 10, values: [Float](repeating: 1, count: 1000))
        let trained = dropout.forward(input, training: true)
        let kept = trained.values.filter { $0 != 0 }
        #expect(kept.allSatisfy { $0 == 2 })
        #expect(abs(Double(kept.count) / 1000 - 0.5) < 0.06)
        let back = dropout.backward(Batch(rows: 100, columns: 10, values: [Float](repeating: 1, count: 1000)))
        #expect(back.values == trained.values)
        #expect(dropout.forward(input, training: false) == input)
    }

    @Test func adamMinimisesAQuadratic() {
        let parameter = Parameter([5, -3])
        var optimizer = Optimizer(.adam, learningRate: 0.1)
        for _ in 0..<500 {
            parameter.gradient = parameter.value.map { 2 * $0 }
            optimizer.apply(to: [parameter])
        }
        #expect(parameter.value.allSatisfy { abs($0) < 1e-2 })
    }
}
