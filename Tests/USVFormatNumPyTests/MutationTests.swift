import Testing
import USVCore
@testable import USVFormatNumPy
import USVTestSupport

@Suite struct NumPyMutationTests {
    /// 5,000 seeded mutations of .npy files of several dtypes and orders: each decodes or gives a USVError.
    @Test func damagedNPYNeverCrashes() throws {
        let arrays = [
            try NDArray(name: "d", shape: [3, 4], doubles: (0..<12).map(Double.init)),
            try NDArray(name: "b", shape: [], dtype: .bool, values: .bool([true])),
            try NDArray(name: "i", shape: [2, 1, 3], dtype: .int16, values: .signed([1, -2, 3, -4, 5, -6])),
        ]
        var errors = 0
        for (index, array) in arrays.enumerated() {
            for bytes in seededMutations(of: NPYCodec.encode(array), count: 5_000 / arrays.count, seed: UInt64(index)) {
                do {
                    _ = try NPYCodec.decode(bytes, name: "m", path: "m.npy")
                } catch is USVError {
                    errors += 1
                } catch {
                    Issue.record("not a USVError: \(error)")
                }
            }
        }
        #expect(errors > 1_000)
    }
}
