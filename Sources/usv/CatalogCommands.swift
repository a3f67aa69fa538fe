import ArgumentParser
import Foundation
import USVCatalog
import USVCore
import USVIngest
import USVSignal

struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Ingest a data set into the catalog: verify, detect USVs, store records with provenance.",
        discussion: """
            The data-set adapter recognises the layout (the Donders data set and its synthetic twin, unpacked \
            or as one zip/tar), the manifest is verified first (unchanged files from the verify cache), and files that fail it are \
            refused unless --allow-unverified. Each recording is one transaction: a run killed at any point \
            leaves every recording complete or absent, and the next run resumes; recordings already ingested \
            from the same bytes with the same detector parameters are skipped. A bad file is reported, recorded \
            as failed, and does not stop the others unless --strict.

            Exit status: 0 all ingested (or unchanged); 1 something failed or was refused; 2 bad arguments or \
            a root that is not a known data set.

            Examples:
              usv ingest ~/data/DSC_620840_0003_891
              usv ingest ~/Downloads/DSC_620840_0003_891.zip
              usv ingest twin --exclude-animal 9 --json > ingest.json
              usv ingest twin --param enter-snr=15
            """)

    @Argument(help: "The data-set directory, or the data set packed in one archive.")
    var root: String

    @Option(name: .customLong("exclude-animal"), help: "Leave out an animal (data-set id such as 9, or name such as Rfem09). Repeatable.")
    var excludedAnimals: [String] = []

    @Flag(help: "Ingest files that fail verification (or a data set without a manifest).")
    var allowUnverified = false

    @Flag(help: "Stop at the first recording or table that fails.")
    var strict = false

    @Option(help: "Recordings processed at once (each detection uses two threads).")
    var jobs: Int = 1

    @Option(name: .customLong("detector"), help: "The USV detector: feature.usv-detector (default) or feature.usv-detector-paper (the paper's pipeline).")
    var detectorID = "feature.usv-detector"

    @OptionGroup var channelOption: ChannelOption

    @Option(help: "The data-set adapter (default: the first that recognises ROOT).")
    var adapter: String?

    @Flag(help: "Write the report as JSON (schemas/ingest-report.schema.json).")
    var json = false

    @OptionGroup var parameterOptions: PluginParameterOptions

    @OptionGroup var catalogOptions: CatalogOptions

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
    }

    func run() throws {
        try InputFiles.require(root, as: .fileOrDirectory)
        let registry = try registry()
        guard let catalog = try catalogOptions.open() else { throw ValidationError("ingest needs a catalog; drop --no-catalog") }
        let chosen: any DataSetAdapter
        if let adapter {
            chosen = try registry.require((any DataSetAdapter).self, id: adapter)
        } else {
            guard let found = registry.all((any DataSetAdapter).self).first(where: { $0.recognises(root: root) }) else {
                throw USVError.usage("\(root): no data-set adapter recognises this layout (known: "
                    + registry.all((any DataSetAdapter).self).map(\.descriptor.id).joined(separator: ", ") + ")")
            }
            chosen = found
        }
        let detector = try registry.require((any USVDetecting).self, id: detectorID)
        let properties = try registry.require((any USVFeatureComputing).self, id: "feature.call-properties")
        var options = IngestOptions(detectorParameters: try parameterOptions.values(for: detector.descriptor),
                                    propertyParameters: try ParameterValues(defaultsOf: properties.descriptor),
                                    verify: VerifyOptions())
        options.jobs = jobs
        options.channel = try channelOption.selection()
        options.allowUnverified = allowUnverified
        options.strict = strict
        options.excludedAnimals = Set(excludedAnimals)
        let progress = TerminalProgress(quiet: false)
        let interruption = InterruptionNotice(catalogPath: catalog.path, rerun: CommandLine.arguments)
        let report = try Ingestor(adapter: chosen, detector: detector, properties: properties, catalog: catalog, formats: registry,
                                  progress: progress)
            .ingest(root: root, options: options)
        interruption.cancel()
        progress.finish()
        if json {
            try printJSON(report)
        } else {
            print(Self.render(report))
        }
        if report.exitStatus != 0 { throw ExitCode(report.exitStatus) }
    }

    /// Ctrl-C during an ingest: the recordings stored so far stay (each is stored whole or not at all); the run is
    /// marked `interrupted` and the person is told that the same command resumes.
    final class InterruptionNotice {
        private let source: any DispatchSourceSignal

        init(catalogPath: String, rerun arguments: [String]) {
            let started = Date()
            signal(SIGINT, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: DispatchQueue.global())
            source.setEventHandler {
                let marked = (try? Catalog(path: catalogPath).markRunsInterrupted(startedSince: started)) ?? 0
                let command = arguments.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
                FileHandle.standardError.write(Data(("\r\u{1B}[K\nusv: interrupted. Every recording finished so far is stored; "
                    + "the run is marked interrupted (\(marked) run\(marked == 1 ? "" : "s")). Run the same command again to resume:\n  "
                    + command + "\n").utf8))
                Foundation.exit(130)
            }
            source.resume()
            self.source = source
        }

        func cancel() {
            source.cancel()
            signal(SIGINT, SIG_DFL)
        }
    }

    static func render(_ report: IngestReport) -> String {
        var lines = ["\(report.dataSet) at \(report.root) — ingest run \(report.ingestRun), \(String(format: "%.1f", report.seconds)) s"]
        let counts = Dictionary(grouping: report.recordings, by: \.status).mapValues(\.count)
        lines.append("verification: read and hashed \(report.verificationReads.hashed) files (\(formatBytes(report.verificationReads.bytesHashed))), "
            + "trusted \(report.verificationReads.trusted) unchanged since they last verified (size, mtime, ctime, inode, device)")
        lines.append("recordings: " + counts.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.value) \($0.key.rawValue)" }.joined(separator: ", "))
        for outcome in (report.recordings + report.tables) where outcome.status == .failed || outcome.status == .refused {
            lines.append("  \(outcome.status.rawValue.uppercased()) \(outcome.name): \(outcome.error ?? "")")
        }
        for table in report.tables {
            lines.append("table \(table.name): \(table.status.rawValue)" + (table.usvs.map { ", \($0) rows" } ?? ""))
        }
        for item in report.skipped { lines.append("skipped \(item.path.visibleEscapes): \(item.reason)") }
        lines.append("")
        lines.append(StatsCommand.render(report.statistics))
        return lines.joined(separator: "\n")
    }
}

