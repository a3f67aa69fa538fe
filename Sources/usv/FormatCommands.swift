import ArgumentParser
import Foundation
import USVCore

struct FormatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "formats",
        abstract: "List the file formats this build reads and writes.",
        discussion: """
            Examples:
              usv formats
              usv formats --json
            """)

    @Flag(help: "Write JSON (schemas/formats.schema.json).")
    var json = false

    func run() throws {
        let formats = try registry().all((any FormatPlugin).self).map { format in
            FormatEntry(id: format.descriptor.id, version: format.descriptor.version, extensions: type(of: format).fileExtensions,
                        read: format.descriptor.capabilities.contains("read"), write: format.descriptor.capabilities.contains("write"),
                        summary: format.descriptor.summary)
        }.sorted { $0.id < $1.id }
        if json {
            try printJSON(FormatList(formats: formats))
            return
        }
        print(TextTable.render(header: ["id", "read", "write", "extensions"], rows: formats.map {
            [$0.id, $0.read ? "yes" : "-", $0.write ? "yes" : "-", $0.extensions.joined(separator: " ")]
        }))
    }
}

struct FormatEntry: Codable {
    var id: String
    var version: String
    var extensions: [String]
    var read: Bool
    var write: Bool
    var summary: String
}

struct FormatList: Codable {
    var schemaVersion = 1
    var formats: [FormatEntry]
}

/// The first `count` bytes of a file (fewer when it is shorter).
func readWholeFileHead(_ path: String, count: Int) throws -> [UInt8] {
    guard let handle = FileHandle(forReadingAtPath: path) else { throw USVError.io(path: path, reason: "cannot open") }
    defer { try? handle.close() }
    return Array(try handle.read(upToCount: count) ?? Data())
}
