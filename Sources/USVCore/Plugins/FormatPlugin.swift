/// How sure a format is that it can read some bytes. Magic bytes beat a file extension.
public enum SniffConfidence: Int, Sendable, Comparable, Codable {
    case no = 0
    case byExtension = 1
    case byContent = 2

    public static func < (lhs: SniffConfidence, rhs: SniffConfidence) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A file format. Capabilities (`read`, `write`, …) are declared in the descriptor, like GDAL drivers'
/// flags, and the content-specific protocols below say what is read or written.
public protocol FormatPlugin: Plugin {
    /// Lowercase extensions without the dot, most common first.
    static var fileExtensions: [String] { get }
    /// Judge the first bytes of a file (at least 64 when the file has them) and its name.
    func sniff(head: [UInt8], fileName: String) -> SniffConfidence
}

extension FormatPlugin {
    /// Extension match only; formats with magic bytes override this.
    public func sniff(head: [UInt8], fileName: String) -> SniffConfidence {
        Self.fileExtensions.contains(fileName.fileExtension) ? .byExtension : .no
    }
}

/// A format that decodes audio.
public protocol AudioReadingFormat: FormatPlugin {
    /// Reads frames `range` (all when nil) of the chosen channel (`.all`: every channel, interleaved).
    func readAudio(from source: ByteSource, frames range: Range<Int>?, channel: ChannelSelection) throws -> AudioSignal
    /// Sample rate, channels, frame count and encoding without decoding the samples.
    func audioInfo(of source: ByteSource) throws -> AudioInfo
}

extension AudioReadingFormat {
    /// Reads frames `range` (all when nil) of a mono file (a multichannel one is an error naming its channels).
    public func readAudio(from source: ByteSource, frames range: Range<Int>?) throws -> AudioSignal {
        try readAudio(from: source, frames: range, channel: .only)
    }
}

/// A format that encodes audio.
public protocol AudioWritingFormat: FormatPlugin {
    /// Encodings this writer offers (`pcm16`, `pcm24`, `float`), the first being the default.
    static var encodings: [String] { get }
    func writeAudio(_ signal: AudioSignal, to path: String, encoding: String?) throws
}

extension String {
    /// The lowercase extension of a path or member name, without the dot ("" when none).
    public var fileExtension: String {
        let name = split(separator: "/").last.map(String.init) ?? self
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return String(name[name.index(after: dot)...]).lowercased()
    }
}

/// A format that reads MATLAB MAT-files (the per-USV files of the Donders data set are MAT-files).
public protocol MATLABReading: FormatPlugin {
    /// The variables of the file, in order.
    func readMATLAB(_ source: ByteSource) throws -> [(name: String, value: MATValue)]
}

/// A format that writes MATLAB MAT-files (per-USV `v` structs that the paper's MATLAB code reads).
public protocol MATLABWriting: FormatPlugin {
    /// Versions offered ("v5", "v7.3"), the first being the default.
    static var matlabVersions: [String] { get }
    func writeMATLAB(_ variables: [(name: String, value: MATValue)], to path: String, version: String) throws
}

/// A format that draws spectrograms as pictures people can look at.
public protocol SpectrogramImageWriting: FormatPlugin {
    /// Draws `spectrogram` (log-scaled, frequency axis in kHz, time axis in ms from `startSeconds`).
    func writeSpectrogramImage(_ spectrogram: Spectrogram, to path: String, startSeconds: Double) throws
}

/// A format that reads raster images (e.g. the deposited spectrogram PNGs) as 8-bit grayscale.
public protocol GrayImageReading: FormatPlugin {
    func readGrayImage(from source: ByteSource) throws -> GrayImage
}

/// An 8-bit grayscale raster, rows top to bottom.
public struct GrayImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.pixels = pixels
    }
}
