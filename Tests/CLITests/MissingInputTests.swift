import Foundation
import Testing
import USVCore
import USVTestSupport

/// Issue #18, item 8: an input that is missing (or a directory where a file is needed) is exit status 2 on every
/// command that reads one, with a message naming the path, before any work starts.
@Suite struct MissingInputTests {
    @Test func missingInputIsExitTwoOnEveryCommand() throws {
        let directory = try TemporaryDirectory("missing-input")
        defer { directory.remove() }
        let nope = directory.file("no-such-file.wav")
        let commands: [[String]] = [
            ["detect", nope],
            ["detect", nope, "--json"],
            ["spectrogram", nope, "--out", directory.file("x.png")],
            ["convert", nope, directory.file("x.flac")],
            ["score", nope, "--truth", nope],
            ["import", directory.file("no-such.csv")],
            ["classify", "--model", directory.file("no-such.h5")],
            ["ingest", directory.file("no-such-root")],
            ["verify", directory.file("no-such-root")],
        ]
        for arguments in commands {
            let result = try USVExecutable.run(arguments)
            #expect(result.status == 2, "usv \(arguments.joined(separator: " ")): \(result.stderr)")
            #expect(result.stderr.contains("no such"), "usv \(arguments.joined(separator: " ")): \(result.stderr)")
        }
        // A directory where a file is needed cannot be used either.
        for arguments in [["detect", directory.path], ["convert", directory.path, directory.file("x.flac")]] {
            let result = try USVExecutable.run(arguments)
            #expect(result.status == 2, "usv \(arguments.joined(separator: " ")): \(result.stderr)")
            #expect(result.stderr.contains("is a directory"), "\(result.stderr)")
        }
        // Nothing was written for the failed conversions.
        #expect(!FileManager.default.fileExists(atPath: directory.file("x.flac")))
    }
}
