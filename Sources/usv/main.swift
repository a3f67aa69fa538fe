import ArgumentParser
import Foundation
import USVCore
import USVLearn

// First of all, before anything calls BLAS: OpenBLAS's kernel family (a re-execution when OpenBLAS fell back to
// generic kernels on a CPU it does not know; exit 2 when OPENBLAS_CORETYPE names kernels this CPU cannot run).
BLASKernelStartup.run(tool: "usv")

// Exit status contract (README, `usv --help`): 0 success, 1 problems found, 2 usage or unusable input.
CommandSuggestions.check(Array(CommandLine.arguments.dropFirst()))
do {
    var command = try USVCommand.parseAsRoot()
    try command.run()
} catch let error as USVError {
    FileHandle.standardError.write(Data("usv: \(error)\n".utf8))
    exit(error.isUsage ? 2 : 1)
} catch let exitCode as ExitCode {
    exit(exitCode.rawValue)
} catch {
    let code = USVCommand.exitCode(for: error)
    if code == .success {
        USVCommand.exit(withError: error)
    }
    FileHandle.standardError.write(Data((USVCommand.fullMessage(for: error) + "\n").utf8))
    // Argument errors are usage errors: exit 2, not ArgumentParser's 64.
    exit(code == .validationFailure || code.rawValue == 64 ? 2 : (code == .failure ? 1 : code.rawValue))
}
