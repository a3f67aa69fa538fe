import Foundation
import USVCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A realistic synthetic twin of the Donders USV data set, with exact ground truth. It writes the published
/// layout (Sex recordings, the strain zip, the feature and label tables, MANIFEST.txt with its `Icon\r`
/// entries) plus `GROUND_TRUTH/`, so that every part of USVKit can be built, tested and benchmarked without
/// the 12 GB original, and detectors and classifiers can be scored against what was really put in.
public struct DondersSynthSource: DataSetSource {
    public static let descriptor = PluginDescriptor(
        id: "dataset-source.donders-synth", version: "1.0.0", kind: .dataSetSource,
        summary: "Synthetic twin of the Donders USV data set (recordings, zip, tables, manifest) with ground truth",
        capabilities: ["generate", "ground-truth", "deterministic"],
        parameters: [
            PluginParameter("difficulty", type: "double|scale", default: "scale",
                            "0 = sexes very separable … 1 = identical distributions (scale default: tiny 0.3, small 0.5, paper 0.6)"),
            PluginParameter("female-animals", type: "int|scale", default: "scale",
                            "resident females, Rfem_AfemNN.wav (tiny 2, small 3, paper 10)"),
            PluginParameter("male-animals", type: "int|scale", default: "scale",
                            "resident males, Rmale_AfemNN.wav (tiny 2, small 3, paper 8)"),
            PluginParameter("seconds", type: "double|scale", default: "scale",
                            "length of every recording (tiny 1.5/0.5, small 20/10, paper 180/180 s for Sex/strain)"),
            PluginParameter("cortexless-animals", type: "int|scale", default: "scale",
                            "cortexless animals in RecordingsCortexless.zip (tiny 1, small 2, paper 6)"),
            PluginParameter("control-animals", type: "int|scale", default: "scale",
                            "control animals in RecordingsCortexless.zip (tiny 1, small 2, paper 6)"),
        ])

    public static let scales = SynthScale.all.map(\.name)

    /// The recordings' sample rate, as in the published data set.
    public static let sampleRate = 300_000

    static let temporaryDirectory = ".synth-tmp"
    static let iconFiles = ["Data/Icon\r", "Data/RawRecordings/Icon\r", "Code/Icon\r"]
    static let directories = ["Code", DataSetPlan.sexDirectory, "Data/RawRecordings/Strain",
                              "Data/FIG_USVClassify_BasicAnalysis", "Data/USVSpectrograms", "GROUND_TRUTH"]

    /// Recordings rendered at the same time: each thread streams one recording.
    public var threads: Int

    public init(threads: Int = 2) { self.threads = max(1, threads) }

    public func generate(into directory: String, options: GenerationOptions,
                         progress: any ProgressReporter) throws -> GenerationSummary {
        let settings = try SynthSettings(options: options)
        try Self.prepareEmptyDirectory(directory)
        let plan = DataSetPlan(settings: settings)
        progress.note("Synthesising \(plan.recordings.count) recordings with \(plan.totalCalls) USVs "
            + "(scale \(settings.scale.name), seed \(settings.seed), difficulty \(settings.difficulty)) into \(directory)")
        for relative in Self.directories { try makeDirectories(FilePaths.join(directory, relative)) }

        let manifest = ManifestWriter(root: directory, seed: settings.seed)
        let statistics = try renderRecordings(plan, root: directory, manifest: manifest, progress: progress)

        progress.update(phase: "Writing tables", done: 0, total: 1, unit: .items)
        let tables = TablesWriter(plan: plan)
        try manifest.write(TablesWriter.featuresPath, bytes: tables.features())
        let labels = tables.humanLabels()
        try manifest.write(TablesWriter.labelsPath, bytes: labels.bytes)
        try manifest.write(TablesWriter.groundTruthPath, bytes: tables.groundTruth())
        try manifest.write(GroundTruthDescription.path,
                           bytes: try groundTruthJSON(plan, statistics: statistics, humanLabelled: labels.count))
        try manifest.write("README.txt", bytes: Array(DocumentTexts.readme(plan: plan).utf8))
        try manifest.write("LICENSE.txt", bytes: Array(DocumentTexts.license(plan: plan).utf8))
        try manifest.write("Code/README.txt", bytes: Array(DocumentTexts.codeReadme.utf8))
        for icon in Self.iconFiles { try manifest.write(icon, bytes: []) }
        let manifestFile = try manifest.finish()
        progress.update(phase: "Writing tables", done: 1, total: 1, unit: .items)

        let files = manifest.recorded + [manifestFile]
        return GenerationSummary(root: directory, files: files.count, bytes: files.reduce(0) { $0 + $1.size },
                                 recordings: plan.recordings.count, vocalizations: plan.totalCalls,
                                 seconds: plan.totalAudioSeconds)
    }

