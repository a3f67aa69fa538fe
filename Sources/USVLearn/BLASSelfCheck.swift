import CBLAS
import Foundation
import USVCore

/// A fixed numeric workload over every way the engine calls OpenBLAS, for comparing kernel families: a process
/// started with `OPENBLAS_CORETYPE=<family>` runs it (`usv info --self-check`) and tests compare the values across
/// families. Seeded, on one thread, a fraction of a second.
public struct BLASSelfCheck: Sendable {
    /// C = A·B for A 37 × 300 and B 300 × 29, seeded, row-major, in single and double precision (sizes not multiples
    /// of any kernel's block, so the edge kernels run too).
    public var sgemm: [Float]
    public var dgemm: [Double]
    /// The parity test's network (`TensorFlowParityTests`: Winograd, direct and im2col convolutions, batch norm, dense
    /// layers) on 8 seeded inputs: outputs in inference and training mode, the loss, every gradient and every
    /// trainable tensor after one Adam step, each concatenated in layer order.
    public var networkInference: [Float]
    public var networkTraining: [Float]
    public var networkLoss: Float
    public var networkGradients: [Float]
    public var networkAfterAdam: [Float]

    /// Runs it on one thread.
    public static func run() -> BLASSelfCheck {
        LinearAlgebra.withThreads(1) {
            let (single, double) = products()
            let network = networkPass()
            return BLASSelfCheck(sgemm: single, dgemm: double, networkInference: network.inference, networkTraining: network.training,
                                 networkLoss: network.loss, networkGradients: network.gradients, networkAfterAdam: network.afterAdam)
        }
    }

    static func products() -> (single: [Float], double: [Double]) {
        let m = 37, k = 300, n = 29
        var random = SeededRandom(seed: 11)
        let a = (0..<(m * k)).map { _ in random.truncatedNormal() }
        let b = (0..<(k * n)).map { _ in random.truncatedNormal() }
        var double = [Double](repeating: 0, count: m * n)
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                double.withUnsafeMutableBufferPointer { c in
                    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1, a.baseAddress, Int32(k),
                                b.baseAddress, Int32(n), 0, c.baseAddress, Int32(n))
                }
            }
        }
        let aSingle = a.map(Float.init), bSingle = b.map(Float.init)
        var single = [Float](repeating: 0, count: m * n)
        aSingle.withUnsafeBufferPointer { a in
            bSingle.withUnsafeBufferPointer { b in
                single.withUnsafeMutableBufferPointer { c in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1, a.baseAddress, Int32(k),
                                b.baseAddress, Int32(n), 0, c.baseAddress, Int32(n))
                }
            }
        }
        return (single, double)
    }

    static func networkPass() -> (inference: [Float], training: [Float], loss: Float, gradients: [Float], afterAdam: [Float]) {
        let architecture = ConvolutionalArchitecture(
            input: ImageShape(height: 20, width: 18, channels: 1),
            convolutions: [.init(filters: 6, kernel: 5, stride: 2), .init(filters: 16, kernel: 4, stride: 1),
                           .init(filters: 16, kernel: 3, stride: 1), .init(filters: 5, kernel: 3, stride: 2)],
            dense: [16, 12], classes: 2)
        let (network, _) = architecture.build(seed: 3)
        var random = SeededRandom(seed: 4)
        func normal(_ count: Int, scale: Double = 1, offset: Double = 0) -> [Float] {
            (0..<count).map { _ in Float(offset + scale * random.truncatedNormal()) }
        }
        // Batch norm away from its defaults, so that inference uses running statistics that matter.
        for case let normalisation as BatchNormalization in network.layers {
            normalisation.scale.value = normal(normalisation.features, scale: 0.2, offset: 1)
            normalisation.shift.value = normal(normalisation.features, scale: 0.2)
            try? normalisation.restoreStatistics(mean: normal(normalisation.features, scale: 0.3),
                                                 variance: normal(normalisation.features, scale: 0.2, offset: 1.2))
        }
        let samples = 8, labels = [0, 1, 1, 0, 1, 0, 0, 1]
        let input = Batch(rows: samples, columns: architecture.input.count, values: normal(samples * architecture.input.count))
        let inference = network.forward(input, training: false).values
        network.zeroGradients()
        let logits = network.forward(input, training: true)
        let (loss, gradient) = Loss.binaryCrossEntropy(positive: 1.7, negative: 1).evaluate(logits, labels: labels)
        network.backward(gradient)
        let gradients = network.parameters.flatMap(\.gradient)
        var optimizer = Optimizer(.adam, learningRate: 1e-3)
        optimizer.apply(to: network.parameters)
        return (inference, logits.values, loss, gradients, network.parameters.flatMap(\.value))
    }
}
