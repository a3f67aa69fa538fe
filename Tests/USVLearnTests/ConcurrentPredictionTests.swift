import Dispatch
import Foundation
import Testing
import USVCore
@testable import USVLearn

/// A fitted network is a `Sendable` model: several threads may ask it for scores at once (usv classify over
/// recordings in parallel, a server). Its layers reuse buffers, so the calls take turns; each must get exactly the
/// scores it gets alone.
@Suite struct ConcurrentPredictionTests {
    @Test func fittedNetworksPredictFromSeveralThreadsAtOnce() throws {
        var random = SeededRandom(seed: 11)
        let network = Sequential([Dense(32, 128, random: &random), BatchNormalization(128), ReLU(), Dense(128, 64, random: &random), ReLU(),
                                  Dense(64, 3, random: &random)])
        // Batch statistics from a forward pass in training mode, so inference normalises with real numbers.
        _ = network.forward(Batch(rows: 32, columns: 32, values: (0..<(32 * 32)).map { _ in Float(random.truncatedNormal()) }), training: true)
        let model = FittedNetwork(network: network, classes: 3)
        let inputs = (0..<16).map { index in
            let rows = 200 + index * 137 % 900
            return DesignMatrix(rows: rows, columns: 32, values: (0..<(rows * 32)).map { _ in random.truncatedNormal() })
        }
        let alone = inputs.map { model.scores($0) }
        let together = Locked([[Double]](repeating: [], count: inputs.count * 4))
        DispatchQueue.concurrentPerform(iterations: inputs.count * 4) { index in
            let scores = model.scores(inputs[index % inputs.count])
            together.withLock { $0[index] = scores }
        }
        for (index, scores) in together.value.enumerated() {
            #expect(scores == alone[index % inputs.count], "call \(index) got another call's scores")
        }
        // The network itself, without the fitted model's BLAS thread setting around it.
        let batches = inputs.map { Batch(rows: $0.rows, columns: $0.columns, values: $0.values.map(Float.init)) }
        let logits = batches.map { network.predictLogits($0, batchSize: 128) }
        let concurrent = Locked([Batch](repeating: Batch(zeros: 0, 0), count: batches.count * 4))
        DispatchQueue.concurrentPerform(iterations: batches.count * 4) { index in
            let output = network.predictLogits(batches[index % batches.count], batchSize: 128)
            concurrent.withLock { $0[index] = output }
        }
        for (index, output) in concurrent.value.enumerated() {
            #expect(output == logits[index % batches.count], "call \(index) got another call's logits")
        }
    }
}
