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
        let path = try source.localPath()
        var width: UInt32 = 0, height: UInt32 = 0
        var message = [CChar](repeating: 0, count: 256)
        guard usv_png_read_gray(path, &width, &height, nil, &message, message.count) == 1 else {
            throw USVError.malformed(path: path, location: "header", reason: "not a readable PNG: \(Self.text(message))")
        }
        guard width > 0, height > 0, Int(width) * Int(height) <= 1 << 28 else {
            throw USVError.malformed(path: path, location: "header", reason: "unreasonable size \(width)×\(height)")
        }
        var pixels = [UInt8](repeating: 0, count: Int(width) * Int(height))
        guard usv_png_read_gray(path, &width, &height, &pixels, &message, message.count) == 1 else {
            throw USVError.malformed(path: path, location: "image data", reason: Self.text(message))
        }
        return GrayImage(width: Int(width), height: Int(height), pixels: pixels)
    }

    /// Reads any PNG as 8-bit RGB: width, height and 3 bytes per pixel, rows top to bottom.
    public func readRGBImage(path: String) throws -> (width: Int, height: Int, pixels: [UInt8]) {
        var width: UInt32 = 0, height: UInt32 = 0
        var message = [CChar](repeating: 0, count: 256)
        guard usv_png_read_rgb(path, &width, &height, nil, &message, message.count) == 1 else {
            throw USVError.malformed(path: path, location: "header", reason: "not a readable PNG: \(Self.text(message))")
        }
        guard width > 0, height > 0, Int(width) * Int(height) <= 1 << 26 else {
            throw USVError.malformed(path: path, location: "header", reason: "unreasonable size \(width)×\(height)")
        }
        var pixels = [UInt8](repeating: 0, count: Int(width) * Int(height) * 3)
        guard usv_png_read_rgb(path, &width, &height, &pixels, &message, message.count) == 1 else {
            throw USVError.malformed(path: path, location: "image data", reason: Self.text(message))
        }
        return (Int(width), Int(height), pixels)
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
