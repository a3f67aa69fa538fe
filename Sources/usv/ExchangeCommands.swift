import ArgumentParser
import Foundation
import USVCatalog
import USVCore
import USVIngest

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export catalogued USVs: an HDF5 bundle, tables, annotation files, NumPy arrays, MAT-files or WAV clips.",
        discussion: """
            Formats:
              hdf5  the catalog (or the selection) as one HDF5 file, every table column by column; with \
            --snippets also each USV's audio and spectrogram as ragged arrays (schemas/hdf5-layout.md). \
            `usv import` reads it back losslessly; h5py reads every array.
              mat   one MAT-file per detected USV, dataNNNNNNNNN.mat (the catalog's USV id), holding the \
            original pipeline's struct v (Sound{1}, Spec{1}, Start, Stop, Duration, F, SRSound, SRSpec, \
            Filename, dF, Time); --mat-version v5 (default) or v7.3.
              wav   one WAV clip per detected USV at the recording's sample rate, usvNNNNNNNNN.wav.
              csv, tsv, jsonl  one row per USV record, the columns of `usv ls --json` \
            (schemas/usv-table-row.schema.json).
              generic-seq, raven, audacity  the USVs as annotation intervals (crowsetta generic-seq CSV, a Raven \
            selection table, an Audacity label track), labelled by --label; with --intervals the intervals \
            imported from annotation files instead.
              npz   NumPy arrays (the DAS tool's exchange format): id, start_s, stop_s, duration, min_frequency, \
            max_frequency, animal (-1 unknown), sex (0 female, 1 male, -1 unknown); with --snippets also audio and \
            spectrograms of detected USVs as ragged arrays with _offsets (spectrograms frame by frame, 233 rows \
            at 300 kHz, in spectrogram_rows).
            Per-USV files go to the directory OUT, or into one archive when OUT ends in .zip or .tar.gz.
            Outputs are written under temporary names and moved into place when complete.

            Examples:
              usv export --format hdf5 catalog.h5
              usv export --format hdf5 --snippets --sex female females.h5
              usv export --format mat --animal 3 --animal 13 calls.zip
              usv export --format wav --min-duration 0.05 clips/
              usv export --format csv --genotype cortexless cortexless.csv
              usv export --format raven --label sex --root /data/donders selections.txt
            """)

    @Option(help: "hdf5, mat, wav, csv, tsv, jsonl, npz, generic-seq, raven or audacity.")
    var format: String

    @Argument(help: "The output file, directory or archive (.zip, .tar.gz).")
    var output: String

    @OptionGroup var filterOptions: USVFilterOptions

    @Flag(help: "hdf5, npz: add each detected USV's audio and spectrogram.")
    var snippets = false

    @Option(help: "Annotation formats: label each USV by source, sex, animal or genotype.")
    var label = "source"

    @Flag(help: "Annotation formats: export the intervals imported with `usv import` instead of the USVs.")
    var intervals = false

    @Option(help: "mat: v5 or v7.3.")
    var matVersion = "v5"

    @Flag(help: "Replace OUT if it exists (write into a non-empty directory).")
    var force = false

    @Flag(help: "Write the report as JSON (schemas/exchange-report.schema.json).")
    var json = false

    @OptionGroup var catalogOptions: CatalogOptions

    func run() throws {
        let catalog = try catalogOptions.openExisting(for: "export")
        let started = Date()
        let filter = try filterOptions.filter()
        let progress = TerminalProgress()
        var report = ExchangeReport(operation: "export", format: format, path: output)
        switch format {
        case "hdf5", "h5":
            if FileManager.default.fileExists(atPath: output) && !force { throw ValidationError("\(output) exists; pass --force to replace it") }
            let reader = USVSnippetReader()
            let summary = try catalog.exportBundle(to: output, matching: filter, createdBy: "usv \(USVCommand.configuration.version)",
                                                   snippet: snippets ? { try Self.snippet(reader.read($0)) } : nil) { done, total in
                progress.update(phase: "snippets", done: Int64(done), total: Int64(total), unit: .items)
            }
            report.rows = summary.rows
            report.snippets = summary.snippets
        case "mat", "wav":
            report.files = try exportFiles(catalog.usvAudioReferences(matching: filter), progress: progress)
        case "csv", "tsv", "jsonl":
            if FileManager.default.fileExists(atPath: output) && !force { throw ValidationError("\(output) exists; pass --force to replace it") }
            let writer = try registry().require((any TableWriting).self, id: "format." + format)
            let table = try DataTable(summaries: catalog.usvs(matching: filter))
            try writer.writeTable(table, to: output)
            report.rows = ["usvs": table.rows.count]
        case "generic-seq", "raven", "audacity":
            if FileManager.default.fileExists(atPath: output) && !force { throw ValidationError("\(output) exists; pass --force to replace it") }
            let writer = try registry().require((any AnnotationWriting).self, id: format == "audacity" ? "format.audacity-labels" : "format." + format)
            let exported = intervals ? try catalog.intervals(root: filter.root) : try catalog.usvs(matching: filter).compactMap { usv in
                usv.interval(label: try Self.label(of: usv, by: label))
            }
            try writer.writeAnnotations(exported, to: output)
            report.rows = [intervals ? "intervals" : "usvs": exported.count]
        case "npz":
            if FileManager.default.fileExists(atPath: output) && !force { throw ValidationError("\(output) exists; pass --force to replace it") }
            let writer = try registry().require((any ArrayWriting).self, id: "format.npz")
            let usvs = try catalog.usvs(matching: filter)
            var arrays = try Self.recordArrays(usvs)
            if snippets {
                let reader = USVSnippetReader()
                var audio: [[Float]] = [], spectrograms: [[Float]] = [], ids: [Int64] = [], rows: [Int64] = []
                for reference in try catalog.usvAudioReferences(matching: filter) {
                    let piece = try reader.read(reference)
                    ids.append(reference.usvID)
                    audio.append(piece.signal.samples)
                    spectrograms.append(piece.spectrogram.values)
                    rows.append(Int64(piece.spectrogram.rows))
                }
                let audioArrays = try NDArray.ragged(name: "audio", pieces: audio)
                let spectrogramArrays = try NDArray.ragged(name: "spectrogram", pieces: spectrograms)
                arrays += [audioArrays.values, audioArrays.offsets, spectrogramArrays.values, spectrogramArrays.offsets,
                           try NDArray(name: "snippet_id", shape: [ids.count], dtype: .int64, values: .signed(ids)),
                           try NDArray(name: "spectrogram_rows", shape: [rows.count], dtype: .int64, values: .signed(rows))]
                report.snippets = ids.count
            }
            try writer.writeArrays(arrays, to: output)
            report.rows = ["usvs": usvs.count]
        default:
            throw ValidationError("--format must be hdf5, mat, wav, csv, tsv, jsonl, npz, generic-seq, raven or audacity")
        }
        progress.finish()
        report.seconds = Date().timeIntervalSince(started)
        if json { try printJSON(report) } else { print(report.text) }
    }

    static func label(of usv: USVSummary, by field: String) throws -> String {
        switch field {
        case "source": return usv.source
        case "sex": return usv.sex ?? "unknown"
        case "animal": return usv.animalName ?? usv.animal.map(String.init) ?? "unknown"
        case "genotype": return usv.genotype ?? "unknown"
        default: throw ValidationError("--label must be source, sex, animal or genotype")
        }
    }

    /// The records as NumPy columns.
    static func recordArrays(_ usvs: [USVSummary]) throws -> [NDArray] {
        func doubles(_ name: String, _ value: (USVSummary) -> Double?) throws -> NDArray {
            try NDArray(name: name, shape: [usvs.count], doubles: usvs.map { value($0) ?? .nan })
        }
        return [
            try NDArray(name: "id", shape: [usvs.count], dtype: .int64, values: .signed(usvs.map(\.id))),
            try doubles("start_s", \.start), try doubles("stop_s", \.stop), try doubles("duration", \.duration),
            try doubles("min_frequency", \.minimumFrequency), try doubles("max_frequency", \.maximumFrequency),
            try NDArray(name: "animal", shape: [usvs.count], dtype: .int64, values: .signed(usvs.map { Int64($0.animal ?? -1) })),
            try NDArray(name: "sex", shape: [usvs.count], dtype: .int8,
                        values: .signed(usvs.map { $0.sex == "female" ? 0 : ($0.sex == "male" ? 1 : -1) })),
        ]
    }

    static func snippet(_ piece: (signal: AudioSignal, spectrogram: Spectrogram)) -> BundleSnippet {
        BundleSnippet(samples: piece.signal.samples, sampleRate: piece.signal.sampleRate, spectrogram: piece.spectrogram.values,
                      rows: piece.spectrogram.rows, frames: piece.spectrogram.frames)
    }

    private func exportFiles(_ usvs: [USVAudioReference], progress: TerminalProgress) throws -> Int {
        let registry = try registry()
        let bundle = try OutputBundle(path: output, replace: force)
        let reader = USVSnippetReader()
        if format == "mat" {
            let writer = try registry.require((any MATLABWriting).self, id: "format.mat")
            guard type(of: writer).matlabVersions.contains(matVersion) else {
                throw ValidationError("--mat-version must be one of \(type(of: writer).matlabVersions.joined(separator: ", "))")
            }
            for (index, usv) in usvs.enumerated() {
                let piece = try reader.read(usv)
                try bundle.add(String(format: "data%09lld.mat", usv.usvID)) { path in
                    try writer.writeMATLAB([("v", Self.originalStruct(usv, piece))], to: path, version: matVersion)
                }
                progress.update(phase: "MAT-files", done: Int64(index + 1), total: Int64(usvs.count), unit: .items)
            }
        } else {
            guard let writer = registry.all((any AudioWritingFormat).self).first(where: { type(of: $0).fileExtensions.contains("wav") }) else {
                throw ValidationError("this build has no WAV writer")
            }
            for (index, usv) in usvs.enumerated() {
                let signal = try reader.read(usv).signal
                try bundle.add(String(format: "usv%09lld.wav", usv.usvID)) { path in try writer.writeAudio(signal, to: path, encoding: "float") }
                progress.update(phase: "WAV clips", done: Int64(index + 1), total: Int64(usvs.count), unit: .items)
            }
        }
        try bundle.finish()
        return bundle.count
    }

    /// The struct `v` of the original pipeline's per-USV files, as its MATLAB code reads them.
    static func originalStruct(_ usv: USVAudioReference, _ piece: (signal: AudioSignal, spectrogram: Spectrogram)) -> MATValue {
        let spectrogram = piece.spectrogram
        let frequencies = spectrogram.frequencies
        let rate = Double(piece.signal.sampleRate)
        let fields: [(String, MATValue)] = [
            ("Sound", .cell(dimensions: [1, 1], values: [.numeric(.double, dimensions: [piece.signal.samples.count, 1],
                                                                 real: piece.signal.samples.map(Double.init), imaginary: nil)])),
            // Spectrogram values are frame by frame, which is MATLAB's column-major order of rows × frames.
            ("Spec", .cell(dimensions: [1, 1], values: [.numeric(.double, dimensions: [spectrogram.rows, spectrogram.frames],
                                                                real: spectrogram.values.map(Double.init), imaginary: nil)])),
            ("Start", .scalar(usv.startSeconds)), ("Stop", .scalar(usv.stopSeconds)), ("Duration", .scalar(usv.stopSeconds - usv.startSeconds)),
            ("F", .numeric(.double, dimensions: [frequencies.count, 1], real: frequencies, imaginary: nil)),
            ("SRSound", .scalar(rate)), ("SRSpec", .scalar(rate / Double(spectrogram.parameters.hop))),
            ("Filename", .string(FilePaths.lastComponent(usv.archiveMember ?? usv.path))),
            ("dF", .scalar(frequencies.count > 1 ? frequencies[1] - frequencies[0] : 0)),
            ("Time", .numeric(.double, dimensions: [1, spectrogram.frames],
                              real: (0..<spectrogram.frames).map { usv.startSeconds + spectrogram.time(ofFrame: $0) }, imaginary: nil)),
        ]
        return .structure(dimensions: [1, 1], fieldNames: fields.map(\.0), elements: [Dictionary(uniqueKeysWithValues: fields)])
    }
}

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import an HDF5 bundle, or attach annotation intervals (Raven, Audacity, generic-seq) to recordings.",
        discussion: """
            HDF5 bundles (written by `usv export --format hdf5`) are added in one transaction: on any error \
            nothing changes. Ids are kept where they are free in this catalog and renumbered otherwise; a data \
            set already in the catalog (same root) is refused.

            Annotation files (a Raven selection table, an Audacity label track, crowsetta generic-seq CSV; the \
            format is sniffed, or given with --from) attach their intervals to the catalogued recordings they \
            name (path, archive member, file name or stem; --recording for files that name none), each linked \
            to the detected USV it overlaps most. Importing the same file again replaces its intervals. \
            Intervals whose recording is not in the catalog are reported (exit 1).

            Examples:
              usv import catalog.h5
              usv import females.h5 --catalog other.sqlite --json
              usv import Rfem_Afem01.Table.1.selections.txt
              usv import labels.txt --from audacity --recording Rfem_Afem01.wav
            """)

    @Argument(help: "The bundle or annotation file to import.")
    var input: String

    @Option(help: "Annotation format when sniffing cannot tell: generic-seq, raven or audacity.")
    var from: String?

    @Option(help: "Annotations: the recording for files that name none (Audacity labels).")
    var recording: String?

    @Option(help: "Annotations: only recordings of the data set at this root.")
    var root: String?

    @Option(help: ArgumentHelp("Raven tables: the column the labels are in (default: the first present of Annotation, Label, Species, Call Type, Class).",
                               valueName: "name"))
    var labelColumn: String?

    @Flag(help: "Write the report as JSON (schemas/exchange-report.schema.json).")
    var json = false

    @OptionGroup var catalogOptions: CatalogOptions

    func run() throws {
        try InputFiles.require(input)
        guard let catalog = try catalogOptions.open() else { throw ValidationError("import needs the catalog; drop --no-catalog") }
        let started = Date()
        let head = try readWholeFileHead(input, count: 600)
        guard head.starts(with: [0x89, 0x48, 0x44, 0x46]) else { return try importAnnotations(catalog, head: head, started: started) }
        let summary: BundleSummary
        do {
            summary = try catalog.importBundle(from: input)
        } catch let error as USVError where !error.isUsage {
            // The transaction rolled back: the catalog is as it was.
            throw USVError.unusable(path: input, reason: "cannot be imported (\(error)); the catalog is unchanged")
        }
        var report = ExchangeReport(operation: "import", format: "hdf5", path: input)
        report.rows = summary.rows
        report.snippets = summary.snippets
        report.seconds = Date().timeIntervalSince(started)
        if json { try printJSON(report) } else { print(report.text) }
    }
}

