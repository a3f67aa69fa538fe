import CFFTW3
import Foundation
import USVCore

/// MATLAB's `hanning(N)`: symmetric, without the zero end points: w[k] = 0.5·(1 − cos(2πk/(N+1))), k = 1…N.
/// (scipy's default `hann` is the periodic window with zeros, a different one.)
public func matlabHanning(_ length: Int) -> [Float] {
    let denominator = Double(length + 1)
    return (1...max(1, length)).map { index -> Float in
        let phase = 2 * Double.pi * Double(index) / denominator
        return Float(0.5 * (1 - cos(phase)))
    }
}

/// The FFTW planner is not thread-safe: plans are created and destroyed under this one lock; executing a
/// plan on its own buffers is safe from any thread.
private let fftwPlannerLock = NSLock()

/// Computes spectrogram frames with one reusable FFTW single-precision plan. One engine per thread.
public final class SpectrogramEngine {
    public let parameters: SpectrogramParameters
    public let sampleRate: Int
    public let rows: Int
    private let firstRow: Int
    private let window: [Float]
    private let input: UnsafeMutablePointer<Float>
    private let output: UnsafeMutablePointer<fftwf_complex>
    private let plan: fftwf_plan

    public init(parameters: SpectrogramParameters = SpectrogramParameters(), sampleRate: Int) throws {
        try parameters.validate()
        guard sampleRate > 0 else { throw USVError.usage("sample rate must be positive") }
        self.parameters = parameters
        self.sampleRate = sampleRate
        firstRow = parameters.firstRow(sampleRate: sampleRate)
        rows = parameters.rowCount(sampleRate: sampleRate)
        guard rows > 0 else {
            throw USVError.usage("no spectrogram rows above \(parameters.minimumFrequency) Hz at \(sampleRate) Hz")
        }
        window = matlabHanning(parameters.windowLength)
        let length = parameters.fftLength
        let input = UnsafeMutablePointer<Float>.allocate(capacity: length)
        input.initialize(repeating: 0, count: length)
        let output = UnsafeMutablePointer<fftwf_complex>.allocate(capacity: length / 2 + 1)
        fftwPlannerLock.lock()
        let made = fftwf_plan_dft_r2c_1d(Int32(length), input, output, UInt32(FFTW_ESTIMATE))
        fftwPlannerLock.unlock()
        self.input = input
        self.output = output
        guard let made else {
            input.deallocate()
            output.deallocate()
            throw USVError.io(path: "FFTW", reason: "could not make a plan of length \(length)")
        }
        plan = made
    }

    deinit {
        fftwPlannerLock.lock()
        fftwf_destroy_plan(plan)
        fftwPlannerLock.unlock()
        input.deallocate()
        output.deallocate()
    }

    /// Writes the `rows` magnitudes of the frame starting at `samples[start]` into `destination`.
    public func frame(_ samples: UnsafeBufferPointer<Float>, start: Int, into destination: UnsafeMutablePointer<Float>) {
        let length = parameters.windowLength
        for index in 0..<length { input[index] = samples[start + index] * window[index] }
        fftwf_execute_dft_r2c(plan, input, output)
        output.withMemoryRebound(to: Float.self, capacity: 2 * (parameters.fftLength / 2 + 1)) { complex in
            for row in 0..<rows {
                let bin = firstRow + row
                let real = complex[2 * bin]
                let imaginary = complex[2 * bin + 1]
                destination[row] = (real * real + imaginary * imaginary).squareRoot()
            }
        }
    }

    /// The spectrogram of a whole buffer (one USV's samples, or a short recording).
    public func spectrogram(of samples: [Float]) -> Spectrogram {
        let frames = parameters.frameCount(samples: samples.count)
        var values = [Float](repeating: 0, count: frames * rows)
        samples.withUnsafeBufferPointer { source in
            values.withUnsafeMutableBufferPointer { target in
                guard let base = target.baseAddress else { return }
                for frameIndex in 0..<frames {
                    frame(source, start: frameIndex * parameters.hop, into: base + frameIndex * rows)
                }
            }
        }
        return Spectrogram(rows: rows, frames: frames, values: values, sampleRate: sampleRate, parameters: parameters)
    }
}

