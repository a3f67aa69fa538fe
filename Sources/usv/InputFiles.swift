import Foundation
import USVCore

/// The exit-status contract for inputs named on the command line: an input that is missing, or that is a
/// directory where a file is needed (or the reverse), cannot be used at all, so it is a usage error (exit
/// status 2) on every command, raised before any work starts.
enum InputFiles {
    enum Kind {
        /// A regular file (or a link to one).
        case file
        /// A directory or an archive file (a data-set root).
        case fileOrDirectory
    }

    /// Throws `USVError.usage` naming `path` and the option it came from when it cannot be an input.
    static func require(_ path: String, as kind: Kind = .file, option: String? = nil) throws {
        let named = option.map { "\($0) \(path)" } ?? path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw USVError.usage("\(named): no such file or directory; check the path")
        }
        if kind == .file && isDirectory.boolValue {
            throw USVError.usage("\(named): is a directory; name a file")
        }
    }
}
