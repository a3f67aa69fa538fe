import Foundation
import USVCore

/// Makes ultrasonic calls audible, the two ways bat and mouse researchers listen to them:
///
/// - **Time expansion** (`slowed`): the samples played N times slower, so every frequency is divided by N and
///   the call lasts N times longer (a 70 kHz whistle at N = 20 is a 3.5 kHz whistle; DeepSqueak's 0.05×
///   playback). Nothing is lost; the samples are unchanged, only the rate they are played at.
/// - **Heterodyning** (`heterodyned`): the signal multiplied by a tone at `HZ` and low-passed, so a call near HZ
///   is heard in real time at |f − HZ| (a bat detector); calls far from HZ are not heard.
///
/// Both fade in and out over a few milliseconds so that playback starts and ends without a click.
public enum AudibleAudio {
    /// The samples at `signal.sampleRate / factor` (rounded to a whole number of Hz), faded at the ends.
    public static func slowed(_ signal: AudioSignal, by factor: Int) throws -> AudioSignal {
        guard factor >= 1, factor <= 1_000 else { throw USVError.usage("--slow must be between 1 and 1000, got \(factor)") }
        let rate = Int((Double(signal.sampleRate) / Double(factor)).rounded())
        guard rate >= 1_000 else {
            throw USVError.usage("--slow \(factor) would play at \(rate) Hz; choose a factor of at most \(signal.sampleRate / 1_000)")
        }
        return AudioSignal(samples: faded(signal.samples, rate: rate), sampleRate: rate)
    }

    /// The signal mixed down by a `frequency` Hz tone, low-passed at `bandwidth` Hz and decimated to at most
    /// 48 kHz, faded at the ends.
    public static func heterodyned(_ signal: AudioSignal, at frequency: Double, bandwidth: Double = 15_000) throws -> AudioSignal {
        let nyquist = Double(signal.sampleRate) / 2
        guard frequency.isFinite, frequency > 0, frequency < nyquist else {
            throw USVError.usage("--heterodyne must be between 0 and \(Int(nyquist)) Hz (half the sample rate), got \(frequency)")
        }
        let decimation = max(1, Int((Double(signal.sampleRate) / 48_000).rounded(.up)))
        let outputRate = signal.sampleRate / decimation
        let cutoff = min(bandwidth, 0.45 * Double(outputRate))
        // Windowed-sinc low-pass (Blackman), long enough for a sharp edge at these rates.
        let taps = 2 * max(8, Int(4 * Double(signal.sampleRate) / cutoff)) + 1
        let centre = taps / 2
        let normalised = cutoff / Double(signal.sampleRate)
        var kernel = (0..<taps).map { index -> Double in
            let offset = Double(index - centre)
            let sinc = offset == 0 ? 2 * normalised : sin(2 * .pi * normalised * offset) / (.pi * offset)
            let phase = 2 * Double.pi * Double(index) / Double(taps - 1)
            return sinc * (0.42 - 0.5 * cos(phase) + 0.08 * cos(2 * phase))
        }
        let gain = kernel.reduce(0, +)
        kernel = kernel.map { $0 / gain }
        let step = 2 * Double.pi * frequency / Double(signal.sampleRate)
        let mixed = signal.samples.enumerated().map { Double($1) * 2 * cos(step * Double($0)) }
        var output: [Float] = []
        output.reserveCapacity(mixed.count / decimation + 1)
        var index = 0
        while index < mixed.count {
            var sum = 0.0
            for tap in 0..<taps {
                let source = index + tap - centre
                if source >= 0 && source < mixed.count { sum += kernel[tap] * mixed[source] }
            }
            output.append(Float(max(-1, min(1, sum))))
            index += decimation
        }
        return AudioSignal(samples: faded(output, rate: outputRate), sampleRate: outputRate)
    }

    /// Raised-cosine fades of 5 ms (at most a quarter of the signal) at both ends.
    static func faded(_ samples: [Float], rate: Int) -> [Float] {
        var output = samples
        let length = min(samples.count / 4, max(1, rate / 200))
        guard length > 0 else { return output }
        for index in 0..<length {
            let weight = Float(0.5 * (1 - cos(Double.pi * Double(index) / Double(length))))
            output[index] *= weight
            output[output.count - 1 - index] *= weight
        }
        return output
    }
}
