import Foundation
import Testing
import USVCore
import USVFeatureProperties
import USVTestSupport

func properties(_ call: TestCall) throws -> [String: Double] {
    let plugin = CallPropertyEstimator()
    return try plugin.compute(call.featureInput(), parameters: ParameterValues(defaultsOf: CallPropertyEstimator.descriptor)).scalars
}

@Suite struct CallPropertyEstimatorTests {
    @Test func conformsToTheFeatureContract() throws {
        let call = TestCall(duration: 0.05) { 60_000 + 10_000 * $0 }
        #expect(checkUSVFeaturePlugin(CallPropertyEstimator(), input: try call.featureInput()) == [])
    }

    @Test func directionOfSweeps() throws {
        #expect(try properties(TestCall(duration: 0.06) { 50_000 + 20_000 * $0 })["direction"] == 1)
        #expect(try properties(TestCall(duration: 0.06) { 80_000 - 15_000 * $0 })["direction"] == -1)
        #expect(try properties(TestCall(duration: 0.06) { 70_000 + 1_000 * $0 })["direction"] == 0)
    }

    @Test func durationAverageFrequencyAndRowForm() throws {
        let values = try properties(TestCall(duration: 0.08) { _ in 66_000 })
        #expect(abs((values["duration"] ?? 0) - 0.08) < 1e-9)
        #expect(abs((values["avgfreq"] ?? 0) - 66_000) < 800)
        // Row r (1-based) is at (16 + r) × 600 Hz: 66 kHz is row 94.
        #expect(abs((values["avgfreq-row"] ?? 0) - 94) < 1.5)
        #expect(values["peaks"] == 0)
        #expect(values["breaks"] == 0)
        #expect((values["avgvol"] ?? 0) > 0)
    }

    @Test func peaksOfBumpedTracks() throws {
        let invertedU = TestCall(duration: 0.08) { u in 60_000 + 20_000 * (1 - (2 * u - 1) * (2 * u - 1)) }
        #expect(try properties(invertedU)["peaks"] == 1)
        let twoBumps = TestCall(duration: 0.12) { u in 60_000 + 8_000 * exp(-pow((u - 0.3) / 0.08, 2)) + 8_000 * exp(-pow((u - 0.7) / 0.08, 2)) }
        #expect(try properties(twoBumps)["peaks"] == 2)
        let uShape = TestCall(duration: 0.08) { u in 60_000 + 20_000 * (2 * u - 1) * (2 * u - 1) }
        #expect(try properties(uShape)["peaks"] == 0)
    }

    @Test func breaksAreJumps() throws {
        let oneJump = TestCall(duration: 0.08) { u in u < 0.5 ? 55_000 : 70_000 }
        let values = try properties(oneJump)
        #expect(values["breaks"] == 1)
        #expect(values["direction"] == 1)
        #expect(values["peaks"] == 0)
        let twoJumps = TestCall(duration: 0.1) { u in u < 0.3 ? 55_000 : (u < 0.7 ? 72_000 : 58_000) }
        #expect(try properties(twoJumps)["breaks"] == 2)
    }

    @Test func broadbandFractionAndTremolo() throws {
        let noisy = TestCall(duration: 0.1, broadband: [0.4...0.7]) { _ in 65_000 }
        let broadband = try properties(noisy)["broadband"] ?? 0
        #expect(broadband > 0.2 && broadband < 0.4, "broadband \(broadband)")
        let clean = try properties(TestCall(duration: 0.1) { _ in 65_000 })
        #expect(clean["broadband"] == 0)
        #expect((clean["tremolo"] ?? 1) < 0.05)
        let trembling = TestCall(duration: 0.1) { u in 65_000 + 2_500 * sin(2 * Double.pi * 100 * u * 0.1) }
        let tremolo = try properties(trembling)["tremolo"] ?? 0
        #expect(tremolo > 0.6, "tremolo \(tremolo)")
        #expect(try properties(trembling)["peaks"] == 0)
    }
}
