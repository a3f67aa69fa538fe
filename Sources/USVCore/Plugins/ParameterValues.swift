import Crypto
import Foundation

/// Parameter values handed to a plugin: the plugin's declared defaults overridden by the user's choices.
/// Its `fingerprint` keys cached outputs: same plugin version and same values means the output is reused.
public struct ParameterValues: Sendable, Hashable, Codable {
    public private(set) var values: [String: String]

    public init(_ values: [String: String] = [:]) { self.values = values }

    /// The descriptor's defaults with `overrides` applied; unknown names are rejected so typos never pass, and
    /// each value is checked against its declared type before any work (see `PluginParameter.checked`).
    public init(defaultsOf descriptor: PluginDescriptor, overrides: [String: String] = [:]) throws {
        var values = Dictionary(uniqueKeysWithValues: descriptor.parameters.map { ($0.name, $0.defaultValue) })
        for (name, value) in overrides.sorted(by: { $0.key < $1.key }) {
            guard let parameter = descriptor.parameters.first(where: { $0.name == name }) else {
                let known = descriptor.parameters.map(\.name).sorted()
                let suggestion = closestName(to: name, among: known).map { " (did you mean '\($0)'?)" } ?? ""
                throw USVError.usage("plugin \(descriptor.id) has no parameter '\(name)'\(suggestion); known: \(known.joined(separator: ", "))")
            }
            do {
                values[name] = try parameter.checked(value)
            } catch let error as USVError {
                throw USVError.usage("plugin \(descriptor.id): \(error)")
            }
        }
        self.values = values
    }

    /// A boolean parameter ("true" or "false" after `PluginParameter.checked`).
    public func bool(_ name: String) throws -> Bool {
        switch values[name]?.lowercased() {
        case "true"?: return true
        case "false"?: return false
        default: throw USVError.usage("parameter '\(name)' must be true or false, got '\(values[name] ?? "nothing")'")
        }
    }

    public subscript(name: String) -> String? { values[name] }

    public func double(_ name: String) throws -> Double {
        guard let text = values[name], let value = Double(text) else {
            throw USVError.usage("parameter '\(name)' must be a number, got '\(values[name] ?? "nothing")'")
        }
        return value
    }

    public func int(_ name: String) throws -> Int {
        guard let text = values[name], let value = Int(text) else {
            throw USVError.usage("parameter '\(name)' must be a whole number, got '\(values[name] ?? "nothing")'")
        }
        return value
    }

    /// A comma-separated list of whole numbers ("10,5,3"); any other entry is an error, not skipped.
    public func intList(_ name: String) throws -> [Int] { try list(name, of: "whole numbers") { Int($0) } }

    /// A comma-separated list of numbers ("0.001,0.0001"); any other entry is an error, not skipped.
    public func doubleList(_ name: String) throws -> [Double] { try list(name, of: "numbers") { Double($0) } }

    private func list<Number>(_ name: String, of kind: String, _ parse: (String) -> Number?) throws -> [Number] {
        let text = values[name] ?? ""
        let entries = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let numbers = entries.compactMap(parse)
        guard !text.isEmpty, numbers.count == entries.count else {
            throw USVError.usage("parameter '\(name)' must be a comma-separated list of \(kind), got '\(text)'")
        }
        return numbers
    }

    /// SHA-256 of the sorted `name=value` lines, lowercase hex: stable across runs and machines.
    public var fingerprint: String {
        let text = values.keys.sorted().map { "\($0)=\(values[$0] ?? "")\n" }.joined()
        return SHA256.hash(data: Data(text.utf8)).hexString
    }
}

