import Foundation
import USVCore
@testable import USVDataSetSynth
import USVTestSupport

/// A freshly generated data set in a temporary directory; `remove()` deletes it.
struct SynthFixture {
    let directory: TemporaryDirectory
    let summary: GenerationSummary

    var root: String { directory.path + "/out" }

    init(scale: String = "tiny", seed: UInt64 = 1, parameters: [String: String] = [:]) throws {
        directory = try TemporaryDirectory("usv-synth-test")
        let values = try ParameterValues(defaultsOf: DondersSynthSource.descriptor, overrides: parameters)
        summary = try DondersSynthSource().generate(into: directory.path + "/out",
                                                    options: GenerationOptions(scale: scale, seed: seed, parameters: values),
                                                    progress: SilentProgress())
    }

    func remove() { directory.remove() }

    func path(_ relative: String) -> String { FilePaths.join(root, relative) }

    func bytes(_ relative: String) throws -> [UInt8] { try readWholeFile(path(relative), limit: 64 << 20) }

    func text(_ relative: String) throws -> String { String(decoding: try bytes(relative), as: UTF8.self) }

    /// Every regular file under the root, relative, found by walking the tree (names with `\r` included).
    func allFiles() throws -> [String] {
        var found: [String] = []
        func walk(_ relative: String) throws {
            let full = relative.isEmpty ? root : path(relative)
            for name in try FileManager.default.contentsOfDirectory(atPath: full) {
                let child = relative.isEmpty ? name : relative + "/" + name
                var isDirectory: ObjCBool = false
                _ = FileManager.default.fileExists(atPath: path(child), isDirectory: &isDirectory)
                if isDirectory.boolValue { try walk(child) } else { found.append(child) }
            }
        }
        try walk("")
        return found.sorted()
    }

    /// CSV rows split on CRLF (Donders tables) or LF (ground truth), without the final empty line.
    static func rows(_ text: String, separator: String) -> [[String]] {
        var lines = text.components(separatedBy: separator)
        if lines.last == "" { lines.removeLast() }
        return lines.map { $0.components(separatedBy: ",") }
    }
}
