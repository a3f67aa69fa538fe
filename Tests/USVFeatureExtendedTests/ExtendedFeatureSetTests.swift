import Foundation
import Testing
import USVCore
import USVFeatureExtended
import USVTestSupport

@Suite struct ExtendedFeatureSetTests {
    @Test func twentyFourOrderedFiniteFeatures() throws {
        let call = TestCall(duration: 0.06) { 80_000 - 20_000 * $0 }
        let input = try call.featureInput()
        #expect(checkUSVFeaturePlugin(ExtendedFeatureSet(), input: input) == [])
        #expect(ExtendedFeatureSet.outputNames.count == 24)
        #expect(Set(ExtendedFeatureSet.outputNames).count == 24)
        let values = try ExtendedFeatureSet().compute(input, parameters: ParameterValues(defaultsOf: ExtendedFeatureSet.descriptor)).scalars
        // A straight sweep from 80 to 60 kHz over 60 ms: slope -333,333 Hz/s. Measured (FFTW, these defaults):
        // slope -332,813, start 79,732 Hz, end 60,281 Hz, bandwidth 19,452 Hz, line mean 70,006 Hz, time mean 29.2 ms.
        // The bounds allow 3 % on the slope, 800 Hz (1.3 spectrogram bins of 600 Hz) on the start and end, 1 kHz on
        // the bandwidth, 500 Hz on the line mean and 1.5 ms on the time mean.
        let slope = values["slope"] ?? 0
        #expect(abs(slope - (-20_000 / 0.06)) < 10_000, "slope \(slope)")
        #expect(abs((values["start-frequency"] ?? 0) - 80_000) < 800, "start \(values["start-frequency"] ?? 0)")
        #expect(abs((values["end-frequency"] ?? 0) - 60_000) < 800, "end \(values["end-frequency"] ?? 0)")
        #expect(abs((values["bandwidth"] ?? 0) - 20_000) < 1_000, "bandwidth \(values["bandwidth"] ?? 0)")
        #expect(abs((values["line-mean"] ?? 0) - 70_000) < 500, "line mean \(values["line-mean"] ?? 0)")
        #expect(abs((values["time-mean"] ?? 0) - 0.03) < 0.0015, "time mean \(values["time-mean"] ?? 0)")
    }
}
