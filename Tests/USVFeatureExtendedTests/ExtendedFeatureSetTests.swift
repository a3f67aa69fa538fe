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
        #expect((values["slope"] ?? 0) < -200_000 && (values["slope"] ?? 0) > -450_000, "slope \(values["slope"] ?? 0)")
        #expect((values["start-frequency"] ?? 0) > (values["end-frequency"] ?? 0))
        #expect(abs((values["bandwidth"] ?? 0) - 20_000) < 3_000)
        #expect(abs((values["line-mean"] ?? 0) - 70_000) < 1_500)
        #expect(abs((values["time-mean"] ?? 0) - 0.03) < 0.004)
    }
}
