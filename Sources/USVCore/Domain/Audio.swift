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
