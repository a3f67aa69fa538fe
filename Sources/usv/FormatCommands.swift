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

struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a file between formats (audio for now: anything libsndfile reads to WAV or FLAC).",
        discussion: """
            The input format is found from the content (magic bytes first, the extension second), the output \
            format from OUT's extension. Audio keeps its sample rate (300 kHz and more); --start/--stop cut a \
            stretch (one USV, say); --encoding chooses pcm16, pcm24 or float (WAV only). OUT is written under a \
            temporary name and moved into place when complete; an existing OUT is refused unless --force.

            Examples:
              usv convert Rfem_Afem01.wav Rfem_Afem01.flac
              usv convert Rfem_Afem01.wav call.wav --start 12.30 --stop 12.45 --encoding float
            """)

    @Argument(help: "The input file.")
    var input: String

    @Argument(help: "The output file (.wav or .flac).")
    var output: String

    @Option(help: "Start of the stretch, seconds.")
    var start: Double?

    @Option(help: "Stop of the stretch, seconds.")
    var stop: Double?

    @Option(help: "pcm16, pcm24 or float (default: pcm16 for FLAC, the input's for WAV where possible).")
    var encoding: String?

    @Flag(help: "Replace OUT if it exists.")
    var force = false

    func validate() throws {
        if let start, let stop, stop <= start { throw ValidationError("--stop must be after --start") }
    }

    func run() throws {
        let registry = try registry()
        let head = Array(try readWholeFileHead(input, count: 64))
        guard let reader = registry.bestFormat((any AudioReadingFormat).self, head: head, fileName: FilePaths.lastComponent(input)) else {
            throw USVError.usage("\(input): no format of this build reads it (usv formats lists them)")
        }
        guard let writer = registry.all((any AudioWritingFormat).self).first(where: { type(of: $0).fileExtensions.contains(output.fileExtension) }),
              ["wav", "flac"].contains(output.fileExtension) else {
            throw USVError.usage("\(output): write .wav or .flac")
        }
        if FileManager.default.fileExists(atPath: output) && !force {
            throw USVError.usage("\(output) exists; pass --force to replace it")
        }
        let info = try reader.audioInfo(of: .file(input))
        let signal = try reader.readAudio(from: .file(input), frames: try info.frameRange(start: start, stop: stop, of: input))
        let chosen = encoding ?? (info.bitDepth == 24 ? "pcm24" : (info.encoding.hasSuffix("float") && output.fileExtension == "wav" ? "float" : "pcm16"))
        let temporary = FilePaths.join(FilePaths.directoryPart(output).isEmpty ? "." : FilePaths.directoryPart(output),
                                       ".\(FilePaths.lastComponent(output)).partial.\(output.fileExtension)")
        do {
            try writer.writeAudio(signal, to: temporary, encoding: chosen)
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
        try? FileManager.default.removeItem(atPath: output)
        try FileManager.default.moveItem(atPath: temporary, toPath: output)
        print(String(format: "%@: %d frames at %d Hz (%.3f s), %@", output, signal.samples.count, signal.sampleRate, signal.duration, chosen))
    }
}

/// The first `count` bytes of a file (fewer when it is shorter).
func readWholeFileHead(_ path: String, count: Int) throws -> [UInt8] {
    guard let handle = FileHandle(forReadingAtPath: path) else { throw USVError.io(path: path, reason: "cannot open") }
    defer { try? handle.close() }
    return Array(try handle.read(upToCount: count) ?? Data())
}
