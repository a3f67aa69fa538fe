import Foundation
import Testing
import USVCore
@testable import USVLearn
import USVTestSupport

/// The convolutional network against Keras (TensorFlow-CPU) with identical weights: forward outputs in both
/// modes, the loss, every gradient, and the weights and batch-norm statistics after one Adam step.
@Suite struct TensorFlowParityTests {
    @Test(.enabled(if: PythonPeers.available(.tensorflow), "needs TensorFlow (Benchmarks/peers/setup.sh tensorflow)"))
    func forwardGradientsAndOneAdamStepEqualKeras() throws {
        let python = try PythonPeers.python(.tensorflow)
        let architecture = ConvolutionalArchitecture(
            input: ImageShape(height: 20, width: 18, channels: 1),
            // The second layer (16 filters) computes directly where the CPU has AVX2 and FMA, the third (3×3, stride
            // 1, 16 → 16 channels) through Winograd, the others through im2col.
            convolutions: [.init(filters: 6, kernel: 5, stride: 2), .init(filters: 16, kernel: 4, stride: 1),
                           .init(filters: 16, kernel: 3, stride: 1), .init(filters: 5, kernel: 3, stride: 2)],
            dense: [16, 12], classes: 2)
        let (network, _) = architecture.build(seed: 3)
        #expect(network.layers.compactMap { ($0 as? Conv2D)?.computesWithWinograd } == [false, false, true, false])
        #expect(network.layers.compactMap { ($0 as? Conv2D)?.computesDirectly } == [false, vectorKernelsAvailable, false, false])
        var random = SeededRandom(seed: 4)
        func normal(_ count: Int, scale: Double = 1, offset: Double = 0) -> [Float] {
            (0..<count).map { _ in Float(offset + scale * random.truncatedNormal()) }
        }
        // Batch norm starts away from its defaults so that the inference pass tests the running statistics.
        for case let normalisation as BatchNormalization in network.layers {
            normalisation.scale.value = normal(normalisation.features, scale: 0.2, offset: 1)
            normalisation.shift.value = normal(normalisation.features, scale: 0.2)
            try normalisation.restoreStatistics(mean: normal(normalisation.features, scale: 0.3),
                                                variance: normal(normalisation.features, scale: 0.2, offset: 1.2))
        }
        let samples = 8, labels = [0, 1, 1, 0, 1, 0, 0, 1]
        let input = Batch(rows: samples, columns: architecture.input.count, values: normal(samples * architecture.input.count))
        let positiveWeight: Float = 1.7, learningRate: Float = 1e-3

        // The Keras names of our tensors, in the peer's layout (our kernels are stored in TensorFlow's).
        // Trainable tensors carry their Parameter (for the gradient check); statistics only a reader.
        var named: [(key: String, tensor: () -> [Float], shape: [Int], parameter: Parameter?)] = []
        var convolution = 0, dense = 0
        var pending = ""
        for layer in network.layers {
            if let layer = layer as? Conv2D {
                pending = "conv\(convolution)"
                convolution += 1
                named.append((pending + "/kernel", { layer.kernel.value },
                              [layer.kernelSize.height, layer.kernelSize.width, layer.input.channels, layer.output.channels], layer.kernel))
            } else if let layer = layer as? Dense {
                pending = layer === network.layers.last ? "out" : "dense\(dense)"
                if pending != "out" { dense += 1 }
                named.append((pending + "/kernel", { layer.weights.value }, [layer.inputs, layer.outputs], layer.weights))
                named.append((pending + "/bias", { layer.bias.value }, [layer.outputs], layer.bias))
            } else if let layer = layer as? BatchNormalization {
                named.append((pending + "/gamma", { layer.scale.value }, [layer.features], layer.scale))
                named.append((pending + "/beta", { layer.shift.value }, [layer.features], layer.shift))
                named.append((pending + "/moving_mean", { layer.runningMean }, [layer.features], nil))
                named.append((pending + "/moving_variance", { layer.runningVariance }, [layer.features], nil))
            }
        }
        var arrays: [String: (values: [Double], shape: [Int])] = [
            "x": (input.values.map(Double.init), [samples, 20, 18, 1]),
            "y": (labels.map(Double.init), [samples]),
            "pos_weight": ([Double(positiveWeight)], [1]), "lr": ([Double(learningRate)], [1]),
            "conv_filters": (architecture.convolutions.map { Double($0.filters) }, [architecture.convolutions.count]),
            "conv_kernels": (architecture.convolutions.map { Double($0.kernel) }, [architecture.convolutions.count]),
            "conv_strides": (architecture.convolutions.map { Double($0.stride) }, [architecture.convolutions.count]),
            "dense_units": (architecture.dense.map(Double.init), [2]),
        ]
        for entry in named { arrays[entry.key] = (entry.tensor().map(Double.init), entry.shape) }
        let directory = try TemporaryDirectory("tf-parity")
        defer { directory.remove() }
        try NumPyFiles.writeNPZ(directory.file("in.npz"), arrays)
        _ = try runPeer(python, script: "tf_parity.py", arguments: [directory.file("in.npz"), directory.file("out.npz")])
        let keras = try NumPyFiles.readNPZ(directory.file("out.npz"))

        var worstOverall = 0.0
        /// Largest difference relative to the larger of 1 and the tensor's largest magnitude.
        func expectClose(_ ours: [Float], _ key: String, tolerance: Double = 1e-4) throws {
            let theirs = try #require(keras[key], "Keras output \(key) missing")
            try #require(theirs.count == ours.count, "\(key): \(ours.count) values, Keras \(theirs.count)")
            let scale = max(1, theirs.map(abs).max() ?? 0)
            let worst = zip(ours, theirs).map { abs(Double($0) - $1) }.max() ?? 0
            worstOverall = max(worstOverall, worst / scale)
            #expect(worst <= tolerance * scale, "\(key) differs from Keras by \(worst) (scale \(scale))")
        }

        try expectClose(network.forward(input, training: false).values, "forward_inference")
        network.zeroGradients()
        let logits = network.forward(input, training: true)
        try expectClose(logits.values, "forward_training")
        let loss = Loss.binaryCrossEntropy(positive: positiveWeight, negative: 1)
        let (value, gradient) = loss.evaluate(logits, labels: labels)
        try expectClose([value], "loss")
        network.backward(gradient)
        let checked = named.compactMap(\.parameter)
        #expect(checked.count == network.parameters.count)
        // A bias followed by batch norm has a gradient of float32 noise (it cancels): absolute tolerance there.
        for entry in named { if let parameter = entry.parameter { try expectClose(parameter.gradient, "gradients/" + entry.key) } }
        var optimizer = Optimizer(.adam, learningRate: learningRate)
        optimizer.apply(to: network.parameters)
        for entry in named { try expectClose(entry.tensor(), entry.key) }
        print(String(format: "TensorFlow parity: forward (both modes), loss, %d gradients and %d tensors after one Adam step; worst relative difference %.1e",
                     checked.count, named.count, worstOverall))
    }
}
