import Foundation

/// The paper's spectrogram network as a description: convolutions (no bias) → batch norm → ReLU, flattened,
/// dense layers → batch norm → ReLU → dropout, then one logit (two classes) or one per class. The model
/// plugins build their networks from it and the TensorFlow parity test builds the same one in Keras.
public struct ConvolutionalArchitecture: Sendable, Hashable {
    public struct Convolution: Sendable, Hashable {
        public var filters: Int
        public var kernel: Int
        public var stride: Int

        public init(filters: Int, kernel: Int, stride: Int) {
            self.filters = filters
            self.kernel = kernel
            self.stride = stride
        }
    }

    public var input: ImageShape
    public var convolutions: [Convolution]
    public var dense: [Int]
    public var classes: Int

    public init(input: ImageShape, convolutions: [Convolution], dense: [Int], classes: Int) {
        self.input = input
        self.convolutions = convolutions
        self.dense = dense
        self.classes = classes
    }

    /// The network, seeded He-normal weights, and its dropout layers (for the training stages).
    public func build(seed: UInt64) -> (network: Sequential, dropouts: [Dropout]) {
        var random = SeededRandom(seed: seed)
        var layers: [any Layer] = []
        var shape = input
        for convolution in convolutions {
            let layer = Conv2D(input: shape, filters: convolution.filters, kernel: (convolution.kernel, convolution.kernel),
                               stride: (convolution.stride, convolution.stride), bias: false, random: &random)
            layer.computesInputGradient = !layers.isEmpty
            layers.append(layer)
            layers.append(BatchNormalization(convolution.filters, fusedReLU: true))
            shape = layer.output
        }
        let dropouts = ClassifierHead.append(to: &layers, inputs: shape.count, hidden: dense, classes: classes, seed: seed, random: &random)
        return (Sequential(layers), dropouts)
    }

    /// Multiply-adds of one sample's forward pass (convolutions and dense layers), for throughput reports.
    public var multiplyAdds: Int {
        var total = 0, shape = input
        for convolution in convolutions {
            let vertical = samePadding(size: shape.height, kernel: convolution.kernel, stride: convolution.stride)
            let horizontal = samePadding(size: shape.width, kernel: convolution.kernel, stride: convolution.stride)
            total += vertical.output * horizontal.output * convolution.kernel * convolution.kernel * shape.channels * convolution.filters
            shape = ImageShape(height: vertical.output, width: horizontal.output, channels: convolution.filters)
        }
        var width = shape.count
        for units in dense + [classes == 2 ? 1 : classes] {
            total += width * units
            width = units
        }
        return total
    }
}
