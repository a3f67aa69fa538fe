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

    @Test(arguments: [(4, 2), (3, 1), (5, 3)])
    func convolutionsWithSamePaddingAndChannelBatchNorm(kernel: Int, stride: Int) {
        var random = SeededRandom(seed: 11)
        // An even kernel pads unevenly (TensorFlow puts the extra row after); the second convolution's input
        // gradient (col2im) is checked through the first convolution's weight gradients.
        let first = Conv2D(input: ImageShape(height: 7, width: 6, channels: 2), filters: 3, kernel: (kernel, kernel),
                           stride: (stride, stride), bias: true, random: &random)
        let second = Conv2D(input: first.output, filters: 4, kernel: (3, 2), stride: (1, 2), bias: false, random: &random)
        let network = Sequential([first, BatchNormalization(3), second, BatchNormalization(4),
                                  Dense(second.output.count, 1, random: &random)])
        check(network, loss: .binaryCrossEntropy(positive: 1.5, negative: 1), input: batch(6, 7 * 6 * 2, seed: 12),
              labels: [0, 1, 1, 0, 1, 0])
    }

    @Test func averagePoolingInANetwork() {
        var random = SeededRandom(seed: 13)
        let convolution = Conv2D(input: ImageShape(height: 6, width: 7, channels: 1), filters: 3, kernel: (3, 3), stride: (1, 1),
                                 bias: true, random: &random)
        let average = Pooling2D(.average, input: convolution.output, window: (2, 3))
        let second = Conv2D(input: average.output, filters: 2, kernel: (2, 2), stride: (1, 1), bias: true, random: &random)
        let network = Sequential([convolution, average, second, Dense(second.output.count, 1, random: &random)])
        #expect(average.output == ImageShape(height: 3, width: 2, channels: 3))
        check(network, loss: .binaryCrossEntropy(positive: 1, negative: 1), input: batch(5, 42, seed: 14), labels: [1, 0, 1, 0, 0])
    }

    /// Max pooling is checked on distinct inputs a whole unit apart, where a finite step never changes the
    /// winner (inside a network its kinks make finite differences meaningless).
    @Test(arguments: [Pooling2D.Kind.max, .average])
    func poolingGradientEqualsFiniteDifferences(kind: Pooling2D.Kind) {
        let shape = ImageShape(height: 4, width: 5, channels: 2)
        var random = SeededRandom(seed: 19)
        let input = Batch(rows: 2, columns: shape.count, values: random.shuffled(Array(0..<(2 * shape.count))).map(Float.init))
        let pooling = Pooling2D(kind, input: shape, window: (2, 2))
        let weights = batch(2, pooling.output.count, seed: 20)
        func loss(_ x: Batch) -> Float { zip(pooling.forward(x, training: true).values, weights.values).map(*).reduce(0, +) }
        _ = pooling.forward(input, training: true)
        let analytic = pooling.backward(weights).values
        for index in input.values.indices {
            var up = input, down = input
            up.values[index] += 0.25
            down.values[index] -= 0.25
            #expect(abs((loss(up) - loss(down)) / 0.5 - analytic[index]) < 1e-4, "input \(index)")
        }
    }

    @Test func oneDimensionalBranchesBesideScalars() {
        var random = SeededRandom(seed: 15)
        let convolution = Conv2D.oneDimensional(length: 10, channels: 1, filters: 3, kernel: 3, stride: 2, bias: true, random: &random)
        let vector = Sequential([convolution, Dense(convolution.output.count, 4, random: &random)])
        let branches = Branches([Branches.Branch(columns: 10, network: vector, outputs: 4),
                                 Branches.Branch(columns: 3, network: Sequential([]), outputs: 3)])
        let network = Sequential([Dense(13, 13, random: &random), branches, BatchNormalization(7), Dense(7, 3, random: &random)])
        check(network, loss: .categoricalCrossEntropy(weights: [1, 1, 2]), input: batch(7, 13, seed: 16), labels: [0, 1, 2, 2, 1, 0, 1])
    }

    /// Large batches run batch norm, im2col and col2im on every BLAS thread; the result must not change
    /// beyond float rounding of the partial sums.
    @Test func twoThreadsComputeWhatOneThreadDoes() {
        func run(threads: Int) -> (Batch, Batch, [Float], Int) {
            LinearAlgebra.withThreads(threads) {
                var random = SeededRandom(seed: 23)
                let convolution = Conv2D(input: ImageShape(height: 24, width: 24, channels: 2), filters: 4, kernel: (3, 3),
                                         stride: (1, 1), bias: false, random: &random)
                let second = Conv2D(input: convolution.output, filters: 3, kernel: (5, 5), stride: (2, 2), bias: false, random: &random)
                let network = Sequential([convolution, BatchNormalization(4, fusedReLU: true), second, BatchNormalization(3)])
                let output = network.forward(batch(16, 24 * 24 * 2, seed: 24), training: true)
                let back = network.backward(batch(16, second.output.count, seed: 25))
                return (output, back, convolution.kernel.gradient, rowRanges(16 * 24 * 24).count)
            }
        }
        let one = run(threads: 1), two = run(threads: 2)
        func worst(_ a: [Float], _ b: [Float]) -> Float {
            a.count == b.count ? zip(a, b).map { abs($0 - $1) }.max() ?? .infinity : .infinity
        }
        #expect(worst(one.0.values, two.0.values) < 1e-4)
        #expect(worst(one.1.values, two.1.values) < 1e-3 * max(1, one.1.values.map(abs).max() ?? 0))
        #expect(worst(one.2, two.2) < 1e-3 * max(1, one.2.map(abs).max() ?? 0))
        // 16 × 24 × 24 = 9,216 rows: on two threads batch norm really split them.
        #expect(one.3 == 1 && two.3 == 2)
    }

    @Test func fusedBatchNormReLUEqualsTheTwoLayers() {
        let input = batch(12, 8, seed: 17)
        let fused = BatchNormalization(4, fusedReLU: true), plain = BatchNormalization(4), relu = ReLU()
        #expect(fused.forward(input, training: true) == relu.forward(plain.forward(input, training: true), training: true))
        let gradient = batch(12, 8, seed: 18)
        #expect(fused.backward(gradient) == plain.backward(relu.backward(gradient)))
        #expect(fused.scale.gradient == plain.scale.gradient && fused.shift.gradient == plain.shift.gradient)
    }

    /// 3×3 stride-1 layers of widths that are multiples of 8 and at least 16 run Winograd F(2×2, 3×3) forward and for the input gradient:
    /// the same outputs and gradients as im2col (odd and even sizes, a one-pixel image).
    @Test(arguments: [(7, 9, 16, 24, 3), (2, 2, 16, 16, 2), (1, 1, 24, 16, 2), (25, 25, 24, 16, 41)])
    func winogradAgreesWithIm2col(height: Int, width: Int, channels: Int, filters: Int, samples: Int) {
        let winograd = expectAgreementWithIm2col(ImageShape(height: height, width: width, channels: channels), filters: filters,
                                                 kernel: 3, stride: 1, samples: samples, seed: 31)
        #expect(winograd.computesWithWinograd)
    }

    /// Layers with 8–32 filters compute forward and weight gradient directly (AVX2 + FMA kernels): the same as
    /// im2col for the paper's layer shapes, odd sizes, uneven padding, a kernel larger than the image and three
    /// blocks of 8.
    @Test(arguments: [(20, 20, 1, 8, 10, 2), (11, 9, 8, 8, 5, 2), (7, 6, 3, 16, 4, 1), (3, 2, 2, 24, 5, 3), (25, 25, 8, 8, 3, 1),
                      (9, 8, 16, 8, 4, 1)])
    func directConvolutionAgreesWithIm2col(height: Int, width: Int, channels: Int, filters: Int, kernel: Int, stride: Int) {
        let direct = expectAgreementWithIm2col(ImageShape(height: height, width: width, channels: channels), filters: filters,
                                               kernel: kernel, stride: stride, samples: 5, seed: 41)
        // Only where the CPU has AVX2 and FMA; elsewhere both compute through im2col and the comparison still holds.
        #expect(direct.computesDirectly == vectorKernelsAvailable)
        // Stride-1 layers of 8–32 channels also take their input gradient directly (rotated kernel, even kernels
        // padded unevenly).
        #expect(direct.computesInputGradientDirectly == (vectorKernelsAvailable && stride == 1 && channels % 8 == 0))
    }

    /// Two copies of one layer (same seed), the second forced through im2col: expects the same outputs, input
    /// gradients and kernel gradients to 1e-5 of the largest value, and returns the first for its method checks.
    func expectAgreementWithIm2col(_ shape: ImageShape, filters: Int, kernel: Int, stride: Int, samples: Int, seed: UInt64) -> Conv2D {
        var first = SeededRandom(seed: seed), second = SeededRandom(seed: seed)
        let layer = Conv2D(input: shape, filters: filters, kernel: (kernel, kernel), stride: (stride, stride), bias: false, random: &first)
        let columns = Conv2D(input: shape, filters: filters, kernel: (kernel, kernel), stride: (stride, stride), bias: false, random: &second)
        columns.usesSpecialisedMethods = false
        #expect(!columns.computesWithWinograd && !columns.computesDirectly && !columns.computesInputGradientDirectly)
        let input = batch(samples, shape.count, seed: seed + 1), gradient = batch(samples, layer.output.count, seed: seed + 2)
        func worst(_ a: [Float], _ b: [Float]) -> Float {
            guard a.count == b.count else { return .infinity }
            return zip(a, b).map { abs($0 - $1) }.max().map { $0 / max(1, b.map(abs).max() ?? 1) } ?? .infinity
        }
        #expect(worst(layer.forward(input, training: true).values, columns.forward(input, training: true).values) < 1e-5)
        #expect(worst(layer.backward(gradient).values, columns.backward(gradient).values) < 1e-5)
        #expect(worst(layer.kernel.gradient, columns.kernel.gradient) < 1e-5)
        return layer
    }

    /// Batch norm walks rows in runs of ≥ 64 values with tiled per-feature parameters: against the textbook
    /// formulas in Double for feature counts that do and do not divide 64 and row counts with short last runs.
    @Test(arguments: [(1, 37), (3, 130), (8, 1000), (100, 7), (256, 19)])
    func batchNormMatchesTheTextbookFormulas(features: Int, rows: Int) {
        let layer = BatchNormalization(features, fusedReLU: true)
        layer.scale.value = (0..<features).map { 0.5 + Float($0 % 5) * 0.25 }
        layer.shift.value = (0..<features).map { Float($0 % 3) * 0.1 - 0.1 }
        let input = batch(rows, features, seed: 21), gradient = batch(rows, features, seed: 22)
        let output = layer.forward(input, training: true).values, inputGradient = layer.backward(gradient).values
        for c in 0..<features {
            let x = (0..<rows).map { Double(input.values[$0 * features + c]) }
            let mean = x.reduce(0, +) / Double(rows)
            let inverse = 1 / ((x.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(rows)) + 0.001).squareRoot()
            let xHat = x.map { ($0 - mean) * inverse }
            let y = xHat.map { max(0, Double(layer.scale.value[c]) * $0 + Double(layer.shift.value[c])) }
            let g = (0..<rows).map { y[$0] > 0 ? Double(gradient.values[$0 * features + c]) : 0 }
            let (sum, product) = (g.reduce(0, +), zip(g, xHat).map(*).reduce(0, +))
            for row in 0..<rows {
                let dx = Double(layer.scale.value[c]) * inverse / Double(rows) * (Double(rows) * g[row] - sum - xHat[row] * product)
                #expect(abs(Double(output[row * features + c]) - y[row]) < 1e-4)
                #expect(abs(Double(inputGradient[row * features + c]) - dx) < 1e-3 * max(1, abs(dx)))
            }
            #expect(abs(Double(layer.shift.gradient[c]) - sum) < 1e-3 * max(1, abs(sum)))
            #expect(abs(Double(layer.scale.gradient[c]) - product) < 1e-3 * max(1, abs(product)))
        }
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
