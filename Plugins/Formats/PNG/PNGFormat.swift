import CPNG
import USVCore

/// PNG through libpng: draws spectrograms with axes (`writeSpectrogramImage`) and reads PNGs such as the
/// data set's deposited spectrogram images as grayscale.
public struct PNGFormat: SpectrogramImageWriting, GrayImageReading {
    public static let descriptor = PluginDescriptor(
        id: "format.png", version: "1.0.0", kind: .format,
        summary: "PNG: spectrogram pictures with kHz and ms axes (write), grayscale images such as the deposited spectrograms (read)",
        capabilities: ["read", "write", "sniff", "image", "spectrogram-picture"],
        parameters: [PluginParameter("dynamic-range", type: "dB", default: "60", "magnitudes this far below the maximum are black")])

    public static let fileExtensions = ["png"]
    private static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    public var dynamicRange: Double

    public init(dynamicRange: Double = 60) { self.dynamicRange = dynamicRange }

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

    /// libpng's NUL-terminated message buffer as text.
    private static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public func writeSpectrogramImage(_ spectrogram: Spectrogram, to path: String, startSeconds: Double) throws {
        let canvas = SpectrogramPicture(spectrogram: spectrogram, startSeconds: startSeconds, dynamicRange: dynamicRange).render()
        var message = [CChar](repeating: 0, count: 256)
        let ok = canvas.pixels.withUnsafeBufferPointer {
            usv_png_write_rgb(path, UInt32(canvas.width), UInt32(canvas.height), $0.baseAddress, &message, message.count)
        }
        guard ok == 1 else { throw USVError.io(path: path, reason: "cannot write PNG: \(Self.text(message))") }
    }
}
