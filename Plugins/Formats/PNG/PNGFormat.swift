import CPNG
import USVCore

/// PNG through libpng: draws spectrograms with axes (`writeSpectrogramImage`), optionally with tracks of coloured
/// time spans and a legend above them, and reads PNGs such as the data set's deposited spectrogram images as
/// grayscale (or as RGB, `readRGBImage`).
public struct PNGFormat: SpectrogramTrackImageWriting, GrayImageReading {
    public static let descriptor = PluginDescriptor(
        id: "format.png", version: "1.1.0", kind: .format,
        summary: "PNG: spectrogram pictures with axes, a dB colour bar over the noise floor and marked calls (write), images as gray or RGB (read)",
        capabilities: ["read", "write", "sniff", "image", "spectrogram-picture"],
        parameters: [PluginParameter("dynamic-range", type: "dB", default: "40", "dB above the noise floor drawn in full colour (the floor is black)")])

    public static let fileExtensions = ["png"]
    private static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    public var dynamicRange: Double

    public init(dynamicRange: Double = 40) { self.dynamicRange = dynamicRange }

    public func sniff(head: [UInt8], fileName: String) -> SniffConfidence {
        if head.starts(with: Self.signature) { return .byContent }
        return fileName.fileExtension == "png" ? .byExtension : .no
    }

    public func readGrayImage(from source: ByteSource) throws -> GrayImage {
        let (width, height, pixels) = try decode(source, rgb: false)
        return GrayImage(width: width, height: height, pixels: pixels)
    }

    /// Reads any PNG as 8-bit RGB: width, height and 3 bytes per pixel, rows top to bottom.
    public func readRGBImage(path: String) throws -> (width: Int, height: Int, pixels: [UInt8]) {
        try decode(.file(path), rgb: true)
    }

    /// The largest image decoded, in pixels: 16384 × 16384 gray or 8192 × 8192 RGB (256 MB and 192 MB).
    static let maximumPixels = (gray: 1 << 28, rgb: 1 << 26)

    /// Decodes `source` (a file, memory or an archive member) from one read of its bytes: the buffer is sized from the
    /// same header the decoder reads, and an image larger than `maximumPixels` is refused before anything is allocated.
    func decode(_ source: ByteSource, rgb: Bool) throws -> (width: Int, height: Int, pixels: [UInt8]) {
        let path = source.description
        let bytes = try source.readAll(limit: 1 << 30)
        var message = [CChar](repeating: 0, count: 256)
        return try bytes.withUnsafeBufferPointer { buffer -> (Int, Int, [UInt8]) in
            var width: UInt32 = 0, height: UInt32 = 0
            guard let base = buffer.baseAddress,
                  let image = usv_png_begin_memory(base, buffer.count, &width, &height, &message, message.count) else {
                throw USVError.malformed(path: path, location: "header", reason: "not a readable PNG: \(Self.text(message))")
            }
            let channels = rgb ? 3 : 1
            let (pixelCount, overflow) = Int(width).multipliedReportingOverflow(by: Int(height))
            guard width > 0, height > 0, !overflow, pixelCount <= (rgb ? Self.maximumPixels.rgb : Self.maximumPixels.gray) else {
                usv_png_free_memory(image)
                throw USVError.malformed(path: path, location: "header", reason: "unreasonable size \(width)×\(height)")
            }
            var pixels = [UInt8](repeating: 0, count: pixelCount * channels)
            let ok = pixels.withUnsafeMutableBufferPointer {
                usv_png_finish_memory(image, rgb ? 1 : 0, $0.baseAddress, $0.count, &message, message.count)
            }
            guard ok == 1 else { throw USVError.malformed(path: path, location: "image data", reason: Self.text(message)) }
            return (Int(width), Int(height), pixels)
        }
    }

    /// libpng's NUL-terminated message buffer as text.
    private static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public func writeSpectrogramImage(_ spectrogram: Spectrogram, to path: String, startSeconds: Double) throws {
        try write(SpectrogramPicture(spectrogram: spectrogram, startSeconds: startSeconds, dynamicRange: dynamicRange).render(), to: path)
    }

    public func writeSpectrogramImage(_ spectrogram: Spectrogram, to path: String, startSeconds: Double,
                                      tracks: [PictureTrack], legend: [(name: String, color: PictureColor)], options: PictureOptions) throws {
        try write(SpectrogramPicture(spectrogram: spectrogram, startSeconds: startSeconds, dynamicRange: options.dynamicRange ?? dynamicRange,
                                     title: options.title, tracks: tracks, legend: legend).render(), to: path)
    }

    private func write(_ canvas: RGBCanvas, to path: String) throws {
        var message = [CChar](repeating: 0, count: 256)
        let ok = canvas.pixels.withUnsafeBufferPointer {
            usv_png_write_rgb(path, UInt32(canvas.width), UInt32(canvas.height), $0.baseAddress, &message, message.count)
        }
        guard ok == 1 else { throw USVError.io(path: path, reason: "cannot write PNG: \(Self.text(message))") }
    }
}