extension ImportCommand {
    private func importAnnotations(_ catalog: Catalog, head: [UInt8], started: Date) throws {
        let registry = try registry()
        let reader: any AnnotationReading
        if let from {
            reader = try registry.require((any AnnotationReading).self, id: from == "audacity" ? "format.audacity-labels" : "format." + from)
        } else if let sniffed = registry.bestFormat((any AnnotationReading).self, head: head, fileName: FilePaths.lastComponent(input)) {
            reader = sniffed
        } else {
            throw USVError.unusable(path: input, reason: "neither an HDF5 bundle nor an annotation file this build reads (usv formats lists them)")
        }
        let intervals = try readAnnotationsNamingLabels(reader, from: input, labelColumn: labelColumn, recording: recording)
        var rootPath: String?
        if let root {
            guard case .success(let real) = FilePaths.realPath(root) else { throw ValidationError("--root \(root): no such directory") }
            rootPath = real
        }
        guard case .success(let hashed) = FileHasher().hash(path: input) else { throw USVError.io(path: input, reason: "cannot read to hash it") }
        let digest = hashed.sha256
        // Keyed by the path given (made absolute, symlinks kept): re-importing the edited file replaces its intervals.
        let given = input.hasPrefix("/") ? input : FilePaths.join(FileManager.default.currentDirectoryPath, input)
        var components: [Substring] = []
        for component in given.split(separator: "/") where component != "." {
            if component == ".." { _ = components.popLast() } else { components.append(component) }
        }
        let attachment = try catalog.attachIntervals(intervals, sourceFile: "/" + components.joined(separator: "/"), sourceSHA256: digest,
                                                     format: reader.descriptor.id, root: rootPath)
        var report = ExchangeReport(operation: "import", format: reader.descriptor.id, path: input)
        report.rows = ["intervals": attachment.attached, "overlapping_usvs": attachment.overlappingUSVs]
        report.unmatched = attachment.unmatched
        report.seconds = Date().timeIntervalSince(started)
        if json { try printJSON(report) } else {
            print(report.text)
            for (name, count) in attachment.unmatched.sorted(by: { $0.key < $1.key }) {
                print("  NOT FOUND \(name): \(count) intervals (no single catalogued recording has this name)")
            }
        }
        if !attachment.unmatched.isEmpty { throw ExitCode(1) }
    }
}

/// What `usv export` and `usv import` did.
struct ExchangeReport: Codable {
    var schemaVersion = 1
    var operation: String
    var format: String
    var path: String
    var rows: [String: Int] = [:]
    var files = 0
    var snippets = 0
    /// Annotation imports: recording names no catalogued recording answers to, with their interval counts.
    var unmatched: [String: Int] = [:]
    var seconds = 0.0

    var text: String {
        var parts: [String] = []
        if !rows.isEmpty { parts.append(rows.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")) }
        if files > 0 { parts.append("\(files) files") }
        if snippets > 0 { parts.append("\(snippets) USV snippets") }
        return String(format: "%@ %@ %@: %@ (%.2f s)", operation, format, path, parts.joined(separator: "; "), seconds)
    }
}
