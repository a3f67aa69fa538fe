import ArgumentParser
import Foundation
import USVCore
import USVSignal

/// `--param name=value` options, turned into a plugin's parameter values. `--param PLUGIN.name=value` sets a
/// parameter of one plugin only (`ridge.alpha=10`, or with the full id `model.ridge.alpha=10`), for commands that
/// run several plugins; a name without a plugin goes to every plugin of the command that declares it.
struct PluginParameterOptions: ParsableArguments {
    @Option(name: .customLong("param"), help: ArgumentHelp("A plugin parameter as name=value, or PLUGIN.name=value for one plugin of several "
        + "(repeatable); `usv plugins` lists them.", valueName: "name=value"))
    var parameters: [String] = []

    /// One `--param` entry.
    struct Entry {
        var plugin: String?
        var name: String
        var value: String
    }

    func entries() throws -> [Entry] {
        try parameters.map { text in
            guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
                throw ValidationError("--param needs name=value or PLUGIN.name=value, got '\(text)'")
            }
            let key = String(text[..<equals]), value = String(text[text.index(after: equals)...])
            guard let dot = key.lastIndex(of: ".") else { return Entry(plugin: nil, name: key, value: value) }
            return Entry(plugin: String(key[..<dot]), name: String(key[key.index(after: dot)...]), value: value)
        }
    }

    func validate() throws { _ = try entries() }

    /// Whether `scope` names the plugin `descriptor` (its id, or the id without its kind: `ridge` for `model.ridge`).
    static func names(_ scope: String, _ descriptor: PluginDescriptor) -> Bool {
        scope == descriptor.id || descriptor.id.split(separator: ".", maxSplits: 1).last.map(String.init) == scope
    }

    /// The values of the one plugin a command runs.
    func values(for descriptor: PluginDescriptor) throws -> ParameterValues {
        try values(for: descriptor, among: [descriptor])
    }

    /// The values of `descriptor`, one of the plugins `all` that a command runs: checked for every plugin before
    /// any work, so a name no plugin knows, or a plugin that is not among them, is an error up front.
    func values(for descriptor: PluginDescriptor, among all: [PluginDescriptor]) throws -> ParameterValues {
        var overrides: [String: String] = [:]
        for entry in try entries() {
            if let plugin = entry.plugin {
                guard all.contains(where: { Self.names(plugin, $0) }) else {
                    throw USVError.usage("--param \(plugin).\(entry.name): '\(plugin)' is not a plugin of this command ("
                        + all.map(\.id).joined(separator: ", ") + ")")
                }
                if Self.names(plugin, descriptor) { overrides[entry.name] = entry.value }
            } else if all.count == 1 || descriptor.parameters.contains(where: { $0.name == entry.name }) {
                overrides[entry.name] = entry.value
            } else if !all.contains(where: { other in other.parameters.contains { $0.name == entry.name } }) {
                throw USVError.usage("--param \(entry.name): no plugin of this command has it ("
                    + all.map(\.id).joined(separator: ", ") + "); `usv plugins` lists their parameters")
            }
        }
        return try ParameterValues(defaultsOf: descriptor, overrides: overrides)
    }
}

