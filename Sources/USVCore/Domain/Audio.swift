/// What an audio file holds, read from its header.
public struct AudioInfo: Codable, Sendable, Hashable {
    public var sampleRate: Int
    public var channels: Int
    public var frames: Int
    /// Bits per sample of the stored encoding (16 for PCM16; 32 for float).
    public var bitDepth: Int
    /// Container and encoding as text, e.g. "wav/pcm16".
    public var encoding: String

    public init(sampleRate: Int, channels: Int, frames: Int, bitDepth: Int, encoding: String) {
        self.sampleRate = sampleRate
        self.channels = channels
        self.frames = frames
        self.bitDepth = bitDepth
        self.encoding = encoding
    }

    public var duration: Double { sampleRate > 0 ? Double(frames) / Double(sampleRate) : 0 }

    /// The frames of the stretch `start`–`stop` seconds (nil: the beginning, the end), rounded to the nearest
    /// sample and clipped at the end; throws when the stretch holds no frame of the file at `path`.
    public func frameRange(start: Double?, stop: Double?, of path: String) throws -> Range<Int> {
        let rate = Double(sampleRate)
        let first = Int(((start ?? 0) * rate).rounded())
        let last = min(frames, stop.map { Int(($0 * rate).rounded()) } ?? frames)
        guard first >= 0, first < last else {
            throw USVError.usage("\(path): the stretch \(start ?? 0)–\(stop ?? duration) s is outside 0–\(duration) s")
        }
        return first..<last
    }
}

/// Mono samples scaled to [-1, 1) with their rate. Multichannel audio is read one channel at a time.
public struct AudioSignal: Sendable, Equatable {
    public var samples: [Float]
    public var sampleRate: Int

    public init(samples: [Float], sampleRate: Int) {
        self.samples = samples
        self.sampleRate = sampleRate
    }

    public var duration: Double { sampleRate > 0 ? Double(samples.count) / Double(sampleRate) : 0 }
}