/// Filters shared by `usv ls` and `usv stats`.
struct USVFilterOptions: ParsableArguments {
    @Option(help: "female or male.")
    var sex: String?

    @Option(help: "An animal by name (Rfem01, as usv ls shows it) or data-set id (repeatable).")
    var animal: [String] = []

    @Option(help: "wildtype or cortexless.")
    var genotype: String?

    @Option(help: "detected or deposited.")
    var source: String?

    @Option(help: "Shortest duration: seconds, or with a unit (50ms, 0.05s).")
    var minDuration: String?

    @Option(help: "Longest duration: seconds, or with a unit (300ms, 0.3s).")
    var maxDuration: String?

    @Option(help: "Only the data set at this root.")
    var root: String?

    func filter() throws -> USVFilter {
        var filter = USVFilter()
        if let sex {
            guard let value = Sex(name: sex) else { throw ValidationError("--sex must be female or male") }
            filter.sex = value
        }
        filter.animals = animal.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let names = animal.filter { Int($0.trimmingCharacters(in: .whitespaces)) == nil }
        filter.animalNames = names.isEmpty ? nil : names
        if let genotype {
            guard let value = Genotype(rawValue: genotype.lowercased()) else { throw ValidationError("--genotype must be wildtype or cortexless") }
            filter.genotype = value
        }
        if let source {
            guard let value = USVSource(rawValue: source) else { throw ValidationError("--source must be detected or deposited") }
            filter.source = value
        }
        filter.minimumDuration = try minDuration.map { try Self.seconds($0, option: "--min-duration") }
        filter.maximumDuration = try maxDuration.map { try Self.seconds($0, option: "--max-duration") }
        if let root {
            guard case .success(let real) = FilePaths.realPath(root) else { throw ValidationError("--root \(root): no such directory") }
            filter.root = real
        }
        return filter
    }

    /// A duration given as seconds (`0.05`), or with a unit (`50ms`, `0.05s`), in seconds.
    static func seconds(_ text: String, option: String) throws -> Double {
        let parameter = PluginParameter(option, type: "s", default: "0", "")
        guard let value = Double((try? parameter.checked(text)) ?? ""), value >= 0 else {
            throw ValidationError("\(option) must be a duration: seconds (0.05) or with a unit (50ms, 0.05s), got '\(text)'")
        }
        return value
    }
}

