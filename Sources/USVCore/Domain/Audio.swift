import Foundation

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
        // Clamped before the conversion: a NaN, infinite or huge time is outside the file, never a trap.
        func frame(_ seconds: Double) -> Int? {
            let value = (seconds * rate).rounded()
            guard value.isFinite else { return nil }
            return Int(max(-1, min(value, Double(frames) + 1)))
        }
        let end: Int? = if let stop { frame(stop) } else { frames }
        guard let first = frame(start ?? 0), let last = end, first >= 0, first < min(frames, last) else {
            throw USVError.usage("\(path): the stretch \(start ?? 0)–\(stop ?? duration) s is outside 0–\(duration) s")
        }
        return first..<min(frames, last)
    }
}

/// Samples scaled to [-1, 1) with their rate: mono, or `channels` channels interleaved (frame by frame) when
/// every channel was asked for (`ChannelSelection.all`, e.g. to convert a file keeping all its channels).
public struct AudioSignal: Sendable, Equatable {
    public var samples: [Float]
    public var sampleRate: Int
    public var channels: Int

    public init(samples: [Float], sampleRate: Int, channels: Int = 1) {
        self.samples = samples
        self.sampleRate = sampleRate
        self.channels = max(1, channels)
    }

    public var frames: Int { samples.count / channels }
    public var duration: Double { sampleRate > 0 ? Double(frames) / Double(sampleRate) : 0 }
}

/// Which channel of a multichannel recording is analysed. Analysis (detection, spectrograms, features) needs one
/// signal; a multichannel file read without a choice is an error that names its channels, never a silent
/// "channel 1".
public enum ChannelSelection: Sendable, Hashable, CustomStringConvertible {
    /// The file must be mono.
    case only
    /// One channel, 0-based here; users count from 1 (`--channel 1` is the first).
    case index(Int)
    /// The mean of all channels.
    case mix
    /// Every channel, interleaved (conversion only).
    case all

    /// Parses a user's `--channel` value: `1`…`N` or `mix`.
    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        if trimmed == "mix" {
            self = .mix
        } else if let number = Int(trimmed), number >= 1, number <= 65_535 {
            self = .index(number - 1)
        } else {
            throw USVError.usage("--channel must be a channel number from 1 or 'mix', got '\(text)'")
        }
    }

    public var description: String {
        switch self {
        case .only: return "the only channel"
        case .index(let index): return "channel \(index + 1)"
        case .mix: return "the mix of all channels"
        case .all: return "all channels"
        }
    }

    /// Checks the choice against a file of `channels` channels.
    public func check(channels: Int, path: String) throws {
        switch self {
        case .only where channels > 1:
            throw USVError.unusable(path: path, reason: "the file has \(channels) channels (1–\(channels)); choose one with "
                + "--channel 1…\(channels), or --channel mix for their mean")
        case .index(let index) where index >= channels:
            throw USVError.usage("\(path): --channel \(index + 1) asked for, but the file has \(channels) channel\(channels == 1 ? "" : "s")")
        default:
            return
        }
    }
}