struct SpectrogramCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spectrogram",
        abstract: "Compute the spectrogram of a recording, a stretch of it, or a catalogued USV; draw it with the calls marked.",
        discussion: """
            Hann window of 500 samples (MATLAB hanning), hop 250, one-sided, Nyquist dropped, linear magnitude, \
            rows from 10 kHz (233 rows at 300 kHz). Output by extension: .png draws a picture (dB above the \
            stretch's noise floor with a colour bar, kHz axis, time axis in ms or s, 4 pixels per ms up to 400 ms, \
            a title; --detections and --truth FILE add tracks of marked calls); .csv writes numbers (first column \
            the row frequency in Hz, header row the frame times in s); .f32 streams raw little-endian float32 \
            values frame by frame (rows per frame as the sidecar FILE.f32.json says, \
            schemas/spectrogram-f32.schema.json) in constant memory, for whole recordings of any length (numpy: \
            np.fromfile(f, '<f4').reshape(frames, rows)). --out may be given more than once; .png and .csv take \
            stretches of at most 120 s. REC may be an archive member as the catalog shows it (archive.zip//member). \
            --usv ID draws a catalogued USV with --margin seconds around it.

            Examples:
              usv spectrogram Rfem_Afem01.wav --start 12.30 --stop 12.45 --out call.png --detections
              usv spectrogram --usv 42 --margin 0.05 --out usv42.png
              usv spectrogram call.wav --out call.png --out call.csv
              usv spectrogram Rfem_Afem01.wav --out whole.f32
              usv spectrogram call.wav --out quiet.png --param dynamic-range=30
            """)

    @Argument(help: "An audio file (WAV, FLAC, … anything libsndfile reads), or archive.zip//member.")
    var input: String?

    @Option(help: "Start of the stretch, seconds (default: the beginning).")
    var start: Double?

    @Option(help: "Stop of the stretch, seconds (default: the end).")
    var stop: Double?

    @Option(help: "Output file: .png (picture), .csv (numbers) or .f32 (raw float32, streamed). Repeatable.")
    var out: [String] = []

    @Option(help: "Draw this catalogued USV (from usv ls) with --margin around it, instead of REC.")
    var usv: Int64?

    @Option(help: "With --usv: seconds of the recording before and after the USV.")
    var margin: Double = 0.02

    @Flag(help: "Mark the calls the default detector finds in the stretch (a track above the picture).")
    var detections = false

    @Option(help: "Mark the true calls of this annotation file (start/stop CSV, Raven, Audacity, generic-seq).")
    var truth: String?

    @Flag(help: "Replace --out files that exist.")
    var force = false

    @OptionGroup var channelOption: ChannelOption

    @OptionGroup var parameterOptions: PluginParameterOptions

    @OptionGroup var catalogOptions: CatalogOptions

    /// A picture or table of more than this many seconds would need hundreds of MB; .f32 streams instead.
    static let maximumSeconds = 120.0

    func validate() throws {
        guard !out.isEmpty else { throw ValidationError("give at least one --out FILE (.png, .csv or .f32)") }
        for path in out where !["png", "csv", "f32"].contains(path.fileExtension) {
            throw ValidationError("--out \(path): use a .png, .csv or .f32 file name")
        }
        for path in out where FileManager.default.fileExists(atPath: path) && !force {
            throw ValidationError("\(path) exists; pass --force to replace it")
        }
        try validateStretch(start: start, stop: stop)
        guard (input == nil) != (usv == nil) else { throw ValidationError("give a recording REC or --usv ID (one of them)") }
        if usv != nil && (start != nil || stop != nil) { throw ValidationError("--usv sets the stretch; drop --start/--stop (use --margin)") }
        guard margin.isFinite, margin >= 0, margin <= 10 else { throw ValidationError("--margin must be between 0 and 10 s") }
        if out.contains(where: { $0.fileExtension == "f32" }) && (start != nil || stop != nil || usv != nil) {
            throw ValidationError(".f32 output is for whole recordings; drop --start/--stop/--usv or use .csv")
        }
    }

    /// The recording to read and the stretch (seconds): REC with --start/--stop, or the USV's recording around it.
    private func resolve() throws -> (source: ByteSource, name: String, start: Double?, stop: Double?, usv: (Double, Double)?) {
        if let usv {
            let catalog = try catalogOptions.openExisting(for: "spectrogram --usv")
            guard let reference = try catalog.usvAudioReference(id: usv) else {
                throw USVError.usage("USV \(usv) is not in \(catalog.path) or has no position in a catalogued recording")
            }
            let source = try DataRoot(reference.root).source(reference.path, member: reference.archiveMember)
            return (source, source.description, max(0, reference.startSeconds - margin), reference.stopSeconds + margin,
                    (reference.startSeconds, reference.stopSeconds))
        }
        let input = self.input ?? ""
        return (try audioSource(input), input, start, stop, nil)
    }

    func run() throws {
        let (source, name, start, stop, marked) = try resolve()
        let registry = try registry()
        let feature = try registry.require((any FeaturePlugin).self, id: "feature.spectrogram")
        let pictureFormat = registry.all((any SpectrogramTrackImageWriting).self).first
        let plugins = [feature.descriptor] + (pictureFormat.map { [type(of: $0).descriptor] } ?? [])
        let parameters = try parameterOptions.values(for: feature.descriptor, among: plugins)
        let pictureParameters = try pictureFormat.map { try parameterOptions.values(for: type(of: $0).descriptor, among: plugins) }
        let spectrogramParameters = try SpectrogramParameters(parameters)
        let sparse = Float(try parameters.double("sparse-threshold"))
        for path in out where path.fileExtension == "f32" {
            try streamRaw(to: path, source: source, parameters: spectrogramParameters, sparse: sparse)
        }
        let pictures = out.filter { $0.fileExtension != "f32" }
        guard !pictures.isEmpty else { return }

        let reader = try AudioFileReader(source: source)
        reader.channel = try channelOption.selection()
        let rate = Double(reader.info.sampleRate)
        let stretch = try reader.info.frameRange(start: start, stop: stop, of: name)
        guard Double(stretch.count) / rate <= Self.maximumSeconds else {
            throw USVError.usage("\(name): \(String(format: "%.0f", Double(stretch.count) / rate)) s is too long for a picture or table; "
                + "choose a stretch of at most \(Int(Self.maximumSeconds)) s with --start/--stop, or write .f32")
        }
        let signal = try reader.readSignal(frames: stretch)
        var spectrogram = try SpectrogramEngine(parameters: spectrogramParameters, sampleRate: signal.sampleRate).spectrogram(of: signal.samples)
        spectrogram.zeroValues(below: sparse)
        guard spectrogram.frames > 0 else {
            throw USVError.usage("\(name): the stretch is shorter than one window (\(spectrogramParameters.windowLength) samples)")
        }
        let startSeconds = Double(stretch.lowerBound) / rate, stopSeconds = Double(stretch.upperBound) / rate
        var tracks: [PictureTrack] = []
        var legend: [(name: String, color: PictureColor)] = []
        let callColor = PictureColor(46, 160, 67), truthColor = PictureColor(52, 101, 164)
        if let marked, let usv {
            tracks.append(PictureTrack(name: "USV", spans: [.init(start: marked.0, stop: marked.1, color: callColor)]))
            legend.append(("USV \(usv)", callColor))
        }
        if detections {
            let detector = try registry.require((any USVDetecting).self, id: "feature.usv-detector")
            let found = try detector.detect(recording: source, channel: try channelOption.selection(),
                                            parameters: try ParameterValues(defaultsOf: detector.descriptor)).usvs
                .filter { $0.stopSeconds > startSeconds && $0.startSeconds < stopSeconds }
            tracks.append(PictureTrack(name: "found", spans: found.map { .init(start: $0.startSeconds, stop: $0.stopSeconds, color: callColor) }))
            legend.append(("detected (\(found.count))", callColor))
        }
        if let truth {
            guard FileManager.default.fileExists(atPath: truth) else { throw USVError.usage("--truth \(truth): no such file; check the path") }
            let calls = try CallListReader(registry: registry).read(path: truth).calls
                .filter { $0.stop > startSeconds && $0.start < stopSeconds }
            tracks.append(PictureTrack(name: "true", spans: calls.map { .init(start: $0.start, stop: $0.stop, color: truthColor) }))
            legend.append(("true (\(calls.count))", truthColor))
        }
        let title = "\(FilePaths.lastComponent(name))  " + String(format: "%.3f–%.3f s", startSeconds, stopSeconds)
            + (usv.map { "  USV \($0)" } ?? "")
        for path in pictures {
            if path.fileExtension == "png" {
                guard let writer = pictureFormat else { throw USVError.usage("no plugin draws spectrogram pictures in this build") }
                let range = try pictureParameters?.double("dynamic-range")
                try writer.writeSpectrogramImage(spectrogram, to: path, startSeconds: startSeconds, tracks: tracks, legend: legend,
                                                 options: PictureOptions(title: title, dynamicRange: range))
            } else {
                try writeCSV(spectrogram, startSeconds: startSeconds, to: path)
            }
            print("\(path): \(spectrogram.rows) rows × \(spectrogram.frames) frames, "
                + String(format: "%.1f–%.1f kHz, %.1f–%.1f ms", (spectrogram.frequencies.first ?? 0) / 1000,
                         (spectrogram.frequencies.last ?? 0) / 1000, startSeconds * 1000, stopSeconds * 1000))
        }
    }

    /// Streams the whole recording's spectrogram as float32 to `path` (written to a temporary name and moved
    /// into place when complete), with a JSON sidecar describing the layout.
    private func streamRaw(to path: String, source: ByteSource, parameters: SpectrogramParameters, sparse: Float) throws {
        let temporary = path + ".partial"
        guard FileManager.default.createFile(atPath: temporary, contents: nil), let handle = FileHandle(forWritingAtPath: temporary) else {
            throw USVError.io(path: path, reason: "cannot create the output file")
        }
        var rows = 0
        let frames: Int
        do {
            defer { try? handle.close() }
            frames = try StreamingSpectrogram(parameters: parameters).run(source: source, channel: try channelOption.selection()) { _, _, rowCount, values in
                rows = rowCount
                if sparse > 0 {
                    try handle.write(contentsOf: Data(values.map { $0 < sparse ? 0 : $0 }.withUnsafeBufferPointer { Data(buffer: $0) }))
                } else {
                    try handle.write(contentsOf: Data(buffer: values))
                }
            }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.moveItem(atPath: temporary, toPath: path)
        let info = try AudioFileReader(source: source).info
        let layout = RawSpectrogramLayout(source: source.description, sampleRate: info.sampleRate, rows: rows, frames: frames,
                                          windowLength: parameters.windowLength, hop: parameters.hop,
                                          frequencies: parameters.frequencies(sampleRate: info.sampleRate),
                                          firstFrameTime: Double(parameters.windowLength) / 2 / Double(info.sampleRate),
                                          frameRate: Double(info.sampleRate) / Double(parameters.hop), sparseThreshold: Double(sparse))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try writeWholeFile(path + ".json", bytes: Array(try encoder.encode(layout)))
        print("\(path): \(rows) rows × \(frames) frames of float32, frame-major (\(path).json describes it)")
    }

    private func writeCSV(_ spectrogram: Spectrogram, startSeconds: Double, to path: String) throws {
        var text = "frequency_hz"
        for frame in 0..<spectrogram.frames { text += String(format: ",%.6f", startSeconds + spectrogram.time(ofFrame: frame)) }
        text += "\n"
        for row in 0..<spectrogram.rows {
            text += String(format: "%.1f", spectrogram.frequencies[row])
            for frame in 0..<spectrogram.frames { text += ",\(spectrogram[row, frame])" }
            text += "\n"
        }
        try writeWholeFile(path, bytes: Array(text.utf8))
    }
}

