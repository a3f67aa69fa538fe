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
    /// Rows of coloured time spans above the image, and a legend above them (both optional).
    var tracks: [PictureTrack] = []
    var legend: [(name: String, color: PictureColor)] = []

    static let left = 44, right = 12, top = 12, bottom = 34
    /// A track's bar height and the distance from one track to the next; the legend row's height.
    static let trackHeight = 9, trackPitch = 12, legendHeight = 14

    /// Height of the legend and tracks above the image's usual top margin.
    var headerHeight: Int { (legend.isEmpty ? 0 : Self.legendHeight) + tracks.count * Self.trackPitch }

    func render() -> RGBCanvas {
        // At most 1,600 columns: longer spectrograms are max-pooled so no call disappears.
        let pool = max(1, Int((Double(spectrogram.frames) / 1_600).rounded(.up)))
        let columns = max(1, (spectrogram.frames + pool - 1) / pool)
        let xScale = max(1, min(4, 800 / columns))
        let plotWidth = columns * xScale
        let rowScale = 2
        let plotHeight = spectrogram.rows * rowScale
        let top = Self.top + headerHeight
        var canvas = RGBCanvas(width: Self.left + plotWidth + Self.right, height: top + plotHeight + Self.bottom)

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
                        canvas.set(Self.left + column * xScale + dx, top + (spectrogram.rows - 1 - row) * rowScale + dy, color)
                    }
                }
            }
        }
        drawHeader(on: &canvas, plotWidth: plotWidth, seconds: Double(spectrogram.frames) / spectrogram.frameRate)
        // Axes.
        let x0 = Self.left - 1, y0 = top + plotHeight
        canvas.line(from: (x0, top), to: (x0, y0))
        canvas.line(from: (x0, y0), to: (Self.left + plotWidth, y0))
        // Frequency ticks every 20 kHz.
        let frequencies = spectrogram.frequencies
        if let lowest = frequencies.first, let highest = frequencies.last, frequencies.count > 1 {
            let rowHeight = Double(plotHeight) / Double(frequencies.count)
            var tick = (lowest / 20_000).rounded(.up) * 20_000
            while tick <= highest {
                let y = top + plotHeight - Int(((tick - lowest) / (highest - lowest)) * Double(plotHeight - Int(rowHeight)) + rowHeight / 2)
                canvas.line(from: (x0 - 4, y), to: (x0, y))
                let label = String(Int(tick / 1_000))
                canvas.text(label, x: x0 - 6 - RGBCanvas.textWidth(label), y: y - 3)
                tick += 20_000
            }
        }
        canvas.text("kHz", x: 2, y: top)
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

    /// The legend (coloured squares with names) and the tracks (a grey bar per track with its spans), above the image
    /// on its time axis: a span covers the columns its times fall in, at least one.
    private func drawHeader(on canvas: inout RGBCanvas, plotWidth: Int, seconds: Double) {
        var cursor = Self.left
        for entry in legend {
            for dy in 0..<7 { for dx in 0..<7 { canvas.set(cursor + dx, 4 + dy, (entry.color.red, entry.color.green, entry.color.blue)) } }
            canvas.text(entry.name, x: cursor + 10, y: 4)
            cursor += 10 + RGBCanvas.textWidth(entry.name) + 12
        }
        let firstTrack = 4 + (legend.isEmpty ? 0 : Self.legendHeight)
        for (index, track) in tracks.enumerated() {
            let y = firstTrack + index * Self.trackPitch
            canvas.text(track.name, x: Self.left - 6 - RGBCanvas.textWidth(track.name), y: y + 1)
            for x in Self.left..<(Self.left + plotWidth) {
                for dy in 0..<Self.trackHeight { canvas.set(x, y + dy, (232, 232, 232)) }
            }
            guard seconds > 0 else { continue }
            func column(_ time: Double) -> Int {
                Int(((time - startSeconds) / seconds * Double(plotWidth)).rounded(.down))
            }
            for span in track.spans {
                let first = max(0, column(span.start))
                let last = min(plotWidth - 1, max(first, column(span.stop) - 1))
                guard first < plotWidth, last >= 0 else { continue }
                let color = (span.color.red, span.color.green, span.color.blue)
                // Spans three or more columns wide get darker edges, so that neighbours of one colour stay apart.
                let edge = (UInt8(Int(span.color.red) * 3 / 5), UInt8(Int(span.color.green) * 3 / 5), UInt8(Int(span.color.blue) * 3 / 5))
                for x in first...last {
                    let shade = last - first >= 2 && (x == first || x == last) ? edge : color
                    for dy in 0..<Self.trackHeight { canvas.set(Self.left + x, y + dy, shade) }
                }
            }
        }
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

/// A 5×7 bitmap font for axis labels and legends: digits, lower case, a few capitals and signs. Each glyph is seven rows of five bits.
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
        // Lower case for legends and track names.
        "a": [0x00, 0x00, 0x0E, 0x01, 0x0F, 0x11, 0x0F], "b": [0x10, 0x10, 0x16, 0x19, 0x11, 0x11, 0x1E],
        "c": [0x00, 0x00, 0x0E, 0x10, 0x10, 0x11, 0x0E], "d": [0x01, 0x01, 0x0D, 0x13, 0x11, 0x11, 0x0F],
        "e": [0x00, 0x00, 0x0E, 0x11, 0x1F, 0x10, 0x0E], "f": [0x06, 0x09, 0x08, 0x1C, 0x08, 0x08, 0x08],
        "g": [0x00, 0x0F, 0x11, 0x11, 0x0F, 0x01, 0x0E], "h": [0x10, 0x10, 0x16, 0x19, 0x11, 0x11, 0x11],
        "i": [0x04, 0x00, 0x0C, 0x04, 0x04, 0x04, 0x0E], "j": [0x02, 0x00, 0x06, 0x02, 0x02, 0x12, 0x0C],
        "l": [0x0C, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E], "n": [0x00, 0x00, 0x16, 0x19, 0x11, 0x11, 0x11],
        "o": [0x00, 0x00, 0x0E, 0x11, 0x11, 0x11, 0x0E], "p": [0x00, 0x00, 0x1E, 0x11, 0x1E, 0x10, 0x10],
        "q": [0x00, 0x00, 0x0D, 0x13, 0x0F, 0x01, 0x01], "r": [0x00, 0x00, 0x16, 0x19, 0x10, 0x10, 0x10],
        "t": [0x08, 0x08, 0x1C, 0x08, 0x08, 0x09, 0x06], "u": [0x00, 0x00, 0x11, 0x11, 0x11, 0x13, 0x0D],
        "v": [0x00, 0x00, 0x11, 0x11, 0x11, 0x0A, 0x04], "w": [0x00, 0x00, 0x11, 0x11, 0x15, 0x15, 0x0A],
        "x": [0x00, 0x00, 0x11, 0x0A, 0x04, 0x0A, 0x11], "y": [0x00, 0x00, 0x11, 0x11, 0x0F, 0x01, 0x0E],
        "(": [0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02], ")": [0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08],
        ":": [0x00, 0x0C, 0x0C, 0x00, 0x0C, 0x0C, 0x00], "_": [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1F],
        "/": [0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x00], ",": [0x00, 0x00, 0x00, 0x00, 0x0C, 0x04, 0x08],
    ]
}