    /// Creates `path` or accepts it when it is an empty directory; refuses anything else, so that a typo
    /// never mixes synthetic files into real data.
    static func prepareEmptyDirectory(_ path: String) throws {
        switch FileStatus.status(path) {
        case .failure(let error) where error.isNotFound:
            try makeDirectories(path)
        case .failure(let error):
            throw USVError.io(path: path, reason: "cannot inspect the output directory: \(error)")
        case .success(let status):
            guard status.kind == .directory else {
                throw USVError.usage("\(path) exists and is not a directory; give a new or empty directory")
            }
            let entries: [String]
            do {
                entries = try FileManager.default.contentsOfDirectory(atPath: path)
            } catch {
                throw USVError.io(path: path, reason: "cannot list the output directory: \(error.localizedDescription)")
            }
            guard entries.isEmpty else {
                throw USVError.usage("\(path) is not empty (\(entries.count) entries); usv synth writes only into "
                    + "a new or empty directory")
            }
        }
    }

    /// Renders every recording on `threads` threads, Sex recordings straight to their WAV files and strain
    /// recordings through temporary WAVs into the zip. Returns each recording's statistics, in plan order.
    private func renderRecordings(_ plan: DataSetPlan, root: String, manifest: ManifestWriter,
                                  progress: any ProgressReporter) throws -> [RecordingStatistics] {
        let strainIndices = plan.recordings.indices.filter {
            if case .archiveMember = plan.recordings[$0].destination { return true }
            return false
        }
        let memberNames = strainIndices.compactMap { index -> String? in
            if case .archiveMember(let name) = plan.recordings[index].destination { return name }
            return nil
        }
        let temporary = FilePaths.join(root, Self.temporaryDirectory)
        let archivePath = FilePaths.join(root, DataSetPlan.strainArchive)
        var assembler: StrainArchiveAssembler?
        if !strainIndices.isEmpty {
            try makeDirectories(temporary)
            assembler = try StrainArchiveAssembler(path: archivePath, memberNames: memberNames)
        }
        let archive = assembler

        // Strain recordings first, so the zip is finished (and hashed) while the Sex recordings still render.
        let jobs = strainIndices + plan.recordings.indices.filter { !strainIndices.contains($0) }
        let nextJob = Locked(0)
        let failure = Locked<USVError?>(nil)
        let results = Locked<[Int: RecordingStatistics]>([:])
        let done = Locked<Int64>(0)
        let total = plan.recordings.reduce(Int64(0)) { $0 + Int64($1.frames) * 2 }
        let seed = plan.settings.seed
        let noise = plan.noise
        progress.update(phase: "Synthesising recordings", done: 0, total: total, unit: .bytes)

        runOnThreads(min(threads, max(1, jobs.count))) { _ in
            let hasher = FileHasher()
            while failure.value == nil {
                let position = nextJob.withLock { value -> Int in
                    defer { value += 1 }
                    return value
                }
                guard position < jobs.count else { return }
                let index = jobs[position]
                let recording = plan.recordings[index]
                let writer = RecordingWriter(plan: recording, seed: seed, noise: noise)
                let onBlock: (Int64) -> Bool = { bytes in
                    let sofar = done.withLock { value -> Int64 in
                        value += bytes
                        return value
                    }
                    progress.update(phase: "Synthesising recordings", done: sofar, total: total, unit: .bytes)
                    return failure.value == nil
                }
                do {
                    let statistics: RecordingStatistics
                    switch recording.destination {
                    case .file(let relative):
                        statistics = try writer.write(to: FilePaths.join(root, relative), onBlock: onBlock)
                        guard failure.value == nil else { return }
                        try manifest.hashAndRecord(relative, hasher: hasher)
                    case .archiveMember(let member):
                        let temporaryPath = FilePaths.join(temporary, FilePaths.lastComponent(member))
                        statistics = try writer.write(to: temporaryPath, onBlock: onBlock)
                        guard failure.value == nil, let archive,
                              let memberIndex = strainIndices.firstIndex(of: index) else { return }
                        if try archive.submit(index: memberIndex, temporaryPath: temporaryPath) {
                            try manifest.hashAndRecord(DataSetPlan.strainArchive, hasher: hasher)
                        }
                    }
                    results.withLock { $0[index] = statistics }
                } catch {
                    let reported = error as? USVError
                        ?? USVError.io(path: recording.animal.recording, reason: "synthesis failed: \(error)")
                    failure.withLock { if $0 == nil { $0 = reported } }
                }
            }
        }

        if let error = failure.value {
            for path in archive?.pendingTemporaryFiles ?? [] { unlink(path) }
            for member in memberNames { unlink(FilePaths.join(temporary, FilePaths.lastComponent(member))) }
            rmdir(temporary)
            throw error
        }
        if !strainIndices.isEmpty, rmdir(temporary) != 0 {
            throw USVError.io(path: temporary, reason: "cannot remove the temporary directory: \(systemErrorText(errno))")
        }
        let collected = results.value
        return try plan.recordings.indices.map { index in
            guard let statistics = collected[index] else {
                throw USVError.io(path: plan.recordings[index].animal.recording, reason: "recording was not written")
            }
            return statistics
        }
    }

