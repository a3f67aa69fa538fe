import Foundation
import USVCore

/// The result of running the `usv` executable.
public struct CommandResult: Sendable {
    public var status: Int32
    public var stdout: Data
    public var stderr: String
    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
}

/// Runs the `usv` executable built next to the test bundle, the way a person runs it.
public enum USVExecutable {
    public static var path: String {
        let runner = URL(fileURLWithPath: CommandLine.arguments.first ?? "")
        var directory = runner.deletingLastPathComponent()
        // On Linux the runner is `.build/<config>/<Package>PackageTests.xctest`; on macOS it is inside a bundle.
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("usv").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory.deleteLastPathComponent()
        }
        return repositoryRoot() + "/.build/debug/usv"
    }

    /// Runs `usv` with `arguments` and extra environment (`USV_CATALOG` is pointed at a throwaway file
    /// unless given, so tests never touch a person's catalog).
    public static func run(_ arguments: [String], environment: [String: String] = [:],
                           currentDirectory: String? = nil) throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment
        merged["USV_CATALOG"] = FileManager.default.temporaryDirectory
            .appendingPathComponent("usv-test-\(UUID().uuidString.prefix(8)).sqlite").path
        for (key, value) in environment { merged[key] = value }
        process.environment = merged
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Drain both pipes while the process runs so a large report cannot block it.
        let errorData = Locked(Data())
        let reader = Thread { errorData.withLock { $0 = err.fileHandleForReading.readDataToEndOfFile() } }
        reader.start()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !reader.isFinished { usleep(1_000) }
        return CommandResult(status: process.terminationStatus, stdout: output,
                             stderr: String(decoding: errorData.value, as: UTF8.self))
    }
}
