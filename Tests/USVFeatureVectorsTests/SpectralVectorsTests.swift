import Foundation
import Testing
import USVCore
import USVFeatureVectors
import USVTestSupport

@Suite struct SpectralVectorsTests {
    @Test func conformsAndFollowsASweep() throws {
        let call = TestCall(duration: 0.05) { 50_000 + 30_000 * $0 }
        let input = try call.featureInput()
        #expect(checkUSVFeaturePlugin(SpectralVectors(), input: input) == [])
        let values = try SpectralVectors().compute(input, parameters: ParameterValues(defaultsOf: SpectralVectors.descriptor))
        let line = try #require(values.vectors["spectral-line"])
        #expect(line.count == input.spectrogram.frames)
        // The line tracks the sweep to within two rows away from the ramps.
        for frame in 3..<(line.count - 3) {
            let u = (Double(frame) * 250 + 250) / (0.05 * 300_000)
            #expect(abs(Double(line[frame]) - (50_000 + 30_000 * u)) < 1_500, "frame \(frame)")
        }
        #expect(values.vectors["spectral-line-fixed"]?.count == 100)
        #expect(values.vectors["time-marginal-fixed"]?.count == 100)
        #expect(values.vectors["frequency-marginal"]?.count == 233)
        let total = input.spectrogram.values.reduce(Float(0), +)
        let timeSum = values.vectors["time-marginal"]?.reduce(Float(0), +) ?? 0
        let frequencySum = values.vectors["frequency-marginal"]?.reduce(Float(0), +) ?? 0
        #expect(abs(timeSum - total) / total < 1e-4)
        #expect(abs(frequencySum - total) / total < 1e-4)
    }
}
