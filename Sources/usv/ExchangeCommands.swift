import ArgumentParser
import Foundation
import USVCatalog
import USVCore
import USVIngest

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export catalogued USVs: an HDF5 bundle, per-USV MAT-files or WAV clips.",
        discussion: """
            Formats:
              hdf5  the catalog (or the selection) as one HDF5 file, every table column by column; with \
            --snippets also each USV's audio and spectrogram as ragged arrays (schemas/hdf5-layout.md). \
            `usv import` reads it back losslessly; h5py reads every array.
              mat   one MAT-file per detected USV, dataNNNNNNNNN.mat (the catalog's USV id), holding the \
            original pipeline's struct v (Sound{1}, Spec{1}, Start, Stop, Duration, F, SRSound, SRSpec, \
            Filename, dF, Time); --mat-version v5 (default) or v7.3.
              wav   one WAV clip per detected USV at the recording's sample rate, usvNNNNNNNNN.wav.
            Per-USV files go to the directory OUT, or into one archive when OUT ends in .zip or .tar.gz.
            Outputs are written under temporary names and moved into place when complete.

            Examples:
              usv export --format hdf5 catalog.h5
              usv export --format hdf5 --snippets --sex female females.h5
              usv export --format mat --animal 3 --animal 13 calls.zip
              usv export --format wav --min-duration 0.05 clips/
            """)

    @Option(help: "hdf5, mat or wav.")
    var format: String

    @Argument(help: "The output file, directory or archive (.zip, .tar.gz).")
    var output: String

    @OptionGroup var filterOptions: USVFilterOptions

    @Flag(help: "hdf5: add each detected USV's audio and spectrogram.")
    var snippets = false

    @Option(help: "mat: v5 or v7.3.")
    var matVersion = "v5"

    @Flag(help: "Replace OUT if it exists (write into a non-empty directory).")
    var force = false

    @Flag(help: "Write the report as JSON (schemas/exchange-report.schema.json).")
    var json = false

    @OptionGroup var catalogOptions: CatalogOptions

    func run() throws {
        guard let catalog = try catalogOptions.open() else { throw ValidationError("export needs the catalog; drop --no-catalog") }
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
        default:
            throw ValidationError("--format must be hdf5, mat or wav")
        }
        progress.finish()
        report.seconds = Date().timeIntervalSince(started)
        if json { try printJSON(report) } else { print(report.text) }
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
        abstract: "Import an HDF5 bundle written by `usv export --format hdf5` into the catalog.",
        discussion: """
            Everything is added in one transaction: on any error nothing changes. Ids are kept where they are \
            free in this catalog and renumbered otherwise; a data set already in the catalog (same root) is \
            refused.

            Examples:
              usv import catalog.h5
              usv import females.h5 --catalog other.sqlite --json
            """)

    @Argument(help: "The bundle to import.")
    var input: String

    @Flag(help: "Write the report as JSON (schemas/exchange-report.schema.json).")
    var json = false

    @OptionGroup var catalogOptions: CatalogOptions

    func run() throws {
        guard let catalog = try catalogOptions.open() else { throw ValidationError("import needs the catalog; drop --no-catalog") }
        let started = Date()
        let head = try readWholeFileHead(input, count: 8)
        guard head.starts(with: [0x89, 0x48, 0x44, 0x46]) else {
            throw USVError.unusable(path: input, reason: "not an HDF5 bundle (usv export --format hdf5 writes them)")
        }
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

/// What `usv export` and `usv import` did.
struct ExchangeReport: Codable {
    var schemaVersion = 1
    var operation: String
    var format: String
    var path: String
    var rows: [String: Int] = [:]
    var files = 0
    var snippets = 0
    var seconds = 0.0

    var text: String {
        var parts: [String] = []
        if !rows.isEmpty { parts.append(rows.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")) }
        if files > 0 { parts.append("\(files) files") }
        if snippets > 0 { parts.append("\(snippets) USV snippets") }
        return String(format: "%@ %@ %@: %@ (%.2f s)", operation, format, path, parts.joined(separator: "; "), seconds)
    }
}
