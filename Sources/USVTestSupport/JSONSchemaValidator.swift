import Foundation

/// A JSON value decoded without Foundation's NSNumber ambiguity (booleans stay booleans).
public indirect enum JSONValue: Decodable, Equatable, CustomStringConvertible {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    public var description: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return "\(value)"
        case .number(let value): return "\(value)"
        case .string(let value): return "\"\(value)\""
        case .array(let value): return "[\(value.count) items]"
        case .object: return "{object}"
        }
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    public subscript(index: Int) -> JSONValue? {
        if case .array(let items) = self, items.indices.contains(index) { return items[index] }
        return nil
    }
}

/// A JSON Schema (2020-12) validator for the subset of keywords USVKit's schemas use: `type`, `properties`,
/// `required`, `additionalProperties`, `items`, `enum`, `const`, `pattern`, `minimum`, `maximum`,
/// `minItems`, `minLength`, `$ref` to `#/$defs/...`, `anyOf`, `oneOf`. A schema using any other keyword is
/// reported, so a schema can never pass by being misunderstood.
public struct JSONSchemaValidator {
    public let schema: JSONValue

    static let knownKeywords: Set<String> = [
        "$schema", "$id", "$defs", "$ref", "$comment", "title", "description", "type", "properties", "required",
        "additionalProperties", "items", "enum", "const", "pattern", "minimum", "maximum", "minItems",
        "minLength", "anyOf", "oneOf", "format", "examples", "default",
    ]

    public init(schemaPath: String) throws {
        schema = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: URL(fileURLWithPath: schemaPath)))
    }

    public struct ValidationFailure: Error, CustomStringConvertible {
        public var errors: [String]
        public var description: String { errors.prefix(20).joined(separator: "\n") }
    }

    /// Throws a `ValidationFailure` listing every violation with its location.
    public func validate(jsonData: Data) throws {
        let instance = try JSONDecoder().decode(JSONValue.self, from: jsonData)
        var errors: [String] = []
        check(instance, against: schema, at: "$", errors: &errors)
        if !errors.isEmpty { throw ValidationFailure(errors: errors) }
    }

    private func check(_ value: JSONValue, against rule: JSONValue, at location: String, errors: inout [String]) {
        guard case .object(let keywords) = rule else {
            if rule == .bool(false) { errors.append("\(location): not allowed") }
            return
        }
        for key in keywords.keys where !Self.knownKeywords.contains(key) {
            errors.append("\(location): schema keyword '\(key)' is not supported by this validator")
        }
        if case .string(let reference)? = keywords["$ref"] {
            guard reference.hasPrefix("#/$defs/"),
                  let target = schema["$defs"]?[String(reference.dropFirst("#/$defs/".count))] else {
                errors.append("\(location): unresolvable $ref \(reference)")
                return
            }
            check(value, against: target, at: location, errors: &errors)
        }
        if let type = keywords["type"] {
            var allowed: [String] = []
            if case .string(let one) = type { allowed = [one] }
            if case .array(let many) = type { allowed = many.compactMap { if case .string(let s) = $0 { return s } else { return nil } } }
            if !allowed.contains(where: { Self.matches(value, type: $0) }) {
                errors.append("\(location): expected \(allowed.joined(separator: " or ")), got \(value)")
                return
            }
        }
        if case .array(let options)? = keywords["enum"], !options.contains(value) {
            errors.append("\(location): \(value) is not one of the allowed values")
        }
        if let constant = keywords["const"], constant != value {
            errors.append("\(location): \(value) is not \(constant)")
        }
        if case .string(let text) = value {
            if case .string(let pattern)? = keywords["pattern"], text.range(of: pattern, options: .regularExpression) == nil {
                errors.append("\(location): '\(text)' does not match /\(pattern)/")
            }
            if case .number(let minimum)? = keywords["minLength"], Double(text.count) < minimum {
                errors.append("\(location): shorter than \(Int(minimum))")
            }
        }
        if case .number(let number) = value {
            if case .number(let minimum)? = keywords["minimum"], number < minimum {
                errors.append("\(location): \(number) < minimum \(minimum)")
            }
            if case .number(let maximum)? = keywords["maximum"], number > maximum {
                errors.append("\(location): \(number) > maximum \(maximum)")
            }
        }
        if case .object(let members) = value {
            if case .array(let required)? = keywords["required"] {
                for case .string(let name) in required where members[name] == nil {
                    errors.append("\(location): missing required '\(name)'")
                }
            }
            let properties = keywords["properties"]
            for (name, member) in members.sorted(by: { $0.key < $1.key }) {
                if let propertyRule = properties?[name] {
                    check(member, against: propertyRule, at: "\(location).\(name)", errors: &errors)
                } else if let additional = keywords["additionalProperties"] {
                    if additional == .bool(false) {
                        errors.append("\(location): unexpected property '\(name)'")
                    } else {
                        check(member, against: additional, at: "\(location).\(name)", errors: &errors)
                    }
                }
            }
        }
        if case .array(let items) = value {
            if case .number(let minimum)? = keywords["minItems"], Double(items.count) < minimum {
                errors.append("\(location): fewer than \(Int(minimum)) items")
            }
            if let itemRule = keywords["items"] {
                for (index, item) in items.enumerated() {
                    check(item, against: itemRule, at: "\(location)[\(index)]", errors: &errors)
                }
            }
        }
        for (keyword, exactlyOne) in [("anyOf", false), ("oneOf", true)] {
            guard case .array(let alternatives)? = keywords[keyword] else { continue }
            let passing = alternatives.filter { alternative in
                var scratch: [String] = []
                check(value, against: alternative, at: location, errors: &scratch)
                return scratch.isEmpty
            }.count
            if exactlyOne ? passing != 1 : passing == 0 {
                errors.append("\(location): matches \(passing) of \(keyword)")
            }
        }
    }

    private static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("null", .null),
             ("number", .number): return true
        case ("integer", .number(let number)): return number.rounded() == number
        default: return false
        }
    }
}

/// The repository's root folder, found from this source file's location (tests run from anywhere).
public func repositoryRoot(file: String = #filePath) -> String {
    var url = URL(fileURLWithPath: file)
    while url.path != "/" {
        url.deleteLastPathComponent()
        if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url.path }
    }
    return FileManager.default.currentDirectoryPath
}

/// Validates `data` against `schemas/<name>` of this repository.
public func validateAgainstSchema(_ name: String, _ data: Data) throws {
    try JSONSchemaValidator(schemaPath: repositoryRoot() + "/schemas/" + name).validate(jsonData: data)
}
