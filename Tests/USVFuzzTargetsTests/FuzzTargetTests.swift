import Foundation
import Testing
import USVCore
import USVFuzzTargets
import USVTestSupport

/// Every parser of untrusted bytes under seeded mutations for a bounded time (`USV_FUZZ_SECONDS`, default 2 s each):
/// each input is read or refused with a `USVError`; a crash ends the run (the failure this hunts), an untyped error or
/// a slow input fails the test. The same targets run under libFuzzer with `make fuzz TARGET=name SECONDS=n`.
@Suite struct FuzzTargetTests {
    @Test(arguments: FuzzTargets.all.map(\.name))
    func mutatedInputsAreReadOrRefusedWithTypedErrors(target name: String) throws {
        // USV_FUZZ_TARGETS=a,b runs only those (to chase one finding).
        if let only = ProcessInfo.processInfo.environment["USV_FUZZ_TARGETS"], !only.split(separator: ",").contains(Substring(name)) { return }
        let target = try #require(FuzzTargets.named(name))
        let seeds = try target.seeds()
        #expect(!seeds.isEmpty)
        var fuzzer = MutationFuzzer(seed: UInt64(name.utf8.reduce(5381) { ($0 &* 33) &+ UInt64($1) }))
        // USV_FUZZ_LAST_INPUT=path keeps each input there before it is parsed: after a crash, the input that caused it.
        let keep = ProcessInfo.processInfo.environment["USV_FUZZ_LAST_INPUT"]
        let outcome = fuzzer.run(seeds: seeds, minimumIterations: 100) { bytes in
            if let keep { try writeWholeFile(keep, bytes: bytes) }
            try target.body(bytes)
        }
        #expect(outcome.untypedErrors == [], "\(name)")
        #expect(outcome.slowestSeconds < target.slowSeconds, "\(name): an input of \(outcome.slowestInput.count) bytes took \(outcome.slowestSeconds) s: \(outcome.slowestInput.prefix(128))")
        #expect(outcome.rejected > 0, "\(name): no mutation was refused, so the harness may not reach the parser")
        print("fuzz \(name): \(outcome.iterations) inputs, \(outcome.accepted) read, \(outcome.rejected) refused with typed errors")
    }

    /// Inputs libFuzzer found that crashed libhdf5 1.10 (a heap overflow reading variable-length data): their
    /// variable-length data is read in a forked child, and they are errors naming the file.
    @Test func inputsThatCrashedLibHDF5AreErrors() throws {
        let fixtures = repositoryRoot() + "/Tests/Fixtures/fuzz"
        let mat = try readWholeFile(fixtures + "/mat73-vlen-heap-overflow.mat", limit: 1 << 20)
        let bundle = try gunzip(try readWholeFile(fixtures + "/bundle-vlen-heap-overflow.h5.gz", limit: 1 << 20))
        for (name, bytes) in [("mat-v7.3", mat), ("hdf5-bundle", bundle)] {
            let target = try #require(FuzzTargets.named(name))
            do {
                try target.body(bytes)
                Issue.record("\(name): the input must be refused")
            } catch let error as USVError {
                // The child either dies (the overflow) or libhdf5 refuses the data: either way this process lives on.
                #expect(error.description.contains("variable-length data"), "\(name): \(error)")
            }
        }
    }
}

extension FuzzTargetTests {
    /// An input on which libhdf5 1.10 loops forever: the child reading its variable-length data is stopped (after 30 s)
    /// and the read is an error naming the file and the attribute.
    @Test func anInputThatMakesLibHDF5LoopForeverIsStopped() throws {
        let bytes = try readWholeFile(repositoryRoot() + "/Tests/Fixtures/fuzz/mat73-vlen-endless-loop.mat", limit: 1 << 20)
        let target = try #require(FuzzTargets.named("mat-v7.3"))
        let started = Date()
        do {
            try target.body(bytes)
            Issue.record("the input must be refused")
        } catch let error as USVError {
            #expect(error.description.contains("MATLAB_fields") && error.description.contains("was stopped"), "\(error)")
        }
        #expect(Date().timeIntervalSince(started) < 90)
    }
}

/// The bytes of a gzip file (through gzip(1), which every test machine has).
func gunzip(_ bytes: [UInt8]) throws -> [UInt8] {
    let directory = try TemporaryDirectory("gunzip")
    defer { directory.remove() }
    try directory.write("in.gz", bytes: bytes)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", "gzip -dc in.gz > out"]
    process.currentDirectoryURL = URL(fileURLWithPath: directory.path)
    try process.run()
    process.waitUntilExit()
    return try readWholeFile(directory.file("out"), limit: 1 << 26)
}
