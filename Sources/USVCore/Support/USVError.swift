/// The errors USVKit reports to people. Each says what failed, where (file, line or byte offset) and,
/// where there is one, what to do about it. The CLI maps `isUsage` errors to exit status 2.
public enum USVError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Wrong arguments or options; exit status 2.
    case usage(String)
    /// A file could not be opened or read: path and the operating system's reason.
    case io(path: String, reason: String)
    /// The bytes of a file are not what its format says: path, where, what.
    case malformed(path: String, location: String, reason: String)
    /// The input is well-formed but unusable as a whole (e.g. a manifest with no valid line).
    case unusable(path: String, reason: String)
    /// A path that would escape its root or is otherwise unsafe to open or write.
    case unsafePath(String, reason: String)
    /// Something the format allows but this tool does not handle yet, with what to do instead.
    case unsupported(path: String, feature: String, advice: String)

    public var description: String {
        switch self {
        case .usage(let message): return message
        case .io(let path, let reason): return "\(path): \(reason)"
        case .malformed(let path, let location, let reason): return "\(path): \(location): \(reason)"
        case .unusable(let path, let reason): return "\(path): \(reason)"
        case .unsafePath(let path, let reason): return "unsafe path '\(path.visibleEscapes)': \(reason)"
        case .unsupported(let path, let feature, let advice): return "\(path): \(feature) is not supported; \(advice)"
        }
    }

    /// The same error naming `replacement` where it named `path`: for readers that work on a private copy.
    public func replacingPath(_ path: String, with replacement: String) -> USVError {
        switch self {
        case .io(let named, let reason) where named == path: return .io(path: replacement, reason: reason)
        case .malformed(let named, let location, let reason) where named == path:
            return .malformed(path: replacement, location: location, reason: reason)
        case .unusable(let named, let reason) where named == path: return .unusable(path: replacement, reason: reason)
        case .unsupported(let named, let feature, let advice) where named == path:
            return .unsupported(path: replacement, feature: feature, advice: advice)
        default: return self
        }
    }

    /// Errors about the invocation or an input unusable as a whole, hostile paths included (exit status 2).
    public var isUsage: Bool {
        switch self {
        case .usage, .unusable, .unsafePath: return true
        default: return false
        }
    }
}

extension String {
    /// The string with control characters written as escapes (`\r`, `\n`, `\t`, `\u{..}`), so that names
    /// such as the macOS `Icon\r` files print visibly and on one line.
    public var visibleEscapes: String {
        var out = ""
        for scalar in unicodeScalars {
            switch scalar {
            case "\r": out += "\\r"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\\": out += "\\\\"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}