    private func groundTruthJSON(_ plan: DataSetPlan, statistics: [RecordingStatistics],
                                 humanLabelled: Int) throws -> [UInt8] {
        let settings = plan.settings
        var byGroup: [String: Int] = ["female": 0, "male": 0, "cortexless": 0, "control": 0]
        var byAnimal: [String: Int] = [:]
        var recordings: [GroundTruthDescription.RecordingEntry] = []
        for (recording, statistics) in zip(plan.recordings, statistics) {
            let animal = recording.animal
            let group = animal.group == .sexResident ? animal.sex.rawValue : animal.group.rawValue
            byGroup[group, default: 0] += recording.calls.count
            byAnimal["\(animal.id)"] = recording.calls.count
            recordings.append(.init(path: animal.recording, animalId: animal.id, frames: recording.frames,
                                    seconds: recording.seconds, usvs: recording.calls.count,
                                    clicks: recording.clicks.count, limitedSamples: statistics.limitedSamples,
                                    peak: statistics.peak))
        }
        let description = GroundTruthDescription(
            generator: .init(id: Self.descriptor.id, version: Self.descriptor.version),
            scale: settings.scale.name, seed: settings.seed, difficulty: settings.difficulty,
            conventions: GroundTruthDescription.conventionTexts,
            files: ["usvs": TablesWriter.groundTruthPath, "features": TablesWriter.featuresPath,
                    "labels": TablesWriter.labelsPath, "strainArchive": DataSetPlan.strainArchive],
            columns: GroundTruthDescription.columnDescriptions,
            animals: plan.animals.map {
                .init(id: $0.id, name: $0.name, sex: $0.sex.rawValue, genotype: $0.genotype.rawValue,
                      group: $0.group.rawValue, recording: $0.recording, signature: $0.signature)
            },
            recordings: recordings,
            counts: .init(usvs: plan.totalCalls, byGroup: byGroup, byAnimal: byAnimal, humanLabelled: humanLabelled,
                          clicks: plan.recordings.reduce(0) { $0 + $1.clicks.count }, recordings: plan.recordings.count,
                          animals: plan.animals.count),
            parameters: .init(
                settings: .init(femaleAnimals: settings.femaleAnimals, maleAnimals: settings.maleAnimals,
                                sexSeconds: settings.sexSeconds, cortexlessAnimals: settings.cortexlessAnimals,
                                controlAnimals: settings.controlAnimals, strainSeconds: settings.strainSeconds,
                                callsPerSecond: settings.scale.callsPerSecond, sampleRateHz: Self.sampleRate,
                                bitsPerSample: 16, maleIdOffset: plan.maleIDOffset),
                population: plan.population, distributions: plan.distributions, schedule: plan.schedule,
                noise: plan.noise, labels: LabelNoiseModel(),
                synthesis: .init(gridStepSamples: CallSynthesizer.gridStep,
                                 broadbandEdgeSeconds: CallSynthesizer.broadbandEdgeSeconds,
                                 broadbandToneLevel: CallSynthesizer.broadbandToneLevel,
                                 broadbandNoiseLevel: CallSynthesizer.broadbandNoiseLevel,
                                 directionDeadZoneHz: CallModel.directionDeadZoneHz,
                                 peakMinimumProminenceHz: FrequencyTrack.peakMinimumProminenceHz,
                                 harmonicMaximumHz: CallModel.harmonicCeilingHz)))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(description)) + Array("\n".utf8)
        } catch {
            throw USVError.io(path: GroundTruthDescription.path, reason: "cannot encode the ground truth: \(error)")
        }
    }
}
