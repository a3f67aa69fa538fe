import Foundation

/// Parameters of the original pipeline's spectrogram (../shared/docs/donders-dataset.md): MATLAB
/// `hanning(500)`, hop 250, FFT 500, one-sided with the Nyquist bin dropped, linear magnitude, rows from
/// 10 kHz up. At 300 kHz that is 233 rows of 600 Hz (10.2–149.4 kHz) and 1,200 frames per second.
public struct SpectrogramParameters: Sendable, Hashable, Codable {
    public var windowLength: Int = 500
    public var hop: Int = 250
    public var fftLength: Int = 500
    /// Rows whose centre frequency is below this are dropped.
    public var minimumFrequency: Double = 10_000

    public init(windowLength: Int = 500, hop: Int = 250, fftLength: Int = 500, minimumFrequency: Double = 10_000) {
        self.windowLength = windowLength
        self.hop = hop
        self.fftLength = fftLength
        self.minimumFrequency = minimumFrequency
    }

    /// The first kept FFT bin at `sampleRate`.
    public func firstRow(sampleRate: Int) -> Int {
        let binWidth = Double(sampleRate) / Double(fftLength)
        return Int((minimumFrequency / binWidth).rounded(.up))
    }

    /// Rows kept: bins `firstRow ..< fftLength / 2` (the Nyquist bin `fftLength / 2` is dropped).
    public func rowCount(sampleRate: Int) -> Int { max(0, fftLength / 2 - firstRow(sampleRate: sampleRate)) }

    /// Centre frequency of each kept row, Hz.
    public func frequencies(sampleRate: Int) -> [Double] {
        let binWidth = Double(sampleRate) / Double(fftLength)
        return (firstRow(sampleRate: sampleRate)..<(fftLength / 2)).map { Double($0) * binWidth }
    }

    /// Frames of a signal of `samples` samples: windows that fit entirely (MATLAB `spectrogram` convention).
    public func frameCount(samples: Int) -> Int {
        samples < windowLength ? 0 : (samples - windowLength) / hop + 1
    }

    public func validate() throws {
        guard windowLength > 0, hop > 0, fftLength >= windowLength, fftLength % 2 == 0 else {
            throw USVError.usage("spectrogram needs window > 0, hop > 0 and an even FFT length ≥ the window "
                + "(got window \(windowLength), hop \(hop), FFT \(fftLength))")
        }
    }

    /// From the `window` (also the FFT length), `hop` and `min-row-frequency` plugin parameters that every
    /// plugin computing a spectrogram declares, validated.
    public init(_ values: ParameterValues) throws {
        let window = try values.int("window")
        self.init(windowLength: window, hop: try values.int("hop"), fftLength: window,
                  minimumFrequency: try values.double("min-row-frequency"))
        try validate()
    }
}

/// A magnitude spectrogram stored frame by frame: `values[frame * rows + row]`.
public struct Spectrogram: Sendable, Equatable {
    public var rows: Int
    public var frames: Int
    public var values: [Float]
    public var sampleRate: Int
    public var parameters: SpectrogramParameters

    public init(rows: Int, frames: Int, values: [Float], sampleRate: Int, parameters: SpectrogramParameters) {
        self.rows = rows
        self.frames = frames
        self.values = values
        self.sampleRate = sampleRate
        self.parameters = parameters
    }

    public subscript(row: Int, frame: Int) -> Float { values[frame * rows + row] }

    /// The sparse step: bins whose magnitude is below `threshold` become 0 (nothing changes when it is ≤ 0).
    public mutating func zeroValues(below threshold: Float) {
        guard threshold > 0 else { return }
        for index in values.indices where values[index] < threshold { values[index] = 0 }
    }

    public var frequencies: [Double] { parameters.frequencies(sampleRate: sampleRate) }
    public var frameRate: Double { Double(sampleRate) / Double(parameters.hop) }
    /// Time of a frame's window centre, seconds from the start of the analysed samples.
    public func time(ofFrame frame: Int) -> Double {
        (Double(frame * parameters.hop) + Double(parameters.windowLength) / 2) / Double(sampleRate)
    }
}

