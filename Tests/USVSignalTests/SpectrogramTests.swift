import Foundation
import Testing
import USVCore
@testable import USVSignal
import USVTestSupport

/// A straightforward reference: windowed direct DFT in double precision.
func referenceSpectrogram(_ samples: [Float], sampleRate: Int, parameters: SpectrogramParameters) -> [[Double]] {
    let window = (1...parameters.windowLength).map { 0.5 * (1 - cos(2 * Double.pi * Double($0) / Double(parameters.windowLength + 1))) }
    let first = parameters.firstRow(sampleRate: sampleRate)
    let frames = parameters.frameCount(samples: samples.count)
    return (0..<frames).map { frame in
        (first..<(parameters.fftLength / 2)).map { bin in
            var real = 0.0
            var imaginary = 0.0
            for index in 0..<parameters.windowLength {
                let value = Double(samples[frame * parameters.hop + index]) * window[index]
                let angle = -2 * Double.pi * Double(bin * index) / Double(parameters.fftLength)
                real += value * cos(angle)
                imaginary += value * sin(angle)
            }
            return (real * real + imaginary * imaginary).squareRoot()
        }
    }
}

func testSignal(count: Int, sampleRate: Int) -> [Float] {
    var state: UInt64 = 12345
    return (0..<count).map { index in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        let noise = Double(Int64(bitPattern: state >> 11) % 1000) / 50_000
        let t = Double(index) / Double(sampleRate)
        return Float(0.4 * sin(2 * Double.pi * (60_000 * t + 2e5 * t * t)) + 0.1 * sin(2 * Double.pi * 31_000 * t) + noise)
    }
}

@Suite struct SpectrogramTests {
    @Test func matlabHanningIsSymmetricWithoutZeros() {
        let window = matlabHanning(500)
        #expect(window.count == 500)
        #expect(window.first ?? 0 > 0)
        #expect(abs(window[0] - window[499]) < 1e-7)
        #expect(abs(Double(window[0]) - 0.5 * (1 - cos(2 * Double.pi / 501))) < 1e-9)
    }

    @Test func rowCountFollowsTheSampleRate() {
        let parameters = SpectrogramParameters()
        #expect(parameters.rowCount(sampleRate: 300_000) == 233)
        #expect(abs((parameters.frequencies(sampleRate: 300_000).first ?? 0) - 10_200) < 1e-9)
        #expect(abs((parameters.frequencies(sampleRate: 300_000).last ?? 0) - 149_400) < 1e-9)
        #expect(parameters.rowCount(sampleRate: 250_000) == 250 - 20)
    }

    @Test(arguments: [300_000, 250_000])
    func equalsDirectDFT(sampleRate: Int) throws {
        let parameters = SpectrogramParameters()
        let samples = testSignal(count: 2_750, sampleRate: sampleRate)
        let spectrogram = try SpectrogramEngine(parameters: parameters, sampleRate: sampleRate).spectrogram(of: samples)
        let reference = referenceSpectrogram(samples, sampleRate: sampleRate, parameters: parameters)
        #expect(spectrogram.frames == reference.count)
        #expect(spectrogram.frames == 10)
        let peak = reference.flatMap { $0 }.max() ?? 1
        var worst = 0.0
        for frame in 0..<spectrogram.frames {
            for row in 0..<spectrogram.rows {
                // Relative to the frame's largest value: float32 FFT error is absolute, not per bin.
                worst = max(worst, abs(Double(spectrogram[row, frame]) - reference[frame][row]) / peak)
            }
        }
        #expect(worst < 1e-5, "worst relative error \(worst)")
    }

    @Test func streamingEqualsWholeBufferAcrossBlockBoundaries() throws {
        let directory = try TemporaryDirectory("spectrogram")
        defer { directory.remove() }
        let samples = testSignal(count: 100_003, sampleRate: 300_000).map { Float(Int16($0 * 32_767)) / 32_768 }
        let path = directory.file("s.wav")
        let writer = try AudioFileWriter(path: path, sampleRate: 300_000)
        try writer.write(samples.map { Int16(($0 * 32_768).rounded()) })
        try writer.close()
        let whole = try SpectrogramEngine(sampleRate: 300_000).spectrogram(of: samples)
        var streamed: [Float] = []
        var blocks = 0
        let frames = try StreamingSpectrogram(framesPerBlock: 37).run(path: path) { first, count, rows, values in
            #expect(first * rows == streamed.count)
            streamed += values
            blocks += 1
        }
        #expect(frames == whole.frames)
        #expect(frames == 399)
        #expect(blocks == 11)
        #expect(streamed == whole.values)
    }
}
