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

/// Lays out a spectrogram picture a scientist can put on a slide: an optional title; the image as dB above the
/// stretch's noise floor (its median magnitude: a stretch without calls stays dark, however quiet the recording)
/// through a perceptual colour map, `dynamicRange` dB above the floor in full colour; a dB colour bar; a frequency
/// axis in kHz; a time axis in ms (s for stretches of 2 s and more) on the recording's clock; a fixed 4 pixels per
/// millisecond up to 400 ms (longer stretches are fitted into 1,600 pixels, max-pooled so no call disappears);
/// labels in a 10 × 14 pixel font; and optional tracks of marked calls above the image.
struct SpectrogramPicture {
    let spectrogram: Spectrogram
    let startSeconds: Double
    let dynamicRange: Double
    var title: String? = nil
    /// Rows of coloured time spans above the image, and a legend above them (both optional).
    var tracks: [PictureTrack] = []
    var legend: [(name: String, color: PictureColor)] = []

    static let left = 72, right = 92, top = 12, bottom = 50
    /// Labels are drawn at twice the font's size.
    static let fontScale = 2
    static let pixelsPerMillisecond = 4.0, maximumPlotWidth = 1_600
    /// A track's bar height and the distance from one track to the next; the legend row's height; the title's.
    static let trackHeight = 12, trackPitch = 18, legendHeight = 22, titleHeight = 24

    /// Height of the title, legend and tracks above the image's usual top margin.
    var headerHeight: Int { (title == nil ? 0 : Self.titleHeight) + (legend.isEmpty ? 0 : Self.legendHeight) + tracks.count * Self.trackPitch }

    /// The noise floor (dB): the median magnitude of the picture, which calls (narrow in frequency) barely move.
    var noiseFloorDecibels: Double {
        let positive = spectrogram.values.filter { $0 > 0 }
        guard !positive.isEmpty else { return -300 }
        var sorted = positive
        sorted.sort()
        return 20 * log10(Double(sorted[sorted.count / 2]))
    }

    func render() -> RGBCanvas {
        let seconds = Double(spectrogram.frames) / spectrogram.frameRate
        let plotWidth = max(1, min(Self.maximumPlotWidth, Int((seconds * 1_000 * Self.pixelsPerMillisecond).rounded())))
        let rowScale = max(1, min(3, 480 / max(1, spectrogram.rows)))
        let plotHeight = spectrogram.rows * rowScale
        let top = Self.top + headerHeight
        var canvas = RGBCanvas(width: Self.left + plotWidth + Self.right, height: top + plotHeight + Self.bottom)
        let floor = noiseFloorDecibels
        let range = max(1, dynamicRange)
        for x in 0..<plotWidth {
            // The frames this column covers (at least the nearest one), max-pooled.
            let first = min(spectrogram.frames - 1, x * spectrogram.frames / plotWidth)
            let last = max(first + 1, min(spectrogram.frames, (x + 1) * spectrogram.frames / plotWidth))
            for row in 0..<spectrogram.rows {
                var value: Float = 0
                for frame in first..<last { value = max(value, spectrogram[row, frame]) }
                let decibels = 20 * log10(max(Double(value), 1e-30))
                let color = Self.colorMap(min(1, max(0, (decibels - floor) / range)))
                for dy in 0..<rowScale { canvas.set(Self.left + x, top + (spectrogram.rows - 1 - row) * rowScale + dy, color) }
            }
        }
        if let title { canvas.text(title, x: Self.left, y: 4, scale: Self.fontScale) }
        drawHeader(on: &canvas, plotWidth: plotWidth, seconds: seconds)
        // Axes.
        let x0 = Self.left - 1, y0 = top + plotHeight
        canvas.line(from: (x0, top), to: (x0, y0))
        canvas.line(from: (x0, y0), to: (Self.left + plotWidth, y0))
        let glyph = 7 * Self.fontScale
        // Frequency ticks every 20 kHz.
        let frequencies = spectrogram.frequencies
        if let lowest = frequencies.first, let highest = frequencies.last, frequencies.count > 1 {
            let rowHeight = Double(plotHeight) / Double(frequencies.count)
            var tick = (lowest / 20_000).rounded(.up) * 20_000
            while tick <= highest {
                let y = top + plotHeight - Int(((tick - lowest) / (highest - lowest)) * Double(plotHeight - Int(rowHeight)) + rowHeight / 2)
                canvas.line(from: (x0 - 5, y), to: (x0, y))
                let label = String(Int(tick / 1_000))
                canvas.text(label, x: x0 - 8 - RGBCanvas.textWidth(label, scale: Self.fontScale), y: y - glyph / 2, scale: Self.fontScale)
                tick += 20_000
            }
        }
        canvas.text("kHz", x: 4, y: top, scale: Self.fontScale)
        // Time ticks at a 1-2-5 step giving about six labels, in ms, or in s for long stretches.
        let inSeconds = seconds >= 2
        let unit = inSeconds ? 1.0 : 1_000.0
        let rawStep = max(seconds * unit / 6, 1e-6)
        let magnitude = pow(10, (log10(rawStep)).rounded(.down))
        let step = [1.0, 2.0, 5.0, 10.0].map { $0 * magnitude }.first { $0 >= rawStep } ?? rawStep
        let startValue = startSeconds * unit
        var tick = (startValue / step).rounded(.up) * step
        let decimals = step >= 1 ? 0 : Int((-log10(step)).rounded(.up))
        while tick <= startValue + seconds * unit + 1e-9 {
            let x = Self.left + Int((tick - startValue) / (seconds * unit) * Double(plotWidth))
            canvas.line(from: (x, y0), to: (x, y0 + 5))
            let label = String(format: "%.\(decimals)f", tick)
            canvas.text(label, x: x - RGBCanvas.textWidth(label, scale: Self.fontScale) / 2, y: y0 + 9, scale: Self.fontScale)
            tick += step
        }
        let unitLabel = inSeconds ? "s" : "ms"
        canvas.text(unitLabel, x: Self.left + plotWidth - RGBCanvas.textWidth(unitLabel, scale: Self.fontScale), y: y0 + 9 + glyph + 6,
                    scale: Self.fontScale)
        drawColorBar(on: &canvas, x: Self.left + plotWidth + 14, top: top, height: plotHeight, range: range)
        return canvas
    }

