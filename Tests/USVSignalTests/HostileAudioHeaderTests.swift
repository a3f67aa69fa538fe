import Foundation
import Testing
import USVCore
@testable import USVSignal
import USVTestSupport

/// W64 and RF64 sizes are 64-bit: in memory (archive members), a seek by such a size must fail, not overflow,
/// and a header that declares more frames than the file holds must not make `readSignal()` allocate them.
@Suite struct HostileAudioHeaderTests {
    static let samples = (0..<3_000).map { Int16(truncatingIfNeeded: ($0 * 977) % 20_000 - 10_000) }

    /// Opens `bytes` in memory and reads everything; the only acceptable outcomes are samples or a USVError.
    func readInMemory(_ bytes: [UInt8]) -> Result<AudioSignal, USVError> {
        do {
            let reader = try AudioFileReader(source: .memory(name: "hostile.w64", bytes: bytes))
            return .success(try reader.readSignal())
        } catch let error as USVError {
            return .failure(error)
        } catch {
            return .failure(.io(path: "hostile", reason: "untyped: \(error)"))
        }
    }

    @Test func wellFormedW64AndRF64AreRead() throws {
        for bytes in [AudioHeaders.w64(samples: Self.samples), AudioHeaders.rf64(samples: Self.samples),
                      AudioHeaders.w64(samples: Self.samples, junkSize: 32)] {
            let signal = try readInMemory(bytes).get()
            #expect(signal.samples.map { Int16(($0 * 32_768).rounded()) } == Self.samples)
        }
    }

    @Test(arguments: [UInt64(0x7FFF_FFFF_FFFF_FFFF), 0x7FFF_FFFF_FFFF_FFF0, 0x8000_0000_0000_0000, 0xFFFF_FFFF_FFFF_FFFF,
                      0x0FFF_FFFF_FFFF_FFF8, 1 << 40])
    func hugeW64ChunkSizesAreErrorsOrShortReads(size: UInt64) {
        for bytes in [AudioHeaders.w64(samples: Self.samples, junkSize: size), AudioHeaders.w64(samples: Self.samples, dataSize: size),
                      AudioHeaders.w64(samples: Self.samples, riffSize: size)] {
            if case .failure(let error) = readInMemory(bytes) { #expect(!error.description.contains("untyped"), "\(error)") }
        }
    }

    @Test(arguments: [UInt64(0x7FFF_FFFF_FFFF_FFFF), 0x7FFF_FFFF_FFFF_FFF0, 0xFFFF_FFFF_FFFF_FFFF, 1 << 60, 1 << 40])
    func hugeRF64SizesAreErrorsNotAllocations(size: UInt64) {
        for bytes in [AudioHeaders.rf64(samples: Self.samples, dataSize: size, sampleCount: size / 2),
                      AudioHeaders.rf64(samples: Self.samples, riffSize: size),
                      AudioHeaders.rf64(samples: Self.samples, sampleCount: size)] {
            if case .failure(let error) = readInMemory(bytes) { #expect(!error.description.contains("untyped"), "\(error)") }
        }
    }

    /// A header that announces far more frames than the bytes hold: the read ends with an error naming the
    /// frame where the file ends, after allocating only what is there.
    @Test func aLyingFrameCountIsNotAllocated() throws {
        let bytes = AudioHeaders.rf64(samples: Self.samples, dataSize: 1 << 40, sampleCount: 1 << 39)
        switch readInMemory(bytes) {
        case .success(let signal): #expect(signal.frames <= Self.samples.count)
        case .failure(let error): #expect(!error.description.contains("untyped"), "\(error)")
        }
    }
}
