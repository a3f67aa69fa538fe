import ArgumentParser
import Foundation
import USVCore

struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a file between formats: audio, MAT-files, archives, tables, annotations, NumPy arrays.",
        discussion: """
            The input's kind is found from its extension for NumPy files (.npy, .npz; or NumPy's magic \
            bytes) and for tables and annotations (.csv, .tsv, .tab, .jsonl, .ndjson, .txt, .labels, or \
            whenever --from or --to is given; the content then tells annotations from tables), and from its \
            content otherwise (archive magic bytes, a MATLAB header, then what libsndfile reads). The output \
            format comes from OUT's extension:
              audio (anything libsndfile reads)  -> .wav or .flac, sample rate kept (300 kHz and more); \
            --start/--stop cut a stretch (one USV, say); --encoding pcm16, pcm24 or float (WAV only)
              MAT-file (v5 or v7.3)              -> .mat (--mat-version v5 or v7.3) or .h5 (the v7.3 layout: \
            h5py and hdf5storage read it)
              archive (zip, tar, tar.gz, tar.zst, ...) -> .zip or .tar.gz with the same members; absolute, \
            climbing ('..') and link members are refused, and so are members that expand beyond --max-ratio \
            or --max-member-size (decompression bombs)
              annotations (generic-seq, raven, audacity) -> another of them, or a table (.csv with --to csv, \
            .tsv, .jsonl) of intervals
              tables (csv, tsv, jsonl; the Donders header-in-the-file-name convention is understood) -> csv, tsv, jsonl; \
            a word in a column of numbers is an error naming its line and column unless --lenient (the column is \
            kept as text and stderr says how many cells); decimal commas in ';' or tab-separated files are read \
            as numbers, and an empty first header cell (pandas' index column) is a header; stderr says so
              NumPy (.npy, .npz)                 -> .npz or .npy (one array)
            --from and --to name formats where the extension is ambiguous (.csv is a table or generic-seq; .txt \
            is a Raven table or Audacity labels).
            OUT is written under a temporary name and moved into place when complete; an existing OUT is \
            refused unless --force.

            Examples:
              usv convert Rfem_Afem01.wav Rfem_Afem01.flac
              usv convert Rfem_Afem01.wav call.wav --start 12.30 --stop 12.45 --encoding float
              usv convert data000000001.mat data000000001.h5
              usv convert data000000001.mat v5.mat --mat-version v5
              usv convert RecordingsCortexless.zip RecordingsCortexless.tar.gz
              usv convert Rfem_Afem01.Table.1.selections.txt Rfem_Afem01.csv --to generic-seq
              usv convert labels.txt selections.txt --from audacity --to raven
              usv convert features_fileid_animalid_sex_duration.csv features.jsonl
            """)

    @Argument(help: "The input file.")
    var input: String

    @Argument(help: "The output file.")
    var output: String

    @Option(help: "Audio: start of the stretch, seconds.")
    var start: Double?

    @Option(help: "Audio: stop of the stretch, seconds.")
    var stop: Double?

    @Option(help: "Audio: pcm16, pcm24 or float (default: pcm16 for FLAC, the input's for WAV where possible).")
    var encoding: String?

    @Option(help: "Audio: keep only this channel (1 is the first) or 'mix' (their mean); default: every channel.")
    var channel: String?

    @Option(help: "MAT output: v5 or v7.3 (default: v7.3 for .h5, else v5).")
    var matVersion: String?

    @Option(help: "Archives: refuse a member that expands more than this many times its compressed size.")
    var maxRatio: Double = ArchiveLimits().maximumRatio

    @Option(help: "Archives: refuse a member larger than this many bytes once expanded.")
    var maxMemberSize: Int64 = ArchiveLimits().maximumMemberBytes

    @Option(help: "The input's format id without 'format.' (e.g. raven, audacity, generic-seq, csv) when sniffing cannot tell.")
    var from: String?

    @Option(help: "The output's format (e.g. generic-seq, raven, audacity, csv, tsv, jsonl) when OUT's extension cannot tell.")
    var to: String?

    @Option(help: ArgumentHelp("Raven tables: the column the labels are in (default: the first present of Annotation, Label, Species, Call Type, Class).",
                               valueName: "name"))
    var labelColumn: String?

    @Flag(help: "Tables: keep a column of numbers that has text cells as text (saying how many) instead of refusing the file.")
    var lenient = false

    @Flag(help: "Replace OUT if it exists.")
    var force = false

    func validate() throws {
        try validateStretch(start: start, stop: stop)
        if let channel {
            do { _ = try ChannelSelection(parsing: channel) } catch { throw ValidationError("\(error)") }
        }
        if maxRatio <= 1 || maxMemberSize <= 0 { throw ValidationError("--max-ratio must be above 1 and --max-member-size positive") }
    }

    func run() throws {
        try InputFiles.require(input)
        if FileManager.default.fileExists(atPath: output) && !force { throw USVError.usage("\(output) exists; pass --force to replace it") }
        let head = try readWholeFileHead(input, count: 600)
        let registry = try registry()
        let outputExtension = output.lowercased().hasSuffix(".tar.gz") ? "tar.gz" : output.fileExtension
        if ["npy", "npz"].contains(input.fileExtension) || head.starts(with: [0x93] + Array("NUMPY".utf8)) {
            return try convertArrays(registry: registry, head: head)
        }
        if from != nil || to != nil || ["csv", "tsv", "tab", "jsonl", "ndjson", "txt", "labels"].contains(input.fileExtension) {
            return try convertTabular(registry: registry, head: head)
        }
        if Self.isArchive(head) {
            guard ["zip", "tar.gz", "tgz"].contains(outputExtension) else { throw USVError.usage("\(output): an archive converts to .zip or .tar.gz") }
            return try repackArchive()
        }
        if let mat = registry.bestFormat((any MATLABReading).self, head: head, fileName: FilePaths.lastComponent(input)),
           head.starts(with: Array("MATLAB".utf8)) || input.fileExtension == "mat" {
            guard ["mat", "h5", "hdf5"].contains(outputExtension) else { throw USVError.usage("\(output): a MAT-file converts to .mat or .h5") }
            return try convertMAT(mat, registry: registry)
        }
        if let audio = registry.bestFormat((any AudioReadingFormat).self, head: head, fileName: FilePaths.lastComponent(input)) {
            return try convertAudio(audio, registry: registry)
        }
        throw USVError.unusable(path: input, reason: "no format of this build reads it (usv formats lists them)")
    }

    /// Zip, gzip, zstd, xz, bzip2 or 7z magic bytes, or a tar header.
    static func isArchive(_ head: [UInt8]) -> Bool {
        let magic: [[UInt8]] = [[0x50, 0x4B, 0x03, 0x04], [0x50, 0x4B, 0x05, 0x06], [0x1F, 0x8B], [0x28, 0xB5, 0x2F, 0xFD],
                                [0xFD, 0x37, 0x7A, 0x58, 0x5A], [0x42, 0x5A, 0x68], [0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C]]
        if magic.contains(where: { head.starts(with: $0) }) { return true }
        return head.count >= 262 && Array(head[257..<262]) == Array("ustar".utf8)
    }

    private func convertAudio(_ reader: any AudioReadingFormat, registry: PluginRegistry) throws {
        guard let writer = registry.all((any AudioWritingFormat).self).first(where: { type(of: $0).fileExtensions.contains(output.fileExtension) }),
              ["wav", "flac"].contains(output.fileExtension) else {
            throw USVError.usage("\(output): audio converts to .wav or .flac")
        }
        let info = try reader.audioInfo(of: .file(input))
        let selection = try channel.map(ChannelSelection.init(parsing:)) ?? .all
        let signal = try reader.readAudio(from: .file(input), frames: try info.frameRange(start: start, stop: stop, of: input), channel: selection)
        let chosen = encoding ?? (info.bitDepth == 24 ? "pcm24" : (info.encoding.hasSuffix("float") && output.fileExtension == "wav" ? "float" : "pcm16"))
        try writeAtomically(output) { try writer.writeAudio(signal, to: $0, encoding: chosen) }
        let channels = signal.channels == 1 ? (info.channels == 1 ? "mono" : "\(selection) of \(info.channels)") : "\(signal.channels) channels"
        print(String(format: "%@: %d frames at %d Hz (%.3f s), %@, ", output, signal.frames, signal.sampleRate, signal.duration, chosen) + channels)
    }

    private func convertMAT(_ reader: any MATLABReading, registry: PluginRegistry) throws {
        let variables = try reader.readMATLAB(.file(input))
        guard let writer = registry.all((any MATLABWriting).self).first else { throw USVError.usage("this build writes no MAT-files") }
        let version = matVersion ?? (output.fileExtension == "mat" ? "v5" : "v7.3")
        if output.fileExtension != "mat" && version != "v7.3" { throw USVError.usage("\(output): .h5 holds the v7.3 layout; drop --mat-version") }
        try writer.writeMATLAB(variables, to: output, version: version)
        print("\(output): \(variables.count) variables (\(variables.map(\.name).joined(separator: ", "))), MAT \(version)")
    }

    /// The plugin `format.<name>` (Audacity's id is `format.audacity-labels`).
    private static func formatID(_ name: String) -> String {
        name == "audacity" ? "format.audacity-labels" : (name.hasPrefix("format.") ? name : "format." + name)
    }

    /// Annotations and tables: read as annotations when the input is one, else as a table.
    private func convertTabular(registry: PluginRegistry, head: [UInt8]) throws {
        let name = FilePaths.lastComponent(input)
        // An annotation file when --from names an annotation format or the content says so (Audacity
        // labels look like any tab-separated text: they need --from audacity).
        let annotationReader: (any AnnotationReading)? = from.map { from in
            registry.all((any AnnotationReading).self).first { $0.descriptor.id == Self.formatID(from) }
        } ?? registry.bestFormat((any AnnotationReading).self, head: head, fileName: name).flatMap {
            $0.sniff(head: head, fileName: name) == .byContent ? $0 : nil
        }
        let target = to ?? (output.fileExtension == "txt" ? "raven" : output.fileExtension)
        if let annotationReader {
            let intervals = try readAnnotationsNamingLabels(annotationReader, from: input, labelColumn: labelColumn, recording: nil)
            if let writer = registry.all((any AnnotationWriting).self).first(where: { $0.descriptor.id == Self.formatID(to ?? (target == "csv" ? "generic-seq" : target)) }) {
                try writer.writeAnnotations(intervals, to: output)
                print("\(output): \(intervals.count) intervals, \(writer.descriptor.id)")
                return
            }
            let tableWriter = try registry.require((any TableWriting).self, id: Self.formatID(target))
            try tableWriter.writeTable(try DataTable(intervals: intervals), to: output)
            print("\(output): \(intervals.count) intervals as a table, \(tableWriter.descriptor.id)")
            return
        }
        let reader = try from.map { try registry.require((any TableReading).self, id: Self.formatID($0)) }
            ?? registry.bestFormat((any TableReading).self, head: head, fileName: name)
        guard let reader else { throw USVError.unusable(path: input, reason: "no table or annotation format of this build reads it") }
        let table = try reader.readTable(from: .file(input), options: TableReadOptions(lenient: lenient))
        for note in table.notes { FileHandle.standardError.write(Data("\(input): \(note)\n".utf8)) }
        let writer = try registry.require((any TableWriting).self, id: Self.formatID(target))
        try writer.writeTable(table, to: output)
        print("\(output): \(table.rows.count) rows × \(table.columns.count) columns, \(writer.descriptor.id)")
    }

    private func convertArrays(registry: PluginRegistry, head: [UInt8]) throws {
        guard let reader = registry.bestFormat((any ArrayReading).self, head: head, fileName: FilePaths.lastComponent(input)) else {
            throw USVError.unusable(path: input, reason: "not a NumPy file this build reads")
        }
        let arrays = try reader.readArrays(from: .file(input))
        let writer = try registry.require((any ArrayWriting).self, id: Self.formatID(to ?? output.fileExtension))
        try writer.writeArrays(arrays, to: output)
        print("\(output): \(arrays.count) arrays (\(arrays.map { "\($0.name) \($0.shape)" }.joined(separator: ", ")))")
    }

    private func repackArchive() throws {
        let reader = try ArchiveReader(path: input)
        reader.limits = ArchiveLimits(maximumMemberBytes: maxMemberSize, maximumRatio: maxRatio)
        let bundle = try OutputBundle(path: output, replace: force)
        var bytes: Int64 = 0
        while let member = try reader.nextMember() {
            try member.checkSafe(in: input)
            guard member.kind == .regular else { continue }  // directories are implied by member names
            // Through a temporary file: members may be larger than memory.
            try bundle.add(member.path) { path in
                guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
                    throw USVError.io(path: output, reason: "cannot stage member \(member.path)")
                }
                defer { try? handle.close() }
                bytes += try reader.readData { try handle.write(contentsOf: Data($0)) }
            }
        }
        try bundle.finish()
        print("\(output): \(bundle.count) members, \(bytes) bytes")
    }
}
