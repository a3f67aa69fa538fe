import ArgumentParser
import Foundation
import USVCore

struct PluginsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins",
        abstract: "List the registered plugins with kind, id, version and capabilities.",
        discussion: """
            Examples:
              usv plugins
              usv plugins --kind format
              usv plugins --json
            """)

    @Option(help: "Only this kind: \(PluginKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var kind: String?

    @Flag(help: "Write JSON (schemas/plugins.schema.json) instead of a table.")
    var json = false

    func run() throws {
        var descriptors = try registry().descriptors
        if let kind {
            guard let wanted = PluginKind(rawValue: kind) else {
                throw ValidationError("unknown kind '\(kind)'; use one of \(PluginKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            descriptors = descriptors.filter { $0.kind == wanted }
        }
        if json {
            try printJSON(PluginList(plugins: descriptors))
            return
        }
        let rows = descriptors.map { [$0.kind.rawValue, $0.id, $0.version, $0.capabilities.joined(separator: ",")] }
        print(TextTable.render(header: ["kind", "id", "version", "capabilities"], rows: rows))
        for descriptor in descriptors {
            print("\n\(descriptor.id): \(descriptor.summary)")
            for parameter in descriptor.parameters {
                print("  --param \(parameter.name)=\(parameter.defaultValue)  (\(parameter.type)) \(parameter.summary)")
            }
        }
    }
}

struct PluginList: Encodable {
    var schemaVersion = 1
    var plugins: [PluginDescriptor]
}

/// Plain aligned text tables for terminal output.
enum TextTable {
    static func render(header: [String], rows: [[String]], rightAligned: Set<Int> = []) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: max(0, widths[column] - cell.count))
                return rightAligned.contains(column) ? padding + cell : cell + padding
            }.joined(separator: "  ").trimmingTrailingSpaces
        }
        return ([line(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
            + rows.map(line)).joined(separator: "\n")
    }
}

extension String {
    var trimmingTrailingSpaces: String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
