/// An 8-bit RGB colour for pictures.
public struct PictureColor: Sendable, Hashable {
    public var red: UInt8
    public var green: UInt8
    public var blue: UInt8

    public init(_ red: UInt8, _ green: UInt8, _ blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }
}

/// A named row of coloured time spans drawn with a spectrogram picture, on the picture's time axis
/// (e.g. the true calls of a recording, coloured by whether a detector found them).
public struct PictureTrack: Sendable, Hashable {
    public struct Span: Sendable, Hashable {
        /// Seconds, on the same clock as the spectrogram's `startSeconds`.
        public var start: Double
        public var stop: Double
        public var color: PictureColor

        public init(start: Double, stop: Double, color: PictureColor) {
            self.start = start
            self.stop = stop
            self.color = color
        }
    }

    public var name: String
    /// Drawn in order, so later spans cover earlier ones where they meet.
    public var spans: [Span]

    public init(name: String, spans: [Span]) {
        self.name = name
        self.spans = spans
    }
}

/// How a spectrogram picture is labelled and scaled, beyond the writer's defaults.
public struct PictureOptions: Sendable, Hashable {
    /// A line above the picture (the file and the stretch, say).
    public var title: String?
    /// dB above the noise floor drawn in full colour (nil: the writer's default).
    public var dynamicRange: Double?

    public init(title: String? = nil, dynamicRange: Double? = nil) {
        self.title = title
        self.dynamicRange = dynamicRange
    }
}

/// A format that draws spectrogram pictures with a title, tracks of time spans and a legend.
public protocol SpectrogramTrackImageWriting: SpectrogramImageWriting {
    /// Draws `spectrogram` as `writeSpectrogramImage` does, with `tracks` as rows of coloured spans on the same
    /// time axis, `legend` naming the colours, and `options` (title, dynamic range).
    func writeSpectrogramImage(_ spectrogram: Spectrogram, to path: String, startSeconds: Double,
                               tracks: [PictureTrack], legend: [(name: String, color: PictureColor)], options: PictureOptions) throws
}

extension SpectrogramTrackImageWriting {
    public func writeSpectrogramImage(_ spectrogram: Spectrogram, to path: String, startSeconds: Double,
                                      tracks: [PictureTrack], legend: [(name: String, color: PictureColor)]) throws {
        try writeSpectrogramImage(spectrogram, to: path, startSeconds: startSeconds, tracks: tracks, legend: legend, options: PictureOptions())
    }
}
