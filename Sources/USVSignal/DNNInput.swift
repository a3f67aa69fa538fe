import Foundation
import USVCore

/// The image the paper's networks take: the USV's spectrogram (rows × T) placed at the left of a
/// rows × 300 zero canvas (T cut at 300 frames ≈ 250 ms at 1,200 frames/s), resized bilinearly to
/// 100 × 100 (half-pixel centres, as TensorFlow 2 and OpenCV resize) and made zero-mean.
public struct DNNInputShape: Sendable, Hashable, Codable {
    public var canvasFrames: Int = 300
    public var height: Int = 100
    public var width: Int = 100

    public init(canvasFrames: Int = 300, height: Int = 100, width: Int = 100) {
        self.canvasFrames = canvasFrames
        self.height = height
        self.width = width
    }
}

public enum DNNInput {
    /// Row-major `height × width` image (row 0 = lowest frequency), mean subtracted.
    public static func image(_ spectrogram: Spectrogram, shape: DNNInputShape = DNNInputShape()) -> [Float] {
        image(values: spectrogram.values, rows: spectrogram.rows, frames: spectrogram.frames, shape: shape)
    }

    static func image(values: [Float], rows: Int, frames: Int, shape: DNNInputShape) -> [Float] {
        let columns = shape.canvasFrames
        let used = min(frames, columns)
        func canvas(_ row: Int, _ column: Int) -> Float { column < used ? values[column * rows + row] : 0 }
        var output = [Float](repeating: 0, count: shape.height * shape.width)
        let scaleY = Double(rows) / Double(shape.height)
        let scaleX = Double(columns) / Double(shape.width)
        for y in 0..<shape.height {
            let sourceY = min(max((Double(y) + 0.5) * scaleY - 0.5, 0), Double(rows - 1))
            let y0 = Int(sourceY.rounded(.down)), y1 = min(rows - 1, y0 + 1)
            let fy = Float(sourceY - Double(y0))
            for x in 0..<shape.width {
                let sourceX = min(max((Double(x) + 0.5) * scaleX - 0.5, 0), Double(columns - 1))
                let x0 = Int(sourceX.rounded(.down)), x1 = min(columns - 1, x0 + 1)
                let fx = Float(sourceX - Double(x0))
                let top = canvas(y0, x0) * (1 - fx) + canvas(y0, x1) * fx
                let bottom = canvas(y1, x0) * (1 - fx) + canvas(y1, x1) * fx
                output[y * shape.width + x] = top * (1 - fy) + bottom * fy
            }
        }
        let mean = output.reduce(0, +) / Float(output.count)
        return output.map { $0 - mean }
    }

    /// Training augmentation, deterministic for a seed: a random time shift (up to 10 % of T frames of low
    /// noise padded in front), a random gain in 0.5…1.5 with clipping at the original maximum, and additive
    /// Gaussian noise; then the same image construction.
    public static func augmentedImage(_ spectrogram: Spectrogram, seed: UInt64, noiseLevel: Float = 0.01,
                                      shape: DNNInputShape = DNNInputShape()) -> [Float] {
        var random = SplitMix64(seed: seed)
        let rows = spectrogram.rows
        let peak = spectrogram.values.max() ?? 0
        let shift = Int(random.nextDouble() * 0.1 * Double(spectrogram.frames))
        let gain = Float(0.5 + random.nextDouble())
        var values = [Float](repeating: 0, count: (spectrogram.frames + shift) * rows)
        for index in 0..<(shift * rows) { values[index] = abs(random.nextGaussian()) * noiseLevel * peak }
        for index in spectrogram.values.indices {
            let noisy = spectrogram.values[index] * gain + random.nextGaussian() * noiseLevel * peak
            values[shift * rows + index] = min(max(noisy, 0), peak)
        }
        return image(values: values, rows: rows, frames: spectrogram.frames + shift, shape: shape)
    }
}

/// A small, fast, seedable generator (SplitMix64): the same seed gives the same stream on every machine.
public struct SplitMix64: Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    public mutating func nextDouble() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// Standard normal (Box–Muller).
    public mutating func nextGaussian() -> Float {
        let u1 = max(nextDouble(), 1e-300), u2 = nextDouble()
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }
}