extension PluginParameter {
    /// `value` checked against this parameter's declared type and normalised:
    /// - `bool`: true/false/yes/no/on/off/1/0 (any case) → "true" or "false"; anything else is an error;
    /// - `int`: a whole number; `double` and unit types (`Hz`, `ms`, `s`, `dB`, `percent`, `ratio`, …): a finite
    ///   number; `ms`, `s` and `Hz` also take a unit (`50ms`, `0.05s`, `25kHz`), converted to the declared unit;
    /// - `list`: comma-separated numbers;
    /// - `a|b|…`: one of the alternatives, where `number`, `int` and `list` stand for any such value and other
    ///   words for themselves (`slope|jump`, `auto|number`, `int|preset`).
    /// Types not listed are free text.
    public func checked(_ value: String) throws -> String {
        let text = value.trimmingCharacters(in: .whitespaces)
        func fail(_ expected: String) -> USVError {
            USVError.usage("parameter '\(name)' must be \(expected), got '\(value)'")
        }
        func number(_ text: String) -> Double? { Double(text).flatMap { $0.isFinite ? $0 : nil } }
        func check(_ type: String) -> String? {
            switch type {
            case "bool":
                switch text.lowercased() {
                case "true", "yes", "on", "1": return "true"
                case "false", "no", "off", "0": return "false"
                default: return nil
                }
            case "int":
                return Int(text).map(String.init)
            case "number", "double", "dB", "percent", "ratio", "magnitude", "kHz/bin", "bins", "fraction":
                return number(text) == nil ? nil : text
            case "ms", "s":
                if number(text) != nil { return text }
                let lower = text.lowercased()
                let (digits, unit) = lower.hasSuffix("ms") ? (String(lower.dropLast(2)), "ms")
                    : lower.hasSuffix("s") ? (String(lower.dropLast(1)), "s") : ("", "")
                guard let amount = number(digits.trimmingCharacters(in: .whitespaces)) else { return nil }
                let factor = unit == type ? 1.0 : (unit == "s" ? 1_000.0 : 0.001)
                return String(amount * factor)
            case "Hz":
                if number(text) != nil { return text }
                let lower = text.lowercased()
                let (digits, hertz): (String, Double) = lower.hasSuffix("khz") ? (String(lower.dropLast(3)), 1_000)
                    : lower.hasSuffix("hz") ? (String(lower.dropLast(2)), 1) : ("", 0)
                return number(digits.trimmingCharacters(in: .whitespaces)).map { String($0 * hertz) }
            case "list":
                let entries = text.split(separator: ",", omittingEmptySubsequences: false)
                return !text.isEmpty && entries.allSatisfy({ number($0.trimmingCharacters(in: .whitespaces)) != nil }) ? text : nil
            default:
                return text == type ? text : nil
            }
        }
        let known: Set<String> = ["bool", "int", "number", "double", "dB", "percent", "ratio", "magnitude", "kHz/bin", "bins",
                                  "fraction", "ms", "s", "Hz", "list"]
        if type.contains("|") {
            let alternatives = type.split(separator: "|").map(String.init)
            for alternative in alternatives { if let accepted = check(alternative) { return accepted } }
            throw fail("one of " + alternatives.map { known.contains($0) ? "a \($0) value" : "'\($0)'" }.joined(separator: ", "))
        }
        guard known.contains(type) else { return value }
        guard let accepted = check(type) else {
            switch type {
            case "bool": throw fail("true or false (also yes/no, on/off, 1/0)")
            case "int": throw fail("a whole number")
            case "list": throw fail("a comma-separated list of numbers")
            case "ms", "s": throw fail("a duration: a number of \(type), or with a unit (50ms, 0.05s)")
            case "Hz": throw fail("a frequency: a number of Hz, or with a unit (25kHz, 25000Hz)")
            default: throw fail("a finite number (\(type))")
            }
        }
        return accepted
    }
}

/// The closest of `names` to `name` by edit distance, when it is close enough to be a typo (did-you-mean).
public func closestName(to name: String, among names: [String]) -> String? {
    func distance(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1] + [Int](repeating: 0, count: b.count)
            for (j, y) in b.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
    let target = Array(name.lowercased())
    let scored = names.map { ($0, distance(target, Array($0.lowercased()))) }.min { $0.1 < $1.1 }
    guard let (best, score) = scored, score <= max(2, target.count / 3) else { return nil }
    return best
}

extension Sequence where Element == UInt8 {
    /// Lowercase hexadecimal, as manifests write hashes.
    public var hexString: String {
        var text = ""
        for byte in self {
            text.append(hexDigits[Int(byte >> 4)])
            text.append(hexDigits[Int(byte & 0x0F)])
        }
        return text
    }
}

private let hexDigits: [Character] = Array("0123456789abcdef")