    /// A vertical bar of the colour map from the noise floor (0 dB) to `range` dB above it, with ticks in dB.
    private func drawColorBar(on canvas: inout RGBCanvas, x: Int, top: Int, height: Int, range: Double) {
        let width = 14
        for y in 0..<height {
            let color = Self.colorMap(1 - Double(y) / Double(max(1, height - 1)))
            for dx in 0..<width { canvas.set(x + dx, top + y, color) }
        }
        canvas.line(from: (x - 1, top), to: (x - 1, top + height))
        canvas.line(from: (x + width, top), to: (x + width, top + height))
        let step = range > 30 ? 10.0 : 5.0
        var level = 0.0
        while level <= range + 1e-9 {
            let y = top + height - 1 - Int(level / range * Double(height - 1))
            canvas.line(from: (x + width, y), to: (x + width + 4, y))
            canvas.text(String(Int(level)), x: x + width + 7, y: y - 7, scale: Self.fontScale)
            level += step
        }
        canvas.text("dB", x: x, y: top + height + 9, scale: Self.fontScale)
    }

    /// The legend (coloured squares with names) and the tracks (a grey bar per track with its spans), above the image
    /// on its time axis: a span covers the columns its times fall in, at least one.
    private func drawHeader(on canvas: inout RGBCanvas, plotWidth: Int, seconds: Double) {
        let legendTop = 4 + (title == nil ? 0 : Self.titleHeight)
        var cursor = Self.left
        for entry in legend {
            for dy in 0..<12 { for dx in 0..<12 { canvas.set(cursor + dx, legendTop + 1 + dy, (entry.color.red, entry.color.green, entry.color.blue)) } }
            canvas.text(entry.name, x: cursor + 16, y: legendTop, scale: Self.fontScale)
            cursor += 16 + RGBCanvas.textWidth(entry.name, scale: Self.fontScale) + 18
        }
        let firstTrack = legendTop + (legend.isEmpty ? 0 : Self.legendHeight)
        for (index, track) in tracks.enumerated() {
            let y = firstTrack + index * Self.trackPitch
            let name = RGBCanvas.textWidth(track.name, scale: Self.fontScale) <= Self.left - 8 ? track.name : String(track.name.prefix(4))
            canvas.text(name, x: Self.left - 8 - RGBCanvas.textWidth(name, scale: Self.fontScale), y: y - 1, scale: Self.fontScale)
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

/// A 5×7 bitmap font for axis labels, legends and titles: digits, lower and upper case, a few signs. Each glyph is seven rows of five bits.
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
        // Capitals and signs for titles (file names, units).
        "A": [0x0E, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11], "B": [0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E],
        "C": [0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E], "D": [0x1C, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1C],
        "E": [0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F], "F": [0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10],
        "G": [0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F], "I": [0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E],
        "J": [0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C], "K": [0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11],
        "L": [0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F], "M": [0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11],
        "N": [0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11], "O": [0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E],
        "P": [0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10], "Q": [0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D],
        "R": [0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11], "S": [0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E],
        "T": [0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04], "U": [0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E],
        "V": [0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04], "W": [0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A],
        "X": [0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11], "Y": [0x11, 0x11, 0x11, 0x0A, 0x04, 0x04, 0x04],
        "Z": [0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F], "–": [0x00, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x00],
        "=": [0x00, 0x00, 0x1F, 0x00, 0x1F, 0x00, 0x00], "+": [0x00, 0x04, 0x04, 0x1F, 0x04, 0x04, 0x00],
        "%": [0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03], "×": [0x00, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x00],
        "#": [0x0A, 0x0A, 0x1F, 0x0A, 0x1F, 0x0A, 0x0A], "'": [0x0C, 0x04, 0x08, 0x00, 0x00, 0x00, 0x00],
    ]
}
