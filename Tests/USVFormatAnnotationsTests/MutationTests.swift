import Testing
import USVCore
import USVFormatAnnotations
import USVTestSupport

@Suite struct AnnotationMutationTests {
    /// Seeded mutations of generic-seq, Raven and Audacity files: each reads or gives a USVError.
    @Test func damagedAnnotationsNeverCrash() throws {
        let formats: [any AnnotationReading & AnnotationWriting] = [GenericSeqFormat(), RavenSelectionTableFormat(), AudacityLabelFormat()]
        for (index, format) in formats.enumerated() {
            let bytes = try format.encodeAnnotations(sampleIntervals(), fileName: "m")
            for mutated in seededMutations(of: bytes, count: 1_000, seed: UInt64(200 + index)) {
                do {
                    _ = try format.readAnnotations(from: .memory(name: "m", bytes: mutated))
                } catch is USVError {
                } catch {
                    Issue.record("\(format.descriptor.id): not a USVError: \(error)")
                }
            }
        }
    }
}
