#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Lists everything below a directory that is not itself a directory, without following symlinks.
/// Names are taken byte for byte (a trailing `\r` stays), so they compare with manifest paths.
public enum DirectoryWalker {
    public struct Item: Sendable, Hashable {
        /// Path relative to the walked root.
        public var relativePath: String
        public var status: FileStatus
    }

    /// Walks `root`. Unreadable sub-directories are reported in `problems` rather than aborting the walk.
    public static func walk(_ root: String) -> (items: [Item], problems: [(path: String, reason: String)]) {
        var items: [Item] = []
        var problems: [(String, String)] = []
        var pending: [String] = [""]
        while let relative = pending.popLast() {
            let absolute = relative.isEmpty ? root : FilePaths.join(root, relative)
            guard let directory = opendir(absolute) else {
                problems.append((relative.isEmpty ? "." : relative, systemErrorText(errno)))
                continue
            }
            defer { closedir(directory) }
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw -> String in
                    let bytes = raw.prefix { $0 != 0 }
                    return String(decoding: bytes, as: UTF8.self)
                }
                if name == "." || name == ".." { continue }
                let child = relative.isEmpty ? name : relative + "/" + name
                switch FileStatus.lstatus(FilePaths.join(root, child)) {
                case .failure(let error): problems.append((child, error.description))
                case .success(let status):
                    if status.kind == .directory {
                        pending.append(child)
                    } else {
                        items.append(Item(relativePath: child, status: status))
                    }
                }
            }
        }
        return (items.sorted { $0.relativePath < $1.relativePath }, problems)
    }
}
