import Crypto
import Foundation

/// Parameter values handed to a plugin: the plugin's declared defaults overridden by the user's choices.
/// Its `fingerprint` keys cached outputs: same plugin version and same values means the output is reused.
public struct ParameterValues: Sendable, Hashable, Codable {
    public private(set) var values: [String: String]

    public init(_ values: [String: String] = [:]) { self.values = values }

    /// The descriptor's defaults with `overrides` applied; unknown names are rejected so typos never pass.
    public init(defaultsOf descriptor: PluginDescriptor, overrides: [String: String] = [:]) throws {
        var values = Dictionary(uniqueKeysWithValues: descriptor.parameters.map { ($0.name, $0.defaultValue) })
        for (name, value) in overrides {
            guard values[name] != nil else {
                throw USVError.usage("plugin \(descriptor.id) has no parameter '\(name)'; "
                    + "known: \(descriptor.parameters.map(\.name).sorted().joined(separator: ", "))")
            }
            values[name] = value
        }
        self.values = values
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