/// Streams a recording's spectrogram from disk in blocks: memory stays constant however long the file.
public struct StreamingSpectrogram {
    public let parameters: SpectrogramParameters
    /// Frames handed to `body` per call.
    public var framesPerBlock: Int = 1_200

    public init(parameters: SpectrogramParameters = SpectrogramParameters(), framesPerBlock: Int = 1_200) {
        self.parameters = parameters
        self.framesPerBlock = max(1, framesPerBlock)
    }

    /// Calls `body(firstFrame, frameCount, values)` for consecutive blocks of frames (values frame-major,
    /// `rows` per frame) of the chosen channel of the file at `path` — all frames, or only `frames` (so that several
    /// threads can share one recording). Returns the number of frames delivered.
    @discardableResult
    public func run(path: String, frames wanted: Range<Int>? = nil, channel: ChannelSelection = .only,
                    _ body: (_ firstFrame: Int, _ frames: Int, _ rows: Int, UnsafeBufferPointer<Float>) throws -> Void) throws -> Int {
        try run(source: .file(path), frames: wanted, channel: channel, body)
    }

    /// The same for any byte source (a file, an in-memory file, an archive member).
    @discardableResult
    public func run(source: ByteSource, frames wanted: Range<Int>? = nil, channel: ChannelSelection = .only,
                    _ body: (_ firstFrame: Int, _ frames: Int, _ rows: Int, UnsafeBufferPointer<Float>) throws -> Void) throws -> Int {
        guard channel != .all else { throw USVError.usage("a spectrogram is of one channel (or their mix), not of all at once") }
        let reader = try AudioFileReader(source: source)
        reader.channel = channel
        try channel.check(channels: reader.info.channels, path: reader.path)
        let engine = try SpectrogramEngine(parameters: parameters, sampleRate: reader.info.sampleRate)
        let hop = parameters.hop
        let window = parameters.windowLength
        let allFrames = parameters.frameCount(samples: reader.info.frames)
        let range = (wanted ?? 0..<allFrames).clamped(to: 0..<allFrames)
        guard !range.isEmpty else { return 0 }
        try reader.seek(toFrame: range.lowerBound * hop)
        var remainingFrames = range.count
        // Samples for `framesPerBlock` frames plus the overlap carried from the previous block.
        let blockSamples = (framesPerBlock - 1) * hop + window
        var samples = [Float](repeating: 0, count: blockSamples)
        var valid = 0
        var values = [Float](repeating: 0, count: framesPerBlock * engine.rows)
        var nextFrame = range.lowerBound
        var scratch = [Float](repeating: 0, count: blockSamples)
        var ended = false
        while !ended && remainingFrames > 0 {
            // Fill the sample buffer to capacity (or to the end of the file).
            while valid < blockSamples {
                let want = blockSamples - valid
                if scratch.count != want { scratch = [Float](repeating: 0, count: want) }
                let count = try reader.read(into: &scratch)
                if count == 0 { ended = true; break }
                samples.replaceSubrange(valid..<(valid + count), with: scratch[0..<count])
                valid += count
            }
            let frames = min(parameters.frameCount(samples: valid), remainingFrames)
            guard frames > 0 else { break }
            remainingFrames -= frames
            samples.withUnsafeBufferPointer { source in
                values.withUnsafeMutableBufferPointer { target in
                    guard let base = target.baseAddress else { return }
                    for index in 0..<frames { engine.frame(source, start: index * hop, into: base + index * engine.rows) }
                }
            }
            try values.withUnsafeBufferPointer { try body(nextFrame, frames, engine.rows, UnsafeBufferPointer(rebasing: $0[0..<(frames * engine.rows)])) }
            nextFrame += frames
            // Keep the samples the next frame still needs.
            let consumed = frames * hop
            let keep = valid - consumed
            if keep > 0 { samples.replaceSubrange(0..<keep, with: samples[consumed..<valid]) }
            valid = max(0, keep)
        }
        return nextFrame - range.lowerBound
    }
}
