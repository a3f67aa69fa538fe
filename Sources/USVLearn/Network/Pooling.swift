import Foundation

/// Max or average pooling over non-overlapping windows (stride = window, VALID: a remainder at the edge is
/// dropped, as TensorFlow's `MaxPooling2D`/`AveragePooling2D` defaults). Channel-last.
public final class Pooling2D: Layer {
    public enum Kind: Sendable { case max, average }
    public let kind: Kind
    public let input: ImageShape
    public let output: ImageShape
    public let window: (height: Int, width: Int)
    /// For each input position of a sample, the output position whose window holds it (−1: dropped at the
    /// edge). Windows do not overlap, so forward and backward are one pass over the inputs each.
    private let owner: [Int32]
    /// For max pooling: the input position each output value came from (gradients go only there).
    private var winners: [Int32] = []
    private var outputBatch = Batch(zeros: 0, 0)
    private var inputGradient = Batch(zeros: 0, 0)

    public init(_ kind: Kind, input: ImageShape, window: (height: Int, width: Int)) {
        self.kind = kind
        self.input = input
        self.window = window
        let output = ImageShape(height: input.height / max(1, window.height), width: input.width / max(1, window.width),
                                channels: input.channels)
        self.output = output
        var owner = [Int32](repeating: -1, count: input.count)
        for y in 0..<(output.height * window.height) {
            for x in 0..<(output.width * window.width) {
                for channel in 0..<input.channels {
                    owner[(y * input.width + x) * input.channels + channel] =
                        Int32(((y / window.height) * output.width + x / window.width) * input.channels + channel)
                }
            }
        }
        self.owner = owner
    }

    public var parameters: [Parameter] { [] }

    public func forward(_ batch: Batch, training: Bool) -> Batch {
        let samples = batch.rows
        if outputBatch.rows != samples {
            outputBatch = Batch(zeros: samples, output.count)
            winners = [Int32](repeating: 0, count: samples * output.count)
        }
        let area = Float(window.height * window.width)
        for sample in 0..<samples {
            let inBase = sample * input.count, outBase = sample * output.count
            for target in outBase..<(outBase + output.count) { outputBatch.values[target] = kind == .max ? -Float.infinity : 0 }
            // Input order visits each window row by row, as a scan of the window would: ties go to the first.
            for position in 0..<input.count where owner[position] >= 0 {
                let target = outBase + Int(owner[position]), value = batch.values[inBase + position]
                switch kind {
                case .max:
                    if value > outputBatch.values[target] { outputBatch.values[target] = value; winners[target] = Int32(position) }
                case .average:
                    outputBatch.values[target] += value
                }
            }
            if kind == .average { for target in outBase..<(outBase + output.count) { outputBatch.values[target] /= area } }
        }
        return outputBatch
    }

    public func backward(_ gradient: Batch) -> Batch {
        let samples = gradient.rows
        if inputGradient.rows != samples { inputGradient = Batch(zeros: samples, input.count) }
        for index in inputGradient.values.indices { inputGradient.values[index] = 0 }
        let area = Float(window.height * window.width)
        for sample in 0..<samples {
            let inBase = sample * input.count, outBase = sample * output.count
            switch kind {
            case .max:
                for source in outBase..<(outBase + output.count) {
                    inputGradient.values[inBase + Int(winners[source])] += gradient.values[source]
                }
            case .average:
                for position in 0..<input.count where owner[position] >= 0 {
                    inputGradient.values[inBase + position] = gradient.values[outBase + Int(owner[position])] / area
                }
            }
        }
        return inputGradient
    }
}
