import Foundation
import Testing
@testable import USVCore
import USVTestSupport

@Suite struct HDF5FileTests {
    @Test func datasetsInGroupsAndStringAttributesRoundTrip() throws {
        let directory = try TemporaryDirectory("hdf5")
        defer { directory.remove() }
        let path = directory.file("m.h5")
        do {
            let file = try HDF5File(path: path, mode: .create)
            try file.write("weights/layer0/parameter0", values: [1, 2, 3, 4, 5, 6], shape: [2, 3])
            try file.write("weights/layer1/parameter0", values: [-0.5], shape: [1])
            try file.setAttribute("model_card", "{\"a\": \"b ü\"}")
            #expect(throws: USVError.self) { try file.write("bad", values: [1, 2], shape: [3]) }
        }
        let file = try HDF5File(path: path, mode: .read)
        let (values, shape) = try file.read("weights/layer0/parameter0")
        #expect(values == [1, 2, 3, 4, 5, 6])
        #expect(shape == [2, 3])
        #expect(try file.read("weights/layer1/parameter0").values == [-0.5])
        #expect(try file.attribute("model_card") == "{\"a\": \"b ü\"}")
        #expect(throws: USVError.self) { try file.read("missing") }
        #expect(throws: USVError.self) { try file.attribute("missing") }
        try directory.write("junk.h5", "not hdf5")
        #expect(throws: USVError.self) { try HDF5File(path: directory.file("junk.h5"), mode: .read) }
    }
}
