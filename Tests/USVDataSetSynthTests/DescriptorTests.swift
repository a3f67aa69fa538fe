import Testing
import USVCore
@testable import USVDataSetSynth

@Suite struct DescriptorTests {
    @Test func descriptorDeclaresTheParameters() {
        let descriptor = DondersSynthSource.descriptor
        #expect(descriptor.id == "dataset-source.donders-synth")
        #expect(descriptor.kind == .dataSetSource)
        #expect(Set(descriptor.parameters.map(\.name)) == Set(SynthSettings.parameterNames))
        #expect(DondersSynthSource.scales == ["tiny", "small", "paper"])
    }
}
