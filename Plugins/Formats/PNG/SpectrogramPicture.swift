import Foundation
import USVCore

/// An RGB raster with a little drawing vocabulary: enough for a labelled spectrogram.
struct RGBCanvas {
    let width: Int
    let height: Int
    var pixels: [UInt8]

    init(width: Int, height: Int, background: (UInt8, UInt8, UInt8) = (255, 255, 255)) {
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        for index in 0..<(width * height) {
            pixels[3 * index] = background.0
            pixels[3 * index + 1] = background.1
            pixels[3 * index + 2] = background.2
        }
    }

    mutating func set(_ x: Int, _ y: Int, _ color: (UInt8, UInt8, UInt8)) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let index = 3 * (y * width + x)
        pixels[index] = color.0
        pixels[index + 1] = color.1
        pixels[index + 2] = color.2
    }

    mutating func line(from start: (Int, Int), to end: (Int, Int), _ color: (UInt8, UInt8, UInt8) = (0, 0, 0)) {
        let steps = max(abs(end.0 - start.0), abs(end.1 - start.1), 1)
        for step in 0...steps {
            set(start.0 + (end.0 - start.0) * step / steps, start.1 + (end.1 - start.1) * step / steps, color)
        }
    }

    /// Draws `text` with the 5×7 font, top-left at (x, y), `scale` pixels per font pixel.
    mutating func text(_ text: String, x: Int, y: Int, scale: Int = 1) {
        var cursor = x
        for character in text {
            let glyph = Font5x7.glyphs[character] ?? Font5x7.glyphs["?"] ?? []
            for (row, bits) in glyph.enumerated() {
                for column in 0..<5 where bits & (1 << (4 - column)) != 0 {
                    for dy in 0..<scale { for dx in 0..<scale { set(cursor + column * scale + dx, y + row * scale + dy, (0, 0, 0)) } }
                }
            }
            cursor += 6 * scale
        }
    }

    static func textWidth(_ text: String, scale: Int = 1) -> Int { text.count * 6 * scale - scale }
}

/// Lays out a spectrogram picture: the image (log magnitude through a perceptual colour map, 0 dB = the
/// maximum, `dynamicRange` dB below is black), a frequency axis in kHz and a time axis in ms.
struct SpectrogramPicture {
    let spectrogram: Spectrogram
    let startSeconds: Double
    let dynamicRange: Double

    static let left = 44, right = 12, top = 12, bottom = 34

