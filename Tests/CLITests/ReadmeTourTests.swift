import Foundation
import Testing
import USVCore
import USVTestSupport

/// The README's tour runs as written: its first `sh` block is run line by line, in order, in an empty folder
/// with the built `usv` first on the PATH and a private catalog, so the README cannot drift from the CLI.
@Suite struct ReadmeTourTests {
    static let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("README.md").path

    /// The command lines of the first ```sh block after "## A tour of the CLI".
    static func tourLines() throws -> [String] {
        let text = try String(contentsOfFile: readme, encoding: .utf8)
        guard let tour = text.range(of: "## A tour of the CLI"),
              let open = text.range(of: "```sh\n", range: tour.upperBound..<text.endIndex),
              let close = text.range(of: "```", range: open.upperBound..<text.endIndex) else {
            throw USVError.malformed(path: readme, location: "A tour of the CLI", reason: "no ```sh block")
        }
        return text[open.upperBound..<close.lowerBound].split(separator: "\n").map(String.init)
            .filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    }

    @Test func everyLineOfTheTourRunsAsWritten() throws {
        let lines = try Self.tourLines()
        #expect(lines.count >= 10, "the tour block was not found whole")
        #expect(lines.first?.hasPrefix("usv synth") == true, "the tour must make its own data first")
        let directory = try TemporaryDirectory("readme-tour")
        defer { directory.remove() }
        let binaries = URL(fileURLWithPath: USVExecutable.path).deletingLastPathComponent().path
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = binaries + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        environment["USV_CATALOG"] = directory.file("catalog.sqlite")
        for line in lines {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = ["-e", "-o", "pipefail", "-c", line]
            process.currentDirectoryURL = URL(fileURLWithPath: directory.path)
            process.environment = environment
            let errors = Pipe()
            process.standardOutput = FileHandle.nullDevice
            process.standardError = errors
            try process.run()
            let stderr = errors.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            let message = "README tour line failed (exit \(process.terminationStatus)): \(line)\n"
                + String(decoding: stderr.suffix(2_000), as: UTF8.self)
            #expect(process.terminationStatus == 0, "\(message)")
            if process.terminationStatus != 0 { break }
        }
        // What the tour promises to leave behind.
        for made in ["report.json", "found.csv", "truth.csv", "score.png", "call.png", "whole.f32", "mlp.h5", "call.flac"] {
            #expect(FileManager.default.fileExists(atPath: directory.file(made)), "the tour did not make \(made)")
        }
    }
}
