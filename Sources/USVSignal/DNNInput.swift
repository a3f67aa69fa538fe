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
        let shift = Int(random.unit() * 0.1 * Double(spectrogram.frames))
        let gain = Float(0.5 + random.unit())
        var values = [Float](repeating: 0, count: (spectrogram.frames + shift) * rows)
        for index in 0..<(shift * rows) { values[index] = abs(Float(random.normal())) * noiseLevel * peak }
        for index in spectrogram.values.indices {
            let noisy = spectrogram.values[index] * gain + Float(random.normal()) * noiseLevel * peak
            values[shift * rows + index] = min(max(noisy, 0), peak)
        }
        return image(values: values, rows: rows, frames: spectrogram.frames + shift, shape: shape)
    }
}
