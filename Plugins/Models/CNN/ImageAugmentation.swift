import Foundation
import USVLearn

/// The training augmentation on standardised images (height = frequency, width = time): each image is shifted
/// in time by up to a tenth of its width (the vacated columns take the mean, 0), scaled by a gain in
/// 0.8–1.25 and given Gaussian noise of 0.05 — so that a network cannot learn a USV's position or level.
struct ImageAugmentation {
    var shape: ImageShape

    func apply(to batch: inout Batch, random: inout SeededRandom) {
        let (height, width) = (shape.height, shape.width)
        let maximumShift = max(1, width / 10)
        var row = [Float](repeating: 0, count: width)
        for sample in 0..<batch.rows {
            let shift = random.below(2 * maximumShift + 1) - maximumShift
            let gain = Float(exp(log(0.8) + random.unit() * (log(1.25) - log(0.8))))
            let base = sample * shape.count
            for y in 0..<height {
                for x in 0..<width {
                    let source = x - shift
                    row[x] = source >= 0 && source < width ? batch.values[base + y * width + source] : 0
                }
                for x in 0..<width { batch.values[base + y * width + x] = row[x] * gain + Float(0.05 * random.truncatedNormal()) }
            }
        }
    }
}
