import USVCore
import USVSignal

/// One recording to synthesize: its animal, length, calls and clicks, and where it goes.
struct RecordingPlan: Sendable {
    enum Destination: Sendable, Hashable {
        /// A WAV file at this path relative to the data-set root.
        case file(String)
        /// A member (this name) of the strain zip.
        case archiveMember(String)
    }

    var animal: Animal
    var frames: Int
    var calls: [CallPlan]
    var clicks: [ClickPlan]
    var destination: Destination

    var seconds: Double { Double(frames) / Double(DondersSynthSource.sampleRate) }
}

/// What writing a recording found out.
struct RecordingStatistics: Sendable, Hashable {
    /// Samples that had to be clamped at the limit (the levels are designed so that this stays 0).
    var limitedSamples: Int
    /// Largest absolute sample value, full scale 1.
    var peak: Double
}

/// Streams a recording to a 16-bit WAV in one-second blocks: background, then every call and click that
/// overlaps the block, then quantisation. Memory stays constant whatever the length.
struct RecordingWriter {
    static let blockFrames = 300_000

    let plan: RecordingPlan
    let seed: UInt64
    let noise: NoiseModel

    /// Writes the recording to `path`. `onBlock` receives the bytes of samples written so far in this block
    /// and returns false to stop early (another recording failed).
    func write(to path: String, onBlock: (Int64) -> Bool) throws -> RecordingStatistics {
        let sampleRate = DondersSynthSource.sampleRate
        let writer = try AudioFileWriter(path: path, sampleRate: sampleRate, container: .wav, encoding: .pcm16)
        let animalKey = UInt64(plan.animal.id)
        var background = BackgroundNoise(
            model: noise, sampleRate: sampleRate,
            noiseRandom: RandomSource(seed: seed, stream: .noise, index: animalKey * 2),
            levelRandom: RandomSource(seed: seed, stream: .noise, index: animalKey * 2 + 1))
        let synthesizer = CallSynthesizer(sampleRate: sampleRate)

        // Calls and clicks as one time-ordered list of events, each rendered when a block first reaches it.
        var events: [(start: Int, source: Event)] = plan.calls.enumerated().map { ($0.element.startSample, .call($0.offset)) }
        events += plan.clicks.enumerated().map { ($0.element.startSample, .click($0.offset)) }
        events.sort { ($0.start, $0.source.order) < ($1.start, $1.source.order) }
        var nextEvent = 0
        var active: [(start: Int, samples: [Float])] = []

        var block = [Float](repeating: 0, count: Self.blockFrames)
        var quantised = [Int16](repeating: 0, count: Self.blockFrames)
        let limit = Float(noise.limit)
        var statistics = RecordingStatistics(limitedSamples: 0, peak: 0)
        var blockStart = 0
        while blockStart < plan.frames {
            let count = min(Self.blockFrames, plan.frames - blockStart)
            if block.count != count {
                block = [Float](repeating: 0, count: count)
                quantised = [Int16](repeating: 0, count: count)
            }
            background.fill(&block, startFrame: blockStart)
            let blockEnd = blockStart + count
            while nextEvent < events.count && events[nextEvent].start < blockEnd {
                let event = events[nextEvent]
                switch event.source {
                case .call(let index):
                    active.append((event.start, synthesizer.render(plan.calls[index].sound, seed: seed)))
                case .click(let index):
                    let random = RandomSource(seed: seed, stream: .clickNoise, index: animalKey << 20 | UInt64(index))
                    active.append((event.start, plan.clicks[index].render(random: random)))
                }
                nextEvent += 1
            }
            block.withUnsafeMutableBufferPointer { output in
                for (start, samples) in active {
                    let from = max(start, blockStart)
                    let to = min(start + samples.count, blockEnd)
                    guard from < to else { continue }
                    for frame in from..<to { output[frame - blockStart] += samples[frame - start] }
                }
            }
            active.removeAll { $0.start + $0.samples.count <= blockEnd }

            var peak: Float = 0
            var limited = 0
            block.withUnsafeBufferPointer { input in
                quantised.withUnsafeMutableBufferPointer { output in
                    for index in 0..<count {
                        var value = input[index]
                        let magnitude = abs(value)
                        peak = max(peak, magnitude)
                        if magnitude > limit {
                            limited += 1
                            value = value > 0 ? limit : -limit
                        }
                        let scaled = value * 32_767
                        output[index] = Int16(scaled + (scaled >= 0 ? 0.5 : -0.5))
                    }
                }
            }
            statistics.limitedSamples += limited
            statistics.peak = max(statistics.peak, Double(peak))
            try writer.write(quantised)
            blockStart = blockEnd
            guard onBlock(Int64(count) * 2) else {
                try writer.close()
                return statistics
            }
        }
        try writer.close()
        return statistics
    }

    private enum Event {
        case call(Int)
        case click(Int)

        var order: Int {
            switch self {
            case .call(let index): return index
            case .click(let index): return 1_000_000 + index
            }
        }
    }
}