struct LsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls",
        abstract: "List USV records of the catalog.",
        discussion: """
            Examples:
              usv ls --sex male --animal 12 --min-duration 0.02
              usv ls --source deposited --limit 20
              usv ls --genotype cortexless --json > cortexless.json
            """)

    @OptionGroup var filterOptions: USVFilterOptions

    @Option(help: "At most this many records.")
    var limit: Int?

    @Flag(help: "Write JSON (schemas/usv-list.schema.json).")
    var json = false

    @OptionGroup var catalogOptions: CatalogOptions

    func run() throws {
        let catalog = try catalogOptions.openExisting(for: "ls")
        let records = try catalog.usvs(matching: try filterOptions.filter(), limit: limit)
        if json {
            try printJSON(USVList(usvs: records))
            return
        }
        let rows = records.map(Self.row)
        print(TextTable.render(header: ["id", "source", "animal", "sex", "genotype", "start s", "ms", "kHz", "recording"],
                               rows: rows, rightAligned: [0, 5, 6]))
    }
}

extension LsCommand {
    static func row(_ record: USVSummary) -> [String] {
        let start: String = record.start.map { String(format: "%.4f", $0) } ?? "-"
        let milliseconds: String = record.duration.map { String(format: "%.1f", $0 * 1000) } ?? "-"
        var band = "-"
        if let low = record.minimumFrequency, let high = record.maximumFrequency {
            band = String(format: "%.1f–%.1f", low / 1000, high / 1000)
        }
        var place = "-"
        if let recording = record.recording {
            place = recording
        } else if let fileID = record.depositedFileID {
            place = "fileid \(fileID)"
        }
        return [String(record.id), record.source, record.animalName ?? "-", record.sex ?? "-", record.genotype ?? "-",
                start, milliseconds, band, place]
    }
}

struct USVList: Encodable {
    var schemaVersion = 1
    var usvs: [USVSummary]
}

struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Count USV records per sex, animal, genotype, source and recording, with durations.",
        discussion: """
            Examples:
              usv stats
              usv stats --source detected --json
              usv stats --genotype cortexless
            """)

    @OptionGroup var filterOptions: USVFilterOptions

    @Flag(help: "Write JSON (schemas/catalog-stats.schema.json).")
    var json = false

    @OptionGroup var catalogOptions: CatalogOptions

    func run() throws {
        let catalog = try catalogOptions.openExisting(for: "stats")
        let statistics = try catalog.statistics(matching: try filterOptions.filter())
        if json {
            try printJSON(statistics)
        } else {
            print(Self.render(statistics))
        }
    }

    static func render(_ statistics: CatalogStatistics) -> String {
        func table(_ title: String, _ groups: [CatalogStatistics.Group]) -> String {
            TextTable.render(header: [title, "USVs", "mean ms", "total s"], rows: groups.map { group in
                [group.key, String(group.count), group.meanDuration.map { String(format: "%.1f", $0 * 1000) } ?? "-",
                 group.totalDuration.map { String(format: "%.1f", $0) } ?? "-"]
            }, rightAligned: [1, 2, 3])
        }
        let sources = statistics.bySource.map { "\($0.count) \($0.key)" }.joined(separator: ", ")
        var headline = "\(statistics.total) USV records (\(sources))"
        if let overlap = statistics.detectedOverlappingDeposited, statistics.bySource.count > 1 {
            headline += "; \(overlap) detected USVs overlap a deposited one (the same call from both sources, so the records "
                + "are not a count of calls)"
        }
        return [headline, table("sex and source", statistics.bySexAndSource ?? statistics.bySex), table("genotype", statistics.byGenotype),
                table("source", statistics.bySource), table("animal", statistics.byAnimal)].joined(separator: "\n\n")
    }
}

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one USV record: its interval, animal, annotations, features and provenance; draw it and make it audible.",
        discussion: """
            --png draws the USV's spectrogram with --margin seconds around it and the call marked; --wav writes its \
            sound made audible: slowed down --slow times (default 20: a 70 kHz whistle becomes 3.5 kHz, 20 times \
            longer) or, with --heterodyne HZ, mixed down by a HZ tone like a bat detector (real time; a call near HZ \
            is heard at the difference). Both need the recording where the catalog says it is.

            Examples:
              usv show 42
              usv show 42 --json
              usv show 42 --png call.png --wav call.wav
              usv show 42 --wav call.wav --heterodyne 60000 --margin 0.05
            """)

    @Argument(help: "The USV id (from usv ls).")
    var id: Int64

    @Flag(help: "Write JSON (schemas/usv-detail.schema.json).")
    var json = false

    @Option(help: "Draw the USV's spectrogram (with --margin around it, the call marked) to this PNG file.")
    var png: String?

    @Option(help: "Write the USV's sound, made audible (--slow or --heterodyne), to this WAV file.")
    var wav: String?

    @Option(help: "Seconds of the recording before and after the USV in the picture and the sound.")
    var margin: Double = 0.02

    @Option(help: "Time expansion for --wav: play N times slower (frequencies divided by N). Default 20.")
    var slow: Int?

    @Option(help: "Heterodyne for --wav instead of slowing down: mix down by a tone of this many Hz (real time).")
    var heterodyne: Double?

    @Flag(help: "Replace --png/--wav files that exist.")
    var force = false

    @OptionGroup var catalogOptions: CatalogOptions

    func validate() throws {
        guard margin.isFinite, margin >= 0, margin <= 10 else { throw ValidationError("--margin must be between 0 and 10 s") }
        if slow != nil && heterodyne != nil { throw ValidationError("choose --slow or --heterodyne, not both") }
        if let slow, slow < 1 || slow > 1_000 { throw ValidationError("--slow must be between 1 and 1000") }
        if let heterodyne, !heterodyne.isFinite || heterodyne <= 0 { throw ValidationError("--heterodyne must be a positive frequency in Hz") }
        if (slow != nil || heterodyne != nil) && wav == nil { throw ValidationError("--slow and --heterodyne shape the sound of --wav FILE") }
        for path in [png, wav].compactMap({ $0 }) where FileManager.default.fileExists(atPath: path) && !force {
            throw ValidationError("\(path) exists; pass --force to replace it")
        }
    }

    func run() throws {
        let catalog = try catalogOptions.openExisting(for: "show")
        guard let detail = try catalog.usvDetail(id: id) else { throw USVError.usage("no USV with id \(id) in \(catalog.path)") }
        if png != nil || wav != nil { try writePictureAndSound(catalog) }
        if json {
            try printJSON(detail)
            return
        }
        let usv = detail.usv
        var lines = ["USV \(usv.id) (\(usv.source)) in \(usv.dataSet)"]
        if let recording = usv.recording { lines.append("recording  \(recording)") }
        if let start = usv.start, let stop = usv.stop {
            lines.append(String(format: "interval   %.4f–%.4f s (%.1f ms)", start, stop, (stop - start) * 1000))
        }
        if let low = usv.minimumFrequency, let high = usv.maximumFrequency { lines.append(String(format: "frequency  %.1f–%.1f kHz", low / 1000, high / 1000)) }
        lines.append("animal     \(usv.animalName ?? "-") (id \(usv.animal.map(String.init) ?? "-"), \(usv.sex ?? "sex unknown"), \(usv.genotype ?? "-"))")
        if let fileID = usv.depositedFileID { lines.append("fileid     \(fileID)") }
        if let detector = detail.detector { lines.append("detector   \(detector) \(detail.detectorVersion ?? "") parameters \(detail.detectorParameters?.prefix(12) ?? "")…") }
        for annotation in detail.annotations {
            lines.append("annotation \(annotation.annotator): direction \(annotation.direction), peaks \(annotation.peaks), breaks \(annotation.breaks), "
                + String(format: "broadband %.2f, tremolo %.2f, complex %.2f", annotation.broadband, annotation.tremolo, annotation.complex)
                + " (\(annotation.sourceFile)\(annotation.line.map { ":\($0)" } ?? ""))")
        }
        for feature in detail.features {
            lines.append("feature    \(feature.plugin) \(feature.name) = " + (feature.value.map { String(format: "%.6g", $0) } ?? "vector[\(feature.vectorLength ?? 0)]"))
        }
        let provenance = detail.provenance
        lines.append("provenance \(provenance.sourceFile)\(provenance.archiveMember.map { "//\($0)" } ?? "")"
            + (provenance.sampleStart.map { " samples \($0)–\(provenance.sampleEnd ?? 0)" } ?? "")
            + (provenance.line.map { " line \($0)" } ?? "") + " sha256 \(provenance.sourceSHA256?.prefix(16) ?? "-")… run \(provenance.ingestRun)")
        print(lines.joined(separator: "\n"))
    }

    /// The USV with `margin` around it, read from its recording: a picture with the call marked, and its sound
    /// made audible.
    private func writePictureAndSound(_ catalog: Catalog) throws {
        guard let reference = try catalog.usvAudioReference(id: id) else {
            throw USVError.usage("USV \(id) has no position in a catalogued recording (a deposited USV needs the data set's "
                + "per-USV files to place it), so there is nothing to draw or play")
        }
        var source = try DataRoot(reference.root).source(reference.path, member: reference.archiveMember)
        if case .archiveMember = source { source = .memory(name: source.description, bytes: try source.readAll(limit: 1 << 32)) }
        let reader = try AudioFileReader(source: source)
        if reader.info.channels > 1 { reader.channel = .index(0) }
        let rate = Double(reader.info.sampleRate)
        let first = max(0, reference.startSample - Int(margin * rate))
        let last = min(reader.info.frames, reference.stopSample + Int(margin * rate))
        guard first < last else { throw USVError.unusable(path: source.description, reason: "USV \(id) lies outside the recording") }
        let signal = try reader.readSignal(frames: first..<last)
        let startSeconds = Double(first) / rate
        if let png {
            let spectrogram = try SpectrogramEngine(sampleRate: signal.sampleRate).spectrogram(of: signal.samples)
            guard spectrogram.frames > 0 else { throw USVError.usage("USV \(id) is shorter than one spectrogram window; widen --margin") }
            let registry = try registry()
            let call = PictureColor(46, 160, 67)
            if let writer = registry.all((any SpectrogramTrackImageWriting).self).first {
                try writer.writeSpectrogramImage(spectrogram, to: png, startSeconds: startSeconds,
                                                 tracks: [PictureTrack(name: "USV \(id)", spans: [.init(start: reference.startSeconds,
                                                                                                      stop: reference.stopSeconds, color: call)])],
                                                 legend: [("USV \(id)", call)])
            } else if let writer = registry.all((any SpectrogramImageWriting).self).first {
                try writer.writeSpectrogramImage(spectrogram, to: png, startSeconds: startSeconds)
            } else {
                throw USVError.usage("no plugin draws spectrogram pictures in this build")
            }
            log(String(format: "%@: USV %lld, %.4f–%.4f s with %.0f ms around it", png, id, reference.startSeconds, reference.stopSeconds, margin * 1000))
        }
        if let wav {
            let audible = try heterodyne.map { try AudibleAudio.heterodyned(signal, at: $0) } ?? AudibleAudio.slowed(signal, by: slow ?? 20)
            let writer = try AudioFileWriter(path: wav, sampleRate: audible.sampleRate)
            try writer.write(audible.samples)
            try writer.close()
            let how = heterodyne.map { String(format: "heterodyned at %.1f kHz", $0 / 1000) } ?? "slowed \(slow ?? 20)×"
            log(String(format: "%@: %.3f s at %d Hz, ", wav, audible.duration, audible.sampleRate) + how)
        }
    }
}

struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Compute a per-USV feature plugin over detected USVs of the catalog and store the values.",
        discussion: """
            Values are kept per plugin id, version and parameter fingerprint: a second run with the same \
            parameters reuses them, new parameters compute new values beside the old. Audio is read from the \
            ingested recordings (archive members in memory, never extracted). --source deposited computes them \
            for the deposited USVs instead, those the data set's per-USV files (data.zip) place in their \
            recordings: the USVs with the manual property labels.

            Examples:
              usv features --plugin feature.extended-24
              usv features --plugin feature.spectral-vectors --sex male --param time-points=64
              usv features --plugin feature.dnn-input --json
              usv features --plugin feature.dnn-input --source deposited   # then: usv evaluate --model cnn-property --task direction
            """)

    @Option(help: "The feature plugin id (usv plugins --kind feature).")
    var plugin: String

    @OptionGroup var filterOptions: USVFilterOptions

    @Option(help: "At most this many USVs.")
    var limit: Int?

    @Flag(help: "Write JSON (schemas/features-report.schema.json).")
    var json = false

    @OptionGroup var parameterOptions: PluginParameterOptions

    @OptionGroup var catalogOptions: CatalogOptions

    func run() throws {
        let catalog = try catalogOptions.openExisting(for: "features")
        let feature = try registry().require((any USVFeatureComputing).self, id: plugin)
        let progress = TerminalProgress()
        let report = try FeatureRunner(plugin: feature, catalog: catalog, progress: progress)
            .run(filter: try filterOptions.filter(), parameters: try parameterOptions.values(for: feature.descriptor), limit: limit)
        progress.finish()
        if json {
            try printJSON(report)
        } else {
            print(String(format: "%@ %@: %d USVs computed, %d reused; %d recordings failed; %.2f s", report.plugin, report.pluginVersion,
                         report.computed, report.cached, report.failed.count, report.seconds))
            for failure in report.failed { print("  FAILED \(failure)") }
        }
        if !report.failed.isEmpty { throw ExitCode(1) }
    }
}
