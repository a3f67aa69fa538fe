import Foundation
import Testing
import USVCore
import USVFormatPNG
import USVSignal
import USVTestSupport

@Suite struct PNGFormatTests {
    @Test func conformsAndDrawsAReadableLabelledPicture() throws {
        #expect(checkFormatPlugin(PNGFormat()) == [])
        let directory = try TemporaryDirectory("png")
        defer { directory.remove() }
        let input = try TestCall(duration: 0.08) { 50_000 + 30_000 * $0 }.featureInput()
        let path = directory.file("call.png")
        try PNGFormat().writeSpectrogramImage(input.spectrogram, to: path, startSeconds: 0.005)
        let head = Array(try readWholeFile(path, limit: 1 << 24).prefix(64))
        #expect(PNGFormat().sniff(head: head, fileName: "x") == .byContent)
        let image = try PNGFormat().readGrayImage(from: .file(path))
        #expect(image.height == 12 + 233 * 2 + 34)
        #expect(image.width > 44 + input.spectrogram.frames)
        // The sweep is brighter than the background inside the plot; the margins are white.
        let plotPixels = (12..<(12 + 466)).flatMap { y in (44..<(image.width - 12)).map { image.pixels[y * image.width + $0] } }
        #expect((plotPixels.max() ?? 0) > 200)
        #expect(image.pixels[image.width * (image.height - 1) + image.width - 1] == 255)
        // The axis line is black.
        #expect(image.pixels[100 * image.width + 43] == 0)
    }

    @Test func junkIsRefusedWithTheFileName() throws {
        let directory = try TemporaryDirectory("png")
        defer { directory.remove() }
        let path = try directory.write("bad.png", "not a png")
        do {
            _ = try PNGFormat().readGrayImage(from: .file(path))
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("bad.png"))
        }
    }
}
