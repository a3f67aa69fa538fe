import Foundation
import USVCore

/// A seeded random-mutation fuzzer for parsers: it mutates valid inputs (bit flips, interesting bytes,
/// overwritten length fields, truncation, cut and duplicated stretches) and feeds each to `body` for a
/// bounded time. A crash ends the test process, which is the failure it hunts; an error that is not a typed
/// `USVError` is collected, because every rejection must say what failed and where.
/// `USV_FUZZ_SECONDS` overrides the time per target (e.g. a long run before a release).
public struct MutationFuzzer {
    public struct Outcome: Sendable {
        public var iterations = 0
        public var accepted = 0
        public var rejected = 0
        /// Descriptions of errors that were not `USVError`s, with the seed input's index and iteration.
        public var untypedErrors: [String] = []
        /// The slowest single input, seconds: a parser that stalls on a small input is a denial of service.
        public var slowestSeconds = 0.0
        public var slowestInput: [UInt8] = []
    }

    private var random: SplitMix64

    public init(seed: UInt64) { random = SplitMix64(seed: seed) }

    public static var secondsPerTarget: Double {
        ProcessInfo.processInfo.environment["USV_FUZZ_SECONDS"].flatMap(Double.init) ?? 2
    }

    /// Runs `body` on mutations of `seeds` for `seconds` (at least `minimumIterations` times). Every seed
    /// must be accepted unmutated first, so that a harness that rejects everything cannot pass unnoticed.
    public mutating func run(seeds: [[UInt8]], seconds: Double = secondsPerTarget, minimumIterations: Int = 200,
                             _ body: ([UInt8]) throws -> Void) -> Outcome {
        var outcome = Outcome()
        guard !seeds.isEmpty else { return outcome }
        for (index, seed) in seeds.enumerated() {
            do { try body(seed) } catch { outcome.untypedErrors.append("seed \(index) itself is rejected: \(error)") }
        }
        let deadline = Date().addingTimeInterval(seconds)
        while outcome.iterations < minimumIterations || Date() < deadline {
            let seedIndex = Int(random.next() % UInt64(seeds.count))
            var input = seeds[seedIndex]
            for _ in 0..<(1 + Int(random.next() % 4)) { mutate(&input) }
            let started = Date()
            defer {
                let seconds = Date().timeIntervalSince(started)
                if seconds > outcome.slowestSeconds { (outcome.slowestSeconds, outcome.slowestInput) = (seconds, input) }
            }
            do {
                try body(input)
                outcome.accepted += 1
            } catch is USVError {
                outcome.rejected += 1
            } catch {
                outcome.untypedErrors.append("seed \(seedIndex), iteration \(outcome.iterations): \(error)")
            }
            outcome.iterations += 1
        }
        return outcome
    }

    private mutating func index(_ count: Int) -> Int { count == 0 ? 0 : Int(random.next() % UInt64(count)) }

    private mutating func mutate(_ bytes: inout [UInt8]) {
        let interesting: [UInt8] = [0x00, 0x01, 0x7F, 0x80, 0xFF, 0x0A, 0x0D, 0x20, 0x2E, 0x2F]
        switch random.next() % 7 {
        case 0 where !bytes.isEmpty:  // flip a bit
            bytes[index(bytes.count)] ^= UInt8(1) << UInt8(random.next() % 8)
        case 1 where !bytes.isEmpty:  // an interesting byte
            bytes[index(bytes.count)] = interesting[index(interesting.count)]
        case 2 where bytes.count >= 4:  // a length field of 0, -1, huge or small
            let values: [UInt32] = [0, 0xFFFF_FFFF, 0x7FFF_FFFF, 0x8000_0000, 1, 8, UInt32(bytes.count), UInt32(random.next() & 0xFFFF)]
            let at = index(bytes.count - 3)
            let value = values[index(values.count)]
            for byte in 0..<4 { bytes[at + byte] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(byte))) }
        case 3:  // truncate
            bytes.removeLast(index(bytes.count + 1) / 2)
        case 4 where !bytes.isEmpty:  // cut a stretch
            let start = index(bytes.count)
            bytes.removeSubrange(start..<min(bytes.count, start + 1 + index(64)))
        case 5 where !bytes.isEmpty:  // duplicate a stretch
            let start = index(bytes.count)
            bytes.insert(contentsOf: bytes[start..<min(bytes.count, start + 1 + index(64))], at: index(bytes.count))
        default:  // random bytes somewhere
            let start = index(bytes.count + 1)
            bytes.insert(contentsOf: (0..<(1 + index(16))).map { _ in UInt8(truncatingIfNeeded: random.next()) }, at: start)
        }
    }
}