/// The sidecar of a `.f32` spectrogram (schemas/spectrogram-f32.schema.json).
struct RawSpectrogramLayout: Encodable {
    var schemaVersion = 1
    var source: String
    var sampleRate: Int
    var rows: Int
    var frames: Int
    var windowLength: Int
    var hop: Int
    var frequencies: [Double]
    /// Time of frame 0's window centre, seconds; frame k is at firstFrameTime + k / frameRate.
    var firstFrameTime: Double
    var frameRate: Double
    var sparseThreshold: Double
    var layout = "float32 little-endian, frame-major: value(frame, row) at index frame * rows + row"
}

struct DetectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Find USVs in a recording (tonal-contrast detector by default; --detector feature.usv-detector-paper for the paper's).",
        discussion: """
            The recording is streamed (constant memory). Prints one line per USV (start, stop, duration, \
            frequency range, amplitudes); --json writes the full result (schemas/detect-report.schema.json), \
            --csv a table. Parameters (`usv plugins --kind feature`) are set with --param name=value.
            --truth FILE scores the detections against true calls as `usv score` does (`usv score --help`): \
            the scores follow the table, go into the JSON as `score`, or with --csv to stderr.

            Examples:
              usv detect Rfem_Afem01.wav
              usv detect Rmale_Afem03.wav --json > detections.json
              usv detect rec.wav --csv --param min-frequency=30000
              usv detect rec_1.wav --truth rec_1.Table.1.selections.txt
            """)

    @Argument(help: "An audio file (WAV, FLAC, …).")
    var input: String

    @Flag(help: "Write JSON (schemas/detect-report.schema.json).")
    var json = false

    @Flag(help: "Write CSV (start_s, stop_s, start_sample, stop_sample, duration_s, min_frequency_hz, max_frequency_hz, peak_amplitude, mean_amplitude).")
    var csv = false

    @Option(name: .customLong("detector"), help: "The detector: feature.usv-detector (default) or feature.usv-detector-paper (the paper's pipeline).")
    var detectorID = "feature.usv-detector"

    @Option(help: "Score the detections against the true calls of this annotation file (any format `usv score` reads).")
    var truth: String?

    @Option(help: "With --truth: onset tolerance of the event matching, seconds.")
    var tolerance: Double = EventScorer.defaultTolerance

    @OptionGroup var channelOption: ChannelOption

    @OptionGroup var parameterOptions: PluginParameterOptions

    func validate() throws {
        if json && csv { throw ValidationError("choose --json or --csv, not both") }
        guard tolerance.isFinite, tolerance >= 0 else { throw ValidationError("--tolerance must be a number of seconds, 0 or more") }
    }

    func run() throws {
        let recording = try audioSource(input)
        if let truth { try InputFiles.require(truth, option: "--truth") }
        // With --truth, the truth file and the recording are checked before the detector runs.
        let scoring = try truth.map { try DetectScoring(truth: $0, recording: input, tolerance: tolerance) }
        let detector = try registry().require((any USVDetecting).self, id: detectorID)
        let parameters = try parameterOptions.values(for: detector.descriptor)
        let started = Date()
        let result = try detector.detect(recording: recording, channel: try channelOption.selection(), parameters: parameters)
        let seconds = Date().timeIntervalSince(started)
        let score = try scoring?.score(result)
        if json {
            try printJSON(DetectReport(result: result, seconds: seconds, score: score))
        } else if csv {
            print("start_s,stop_s,start_sample,stop_sample,duration_s,min_frequency_hz,max_frequency_hz,peak_amplitude,mean_amplitude")
            for usv in result.usvs {
                print(String(format: "%.6f,%.6f,%d,%d,%.6f,%.1f,%.1f,%.6g,%.6g", usv.startSeconds, usv.stopSeconds, usv.startSample,
                             usv.stopSample, usv.duration, usv.minimumFrequency, usv.maximumFrequency, usv.peakAmplitude, usv.meanAmplitude))
            }
        } else {
            let rows = result.usvs.map { usv in
                [String(format: "%.4f", usv.startSeconds), String(format: "%.4f", usv.stopSeconds),
                 String(format: "%.1f", usv.duration * 1000),
                 String(format: "%.1f–%.1f", usv.minimumFrequency / 1000, usv.maximumFrequency / 1000),
                 String(format: "%.3g", usv.peakAmplitude)]
            }
            print(TextTable.render(header: ["start s", "stop s", "ms", "kHz", "peak"], rows: rows, rightAligned: [0, 1, 2, 3, 4]))
            print(String(format: "%d USVs in %.1f s of audio; detection took %.2f s (%.0f× real time)",
                         result.usvs.count, result.duration, seconds, result.duration / max(seconds, 1e-9))
                + " with \(result.detector) \(result.detectorVersion)")
        }
        if let score, !json { scoring?.printText(score, toStandardError: csv) }
    }
}

/// `usv detect --json` output.
struct DetectReport: Encodable {
    var schemaVersion = 1
    var result: DetectionResult
    var seconds: Double
    /// With --truth: the detections scored against the true calls (schemas/score-report.schema.json).
    var score: DetectionScoreReport?
}
