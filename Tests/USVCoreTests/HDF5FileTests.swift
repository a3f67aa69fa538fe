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

    /// Debian builds HDF5 thread-safe (libhdf5.settings: "Threadsafety: yes"); the wrappers also hold
    /// `HDF5File.libraryLock` (for the forked reads of variable-length data): many threads each writing and reading
    /// back files of their own at once must all get their own values.
    @Test func threadsUsingHDF5AtOnceEachGetTheirOwnValues() throws {
        let directory = try TemporaryDirectory("hdf5-threads")
        defer { directory.remove() }
        let threads = 8, rounds = 40
        let failures = Locked<[String]>([])
        runOnThreads(threads) { thread in
            for round in 0..<rounds {
                let path = directory.file("t\(thread)-\(round).h5")
                let values = (0..<64).map { Double(thread * 1_000 + round * 64 + $0) }
                do {
                    do {
                        let file = try HDF5File(path: path, mode: .create)
                        try file.write("group/values", values, shape: [8, 8], compression: .deflate(level: 1))
                        try file.writeStrings("group/names", ["thread \(thread)", "round \(round)"])
                        try file.setAttribute("owner", "\(thread)/\(round)", on: "group")
                    }
                    let file = try HDF5File(path: path, mode: .read)
                    let read = try file.read("group/values")
                    let names = try file.readStrings("group/names").values
                    let owner = try file.attribute("owner", on: "group")
                    if read.values != values || read.shape != [8, 8] || names != ["thread \(thread)", "round \(round)"]
                        || owner != "\(thread)/\(round)" {
                        failures.withLock { $0.append("\(path): read back other values") }
                    }
                } catch {
                    failures.withLock { $0.append("\(path): \(error)") }
                }
            }
        }
        #expect(failures.value == [])
    }
}
