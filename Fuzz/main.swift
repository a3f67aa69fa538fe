// usv-fuzz: the fuzz targets of USVFuzzTargets under libFuzzer. Built only by `make fuzz` (USV_FUZZ=1, with
// `-sanitize=fuzzer,address`):
//
//     usv-fuzz TARGET [libFuzzer flags] [CORPUS_DIR …]      e.g. usv-fuzz mat-v5 -max_total_time=120 corpus/mat-v5
//     usv-fuzz --list
//
// An empty corpus directory is seeded with the target's seeds. A crash, an AddressSanitizer report, or an error that
// is not a USVError (reported through fatalError) is a finding: libFuzzer writes the input to crash-… .
import Foundation
import USVCore
import USVFuzzTargets

@_silgen_name("LLVMFuzzerRunDriver")
func runLibFuzzer(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                  _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

let arguments = CommandLine.arguments
if arguments.count < 2 || arguments[1] == "--list" {
    for target in FuzzTargets.all { print("\(target.name)\t\(target.summary)") }
    exit(arguments.count < 2 ? 2 : 0)
}
guard let chosen = FuzzTargets.named(arguments[1]) else {
    FileHandle.standardError.write(Data("usv-fuzz: no target '\(arguments[1])' (usv-fuzz --list)\n".utf8))
    exit(2)
}
/// The target every input goes to (the callback is a C function: it reads this global).
let target: FuzzTarget = chosen

// Seed empty corpus directories.
for argument in arguments.dropFirst(2) where !argument.hasPrefix("-") {
    try makeDirectories(argument)
    if (try FileManager.default.contentsOfDirectory(atPath: argument)).isEmpty {
        for (index, seed) in try target.seeds().enumerated() {
            try writeWholeFile(FilePaths.join(argument, "seed-\(index)"), bytes: seed)
        }
    }
}

// libFuzzer sees the program name and the flags, without the target name.
var forwarded = [arguments[0]] + arguments.dropFirst(2)
var pointers: [UnsafeMutablePointer<CChar>?] = forwarded.map { strdup($0) } + [nil]
var count = Int32(forwarded.count)
let status = pointers.withUnsafeMutableBufferPointer { buffer -> Int32 in
    var base = buffer.baseAddress
    return runLibFuzzer(&count, &base) { data, size in
        let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
        do {
            try target.body(bytes)
        } catch is USVError {
            // Refused with a typed error that names the input: what every bad input should get.
        } catch {
            fatalError("\(target.name): an error that is not a USVError: \(error)")
        }
        return 0
    }
}
exit(status)
