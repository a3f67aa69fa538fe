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
        // 233 rows of 2 px between a 12 px top margin and 50 px of time axis; 4 px per ms between 72 px of
        // frequency labels and 92 px of colour bar.
        let seconds = Double(input.spectrogram.frames) / input.spectrogram.frameRate
        let plotWidth = Int((seconds * 4_000).rounded())
        #expect(image.height == 12 + 233 * 2 + 50)
        #expect(image.width == 72 + plotWidth + 92)
        // The sweep is brighter than the background inside the plot; the margins are white.
        let plotPixels = (12..<(12 + 466)).flatMap { y in (72..<(72 + plotWidth)).map { image.pixels[y * image.width + $0] } }
        #expect((plotPixels.max() ?? 0) > 200)
        #expect(image.pixels[image.width * (image.height - 1) + image.width - 1] == 255)
        // The axis line is black.
        #expect(image.pixels[100 * image.width + 71] == 0)
        // The colour bar: bright at its top (40 dB above the floor), dark at its bottom (the floor).
        let bar = 72 + plotWidth + 14 + 7
        #expect(image.pixels[13 * image.width + bar] > 200)
        #expect(image.pixels[(12 + 465) * image.width + bar] < 30)
    }

    /// Scaled from the noise floor: a stretch without a call stays dark (it used to be scaled to its own
    /// maximum, so noise looked like signal), and a call in the same noise stands out.
    @Test func aSilentStretchLooksSilentAndACallStandsOut() throws {
        let directory = try TemporaryDirectory("png-floor")
        defer { directory.remove() }
        var call = TestCall(duration: 0.05) { 60_000 + 10_000 * $0 }
        call.amplitude = 0.05
        var silent = call
        silent.amplitude = 0
        func meanAndMaximum(_ test: TestCall, _ name: String) throws -> (mean: Double, maximum: UInt8) {
            let input = try test.featureInput()
            let path = directory.file(name)
            try PNGFormat().writeSpectrogramImage(input.spectrogram, to: path, startSeconds: 0)
            let image = try PNGFormat().readGrayImage(from: .file(path))
            let plotWidth = Int((Double(input.spectrogram.frames) / input.spectrogram.frameRate * 4_000).rounded())
            let plot = (12..<(12 + 466)).flatMap { y in (72..<(72 + plotWidth)).map { image.pixels[y * image.width + $0] } }
            return (Double(plot.reduce(0) { $0 + Int($1) }) / Double(max(1, plot.count)), plot.max() ?? 0)
        }
        let quiet = try meanAndMaximum(silent, "silent.png"), loud = try meanAndMaximum(call, "call.png")
        #expect(quiet.mean < 45, "a stretch of noise should look dark: mean gray \(quiet.mean)")
        #expect(quiet.maximum < 160, "no noise pixel should look like a call: \(quiet.maximum)")
        #expect(loud.maximum > 220)
    }

    @Test func aTitleAndMarkedCallsAreDrawn() throws {
        let directory = try TemporaryDirectory("png-tracks")
        defer { directory.remove() }
        let input = try TestCall(duration: 0.06) { 70_000 - 10_000 * $0 }.featureInput()
        let path = directory.file("marked.png")
        let green = PictureColor(46, 160, 67)
        try PNGFormat().writeSpectrogramImage(input.spectrogram, to: path, startSeconds: 0,
                                              tracks: [PictureTrack(name: "found", spans: [.init(start: 0.005, stop: 0.065, color: green)])],
                                              legend: [("detected", green)], options: PictureOptions(title: "Rfem_Afem01.wav  0.000-0.070 s"))
        let image = try PNGFormat().readRGBImage(path: path)
        // Title 24 px, legend 22 px, one track of 18 px above the plot.
        #expect(image.height == 12 + 24 + 22 + 18 + 233 * 2 + 50)
        func pixel(_ x: Int, _ y: Int) -> [UInt8] { Array(image.pixels[(3 * (y * image.width + x))..<(3 * (y * image.width + x) + 3)]) }
        // The track row (y 50–61) is green over the call's columns, grey before it.
        #expect(pixel(72 + 40, 55) == [46, 160, 67])
        #expect(pixel(72 + 5, 55) == [232, 232, 232])
        // The title's text is black pixels in its row.
        #expect((72..<300).contains { pixel($0, 10) == [0, 0, 0] })
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

    /// The reader decodes from one read of the bytes (files, memory, archive members alike): the buffer is sized from
    /// the header the decoder reads. A header announcing an absurd size is refused before anything is allocated.
    @Test func decodesFromOneReadOfTheBytes() throws {
        let directory = try TemporaryDirectory("png-memory")
        defer { directory.remove() }
        let input = try TestCall(duration: 0.03) { 50_000 + 10_000 * $0 }.featureInput()
        let path = directory.file("call.png")
        try PNGFormat().writeSpectrogramImage(input.spectrogram, to: path, startSeconds: 0)
        let bytes = try readWholeFile(path, limit: 1 << 24)
        let fromFile = try PNGFormat().readGrayImage(from: .file(path))
        #expect(try PNGFormat().readGrayImage(from: .memory(name: "call.png", bytes: bytes)) == fromFile)
        let writer = try ArchiveWriter(path: directory.file("pictures.zip"), format: .zip(compress: true))
        try writer.add(member: "pictures/call.png", bytes: bytes)
        try writer.close()
        #expect(try PNGFormat().readGrayImage(from: .archiveMember(archive: directory.file("pictures.zip"), member: "pictures/call.png")) == fromFile)
        // 100000 × 100000 in a header with a valid CRC: refused by size, naming the source.
        var huge = bytes
        for (offset, value) in [(16, UInt32(100_000)), (20, UInt32(100_000))] {
            for byte in 0..<4 { huge[offset + byte] = UInt8(truncatingIfNeeded: value >> (24 - 8 * UInt32(byte))) }
        }
        let crc = Self.crc32(Array(huge[12..<29]))
        for byte in 0..<4 { huge[29 + byte] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * UInt32(byte))) }
        do {
            _ = try PNGFormat().readGrayImage(from: .memory(name: "huge.png", bytes: huge))
            Issue.record("a 100000 × 100000 header must be refused")
        } catch let error as USVError {
            #expect(error.description.contains("huge.png") && error.description.contains("100000×100000"), "\(error)")
        }
        // Cut short: an error, not a partial image.
        #expect(throws: USVError.self) { try PNGFormat().readGrayImage(from: .memory(name: "cut.png", bytes: Array(bytes.prefix(bytes.count / 2)))) }
    }

    /// PNG's CRC-32 (ISO 3309).
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
