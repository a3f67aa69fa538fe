import Foundation
import Testing
import USVCore
import USVFeatureSpectrogram
import USVTestSupport

@Suite struct SpectrogramFeatureTests {
    @Test func defaultsGive233RowsAndSparseZeroes() throws {
        #expect(checkPluginDescriptor(SpectrogramFeature()) == [])
        let signal = AudioSignal(samples: TestCall(duration: 0.05) { _ in 70_000 }.samples(), sampleRate: 300_000)
        let plain = try SpectrogramFeature().spectrogram(of: signal, parameters: ParameterValues(defaultsOf: SpectrogramFeature.descriptor))
        #expect(plain.rows == 233)
        #expect(plain.frames == (signal.samples.count - 500) / 250 + 1)
        let sparse = try SpectrogramFeature().spectrogram(
            of: signal, parameters: ParameterValues(defaultsOf: SpectrogramFeature.descriptor, overrides: ["sparse-threshold": "0.5"]))
        #expect(sparse.values.filter { $0 == 0 }.count > plain.values.filter { $0 == 0 }.count)
        #expect(sparse.values.allSatisfy { $0 == 0 || $0 >= 0.5 })
        #expect(throws: USVError.self) {
            try SpectrogramFeature().spectrogram(of: signal, parameters: ParameterValues(defaultsOf: SpectrogramFeature.descriptor, overrides: ["hop": "0"]))
        }
    }
}
