#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Lists everything below a directory that is not itself a directory, without following symlinks.
/// Names are taken byte for byte (a trailing `\r` stays, a name that is not UTF-8 stays as it is), so they compare
/// with manifest paths as bytes.
public enum DirectoryWalker {
    public struct Item: Sendable, Hashable {
        /// Path relative to the walked root, as text (`PathText.text`: exact when UTF-8).
        public var relativePath: String
        /// Path relative to the walked root, as bytes.
        public var relativeBytes: [UInt8]
        public var status: FileStatus
    }

    /// Walks `root`. Unreadable sub-directories are reported in `problems` rather than aborting the walk.
    public static func walk(_ root: String) -> (items: [Item], problems: [(path: String, reason: String)]) {
        let walked = walk(bytes: Array(root.utf8))
        return (walked.items, walked.problems.map { (PathText.text($0.path), $0.reason) })
    }

    /// Walks `root` given as bytes; problems name their paths as bytes.
    public static func walk(bytes root: [UInt8]) -> (items: [Item], directories: [[UInt8]], problems: [(path: [UInt8], reason: String)]) {
        var items: [Item] = []
        var directories: [[UInt8]] = []
        var problems: [([UInt8], String)] = []
        var pending: [[UInt8]] = [[]]
        while let relative = pending.popLast() {
            let absolute = relative.isEmpty ? root : FilePaths.join(root, relative)
            guard let directory = FilePaths.withCPath(absolute, { opendir($0) }) else {
                problems.append((relative.isEmpty ? Array(".".utf8) : relative, systemErrorText(errno)))
                continue
            }
            defer { closedir(directory) }
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
                if name == [UInt8(ascii: ".")] || name == [UInt8(ascii: "."), UInt8(ascii: ".")] { continue }
                let child = relative.isEmpty ? name : relative + [UInt8(ascii: "/")] + name
                switch FileStatus.lstatus(bytes: FilePaths.join(root, child)) {
                case .failure(let error): problems.append((child, error.description))
                case .success(let status):
                    if status.kind == .directory {
                        pending.append(child)
                        directories.append(child)
                    } else {
                        items.append(Item(relativePath: PathText.text(child), relativeBytes: child, status: status))
                    }
                }
            }
        }
        return (items.sorted { $0.relativeBytes.lexicographicallyPrecedes($1.relativeBytes) }, directories, problems)
    }
}
