import Foundation

/// Max or average pooling over non-overlapping windows (stride = window, VALID: a remainder at the edge is
/// dropped, as TensorFlow's `MaxPooling2D`/`AveragePooling2D` defaults). Channel-last.
public final class Pooling2D: Layer {
    public enum Kind: Sendable { case max, average }
    public let kind: Kind
    public let input: ImageShape
    public let output: ImageShape
    public let window: (height: Int, width: Int)
    /// For max pooling: the input index each output value came from (gradients go only there).
    private var winners: [Int32] = []
    private var outputBatch = Batch(zeros: 0, 0)
    private var inputGradient = Batch(zeros: 0, 0)

    public init(_ kind: Kind, input: ImageShape, window: (height: Int, width: Int)) {
        self.kind = kind
        self.input = input
        self.window = window
        output = ImageShape(height: input.height / max(1, window.height), width: input.width / max(1, window.width),
                            channels: input.channels)
    }

    public var parameters: [Parameter] { [] }

    public func forward(_ batch: Batch, training: Bool) -> Batch {
        let samples = batch.rows, channels = input.channels
        if outputBatch.rows != samples {
            outputBatch = Batch(zeros: samples, output.count)
            winners = [Int32](repeating: 0, count: samples * output.count)
        }
        let area = Float(window.height * window.width)
        for sample in 0..<samples {
            let inBase = sample * input.count, outBase = sample * output.count
            for oy in 0..<output.height {
                for ox in 0..<output.width {
                    for channel in 0..<channels {
                        var best = -Float.infinity, winner = 0, sum: Float = 0
                        for dy in 0..<window.height {
                            for dx in 0..<window.width {
                                let index = inBase + ((oy * window.height + dy) * input.width + ox * window.width + dx) * channels + channel
                                let value = batch.values[index]
                                sum += value
                                if value > best { best = value; winner = index }
                            }
                        }
                        let target = outBase + (oy * output.width + ox) * channels + channel
                        outputBatch.values[target] = kind == .max ? best : sum / area
                        winners[target] = Int32(truncatingIfNeeded: winner - inBase)
                    }
                }
            }
        }
        return outputBatch
    }

    public func backward(_ gradient: Batch) -> Batch {
        let samples = gradient.rows, channels = input.channels
        if inputGradient.rows != samples { inputGradient = Batch(zeros: samples, input.count) }
        for index in inputGradient.values.indices { inputGradient.values[index] = 0 }
        let area = Float(window.height * window.width)
        for sample in 0..<samples {
            let inBase = sample * input.count, outBase = sample * output.count
            for oy in 0..<output.height {
                for ox in 0..<output.width {
                    for channel in 0..<channels {
                        let source = outBase + (oy * output.width + ox) * channels + channel
                        let value = gradient.values[source]
                        switch kind {
                        case .max:
                            inputGradient.values[inBase + Int(winners[source])] += value
                        case .average:
                            for dy in 0..<window.height {
                                for dx in 0..<window.width {
                                    let index = inBase + ((oy * window.height + dy) * input.width + ox * window.width + dx) * channels + channel
                                    inputGradient.values[index] += value / area
                                }
                            }
                        }
                    }
                }
            }
        }
        return inputGradient
    }
}
