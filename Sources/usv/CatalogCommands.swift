import ArgumentParser
import Foundation
import USVCatalog
import USVCore
import USVIngest

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
        options.allowUnverified = allowUnverified
        options.channel = try channelOption.selection()
        options.strict = strict
        options.excludedAnimals = Set(excludedAnimals)
        let progress = TerminalProgress(quiet: false)
        let report = try Ingestor(adapter: chosen, detector: detector, properties: properties, catalog: catalog, formats: registry,
                                  progress: progress)
            .ingest(root: root, options: options)
        progress.finish()
        if json {
            try printJSON(report)
        } else {
            print(Self.render(report))
        }
        if report.exitStatus != 0 { throw ExitCode(report.exitStatus) }
    }

    static func render(_ report: IngestReport) -> String {
        var lines = ["\(report.dataSet) at \(report.root) — ingest run \(report.ingestRun), \(String(format: "%.1f", report.seconds)) s"]
        let counts = Dictionary(grouping: report.recordings, by: \.status).mapValues(\.count)
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

    @Option(help: "Data-set animal id (repeatable).")
    var animal: [Int] = []

    @Option(help: "wildtype or cortexless.")
    var genotype: String?

    @Option(help: "detected or deposited.")
    var source: String?

    @Option(help: "Shortest duration, seconds.")
    var minDuration: Double?

    @Option(help: "Longest duration, seconds.")
    var maxDuration: Double?

    @Option(help: "Only the data set at this root.")
    var root: String?

    func filter() throws -> USVFilter {
        var filter = USVFilter()
        if let sex {
            guard let value = Sex(name: sex) else { throw ValidationError("--sex must be female or male") }
            filter.sex = value
        }
        filter.animals = animal
        if let genotype {
            guard let value = Genotype(rawValue: genotype.lowercased()) else { throw ValidationError("--genotype must be wildtype or cortexless") }
            filter.genotype = value
        }
        if let source {
            guard let value = USVSource(rawValue: source) else { throw ValidationError("--source must be detected or deposited") }
            filter.source = value
        }
        filter.minimumDuration = minDuration
        filter.maximumDuration = maxDuration
        if let root {
            guard case .success(let real) = FilePaths.realPath(root) else { throw ValidationError("--root \(root): no such directory") }
            filter.root = real
        }
        return filter
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
        guard let catalog = try catalogOptions.open() else { throw ValidationError("ls reads the catalog; drop --no-catalog") }
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
        guard let catalog = try catalogOptions.open() else { throw ValidationError("stats reads the catalog; drop --no-catalog") }
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
        return ["\(statistics.total) USV records", table("sex", statistics.bySex), table("genotype", statistics.byGenotype),
                table("source", statistics.bySource), table("animal", statistics.byAnimal)].joined(separator: "\n\n")
    }
}

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one USV record: its interval, animal, annotations, features and provenance.",
        discussion: """
            Examples:
              usv show 42
              usv show 42 --json
            """)

    @Argument(help: "The USV id (from usv ls).")
    var id: Int64

    @Flag(help: "Write JSON (schemas/usv-detail.schema.json).")
    var json = false

    @OptionGroup var catalogOptions: CatalogOptions

    func run() throws {
        guard let catalog = try catalogOptions.open() else { throw ValidationError("show reads the catalog; drop --no-catalog") }
        guard let detail = try catalog.usvDetail(id: id) else { throw USVError.usage("no USV with id \(id) in \(catalog.path)") }
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
        guard let catalog = try catalogOptions.open() else { throw ValidationError("features needs the catalog; drop --no-catalog") }
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