    func render() -> RGBCanvas {
        // At most 1,600 columns: longer spectrograms are max-pooled so no call disappears.
        let pool = max(1, Int((Double(spectrogram.frames) / 1_600).rounded(.up)))
        let columns = max(1, (spectrogram.frames + pool - 1) / pool)
        let xScale = max(1, min(4, 800 / columns))
        let plotWidth = columns * xScale
        let rowScale = 2
        let plotHeight = spectrogram.rows * rowScale
        var canvas = RGBCanvas(width: Self.left + plotWidth + Self.right, height: Self.top + plotHeight + Self.bottom)

        let peak = max(spectrogram.values.max() ?? 0, Float.leastNormalMagnitude)
        let floor = 20 * log10(Double(peak)) - dynamicRange
        for column in 0..<columns {
            for row in 0..<spectrogram.rows {
                var value: Float = 0
                for frame in (column * pool)..<min(spectrogram.frames, (column + 1) * pool) { value = max(value, spectrogram[row, frame]) }
                let decibels = 20 * log10(max(Double(value), 1e-30))
                let level = min(1, max(0, (decibels - floor) / dynamicRange))
                let color = Self.colorMap(level)
                for dx in 0..<xScale {
                    for dy in 0..<rowScale {
                        canvas.set(Self.left + column * xScale + dx, Self.top + (spectrogram.rows - 1 - row) * rowScale + dy, color)
                    }
                }
            }
        }
        // Axes.
        let x0 = Self.left - 1, y0 = Self.top + plotHeight
        canvas.line(from: (x0, Self.top), to: (x0, y0))
        canvas.line(from: (x0, y0), to: (Self.left + plotWidth, y0))
        // Frequency ticks every 20 kHz.
        let frequencies = spectrogram.frequencies
        if let lowest = frequencies.first, let highest = frequencies.last, frequencies.count > 1 {
            let rowHeight = Double(plotHeight) / Double(frequencies.count)
            var tick = (lowest / 20_000).rounded(.up) * 20_000
            while tick <= highest {
                let y = Self.top + plotHeight - Int(((tick - lowest) / (highest - lowest)) * Double(plotHeight - Int(rowHeight)) + rowHeight / 2)
                canvas.line(from: (x0 - 4, y), to: (x0, y))
                let label = String(Int(tick / 1_000))
                canvas.text(label, x: x0 - 6 - RGBCanvas.textWidth(label), y: y - 3)
                tick += 20_000
            }
        }
        canvas.text("kHz", x: 2, y: Self.top)
        // Time ticks at a 1-2-5 step giving about six labels.
        let seconds = Double(spectrogram.frames) / spectrogram.frameRate
        let rawStep = max(seconds * 1_000 / 6, 0.001)
        let magnitude = pow(10, (log10(rawStep)).rounded(.down))
        let step = [1.0, 2.0, 5.0, 10.0].map { $0 * magnitude }.first { $0 >= rawStep } ?? rawStep
        let startMilliseconds = startSeconds * 1_000
        var tick = (startMilliseconds / step).rounded(.up) * step
        while tick <= startMilliseconds + seconds * 1_000 + 1e-9 {
            let x = Self.left + Int((tick - startMilliseconds) / (seconds * 1_000) * Double(plotWidth))
            canvas.line(from: (x, y0), to: (x, y0 + 4))
            let label = step >= 1 ? String(Int(tick.rounded())) : String(format: "%.1f", tick)
            canvas.text(label, x: x - RGBCanvas.textWidth(label) / 2, y: y0 + 7)
            tick += step
        }
        canvas.text("ms", x: Self.left + plotWidth - RGBCanvas.textWidth("ms"), y: y0 + 20)
        return canvas
    }

    /// A dark-blue → purple → orange → yellow map, increasing in lightness (readable in grey too).
    static func colorMap(_ level: Double) -> (UInt8, UInt8, UInt8) {
        let stops: [(Double, Double, Double)] = [(0, 0, 4), (40, 11, 84), (101, 21, 110), (159, 42, 99),
                                                 (212, 72, 66), (245, 125, 21), (250, 193, 39), (252, 255, 164)]
        let position = level * Double(stops.count - 1)
        let index = min(stops.count - 2, Int(position))
        let fraction = position - Double(index)
        func mix(_ a: Double, _ b: Double) -> UInt8 { UInt8(max(0, min(255, (a + (b - a) * fraction).rounded()))) }
        let low = stops[index], high = stops[index + 1]
        return (mix(low.0, high.0), mix(low.1, high.1), mix(low.2, high.2))
    }
}

/// A 5×7 bitmap font for axis labels: digits, a few letters and signs. Each glyph is seven rows of five bits.
enum Font5x7 {
    static let glyphs: [Character: [UInt8]] = [
        "0": [0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E], "1": [0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E],
        "2": [0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F], "3": [0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E],
        "4": [0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02], "5": [0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E],
        "6": [0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E], "7": [0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08],
        "8": [0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E], "9": [0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C],
        "k": [0x10, 0x10, 0x12, 0x14, 0x18, 0x14, 0x12], "H": [0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11],
        "z": [0x00, 0x00, 0x1F, 0x02, 0x04, 0x08, 0x1F], "m": [0x00, 0x00, 0x1A, 0x15, 0x15, 0x11, 0x11],
        "s": [0x00, 0x00, 0x0E, 0x10, 0x0E, 0x01, 0x1E], ".": [0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C],
        "-": [0x00, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x00], " ": [0, 0, 0, 0, 0, 0, 0],
        "?": [0x0E, 0x11, 0x01, 0x02, 0x04, 0x00, 0x04],
    ]
}
