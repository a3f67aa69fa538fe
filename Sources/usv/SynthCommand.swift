import ArgumentParser
import Foundation
import USVCore

struct SynthCommand: ParsableCommand {
    static let sourceID = "dataset-source.donders-synth"

    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Generate a synthetic twin of the Donders USV data set, with ground truth.",
        discussion: """
            Writes into OUT (a new or empty directory) the layout of the Donders data set DSC_620840_0003_891: \
            Data/RawRecordings/Sex/Rfem_AfemNN.wav and Rmale_AfemNN.wav (300 kHz, 16-bit, mono), \
            Data/RawRecordings/Strain/RecordingsCortexless.zip, the feature table and human labels (no header, \
            CRLF), README.txt, LICENSE.txt, empty Icon\\r files and MANIFEST.txt (SHA-256, ONE space, path). \
            GROUND_TRUTH/usvs.csv lists every synthesized USV with its true onset, offset and properties, and \
            GROUND_TRUTH/ground-truth.json (schemas/ground-truth.schema.json) describes columns, animals and \
            every generation parameter. Every file says the data are synthetic.

            Scales: tiny (6 short recordings, < 5 MB, for tests), small (10 recordings, ~100 MB, the demo), \
            paper (18 × 180 s Sex recordings ≈ 1.94 GB plus a 1.3 GB zip, ≈ 10,000 USVs, like the published \
            set). The same scale, seed and parameters give the same bytes.

            --difficulty scales the differences between the sexes: 0 very separable, 1 identical \
            distributions (default per scale: tiny 0.3, small 0.5, paper 0.6). Other parameters of the source \
            (female-animals, male-animals, seconds, cortexless-animals, control-animals) are set with \
            --set NAME=VALUE; see `usv plugins --kind dataset-source`.

            Examples:
              usv synth demo-data --scale small
              usv synth /tmp/twin --scale paper --seed 7
              usv synth hard --scale small --difficulty 0.9 --json > summary.json
              usv synth few --scale tiny --set female-animals=1 --set seconds=3
            """)

    @Argument(help: "The output directory (created; must be empty if it exists).")
    var out: String

    @Option(help: "Size: tiny, small or paper.")
    var scale = "small"

    @Option(help: "Seed of every random choice; the same seed gives the same bytes.")
    var seed: UInt64 = 0

    @Option(help: "Sex difference: 0 very separable … 1 identical (default: the scale's).")
    var difficulty: Double?

    @Option(name: .customLong("set"), help: ArgumentHelp("Another source parameter, NAME=VALUE (repeatable).",
                                                         valueName: "name=value"))
    var settings: [String] = []

    @Flag(help: "Write the summary as JSON (schemas/synth-summary.schema.json).")
    var json = false

    func validate() throws {
        if let difficulty, !(0...1).contains(difficulty) {
            throw ValidationError("--difficulty must be between 0 and 1, got \(difficulty)")
        }
    }

    func run() throws {
        let source = try registry().require((any DataSetSource).self, id: Self.sourceID)
        let scales = type(of: source).scales
        guard scales.contains(scale) else {
            throw USVError.usage("unknown scale '\(scale)'; use one of \(scales.joined(separator: ", "))")
        }
        var overrides: [String: String] = [:]
        for setting in settings {
            guard let equals = setting.firstIndex(of: "="), equals != setting.startIndex else {
                throw USVError.usage("--set expects NAME=VALUE, got '\(setting)'")
            }
            overrides[String(setting[..<equals])] = String(setting[setting.index(after: equals)...])
        }
        if let difficulty { overrides["difficulty"] = "\(difficulty)" }
        let parameters = try ParameterValues(defaultsOf: source.descriptor, overrides: overrides)
        let progress = TerminalProgress()
        let started = Date()
        let summary = try source.generate(into: out, options: GenerationOptions(scale: scale, seed: seed, parameters: parameters),
                                          progress: progress)
        let elapsed = Date().timeIntervalSince(started)
        progress.finish()
        let truth = try GroundTruthHeader.read(root: out)
        let result = SynthSummary(
            root: summary.root, scale: truth.scale, seed: truth.seed, difficulty: truth.difficulty, files: summary.files,
            bytes: summary.bytes, recordings: summary.recordings, vocalizations: summary.vocalizations,
            vocalizationsByGroup: truth.counts.byGroup, audioSeconds: summary.seconds, elapsedSeconds: elapsed,
            groundTruth: FilePaths.join(summary.root, "GROUND_TRUTH/usvs.csv"))
        if json {
            try printJSON(result)
        } else {
            print(Self.render(result))
        }
    }

    static func render(_ summary: SynthSummary) -> String {
        let groups = summary.vocalizationsByGroup
        let female = groups["female"] ?? 0
        let male = groups["male"] ?? 0
        let cortexless = groups["cortexless"] ?? 0
        let control = groups["control"] ?? 0
        return String(
            format: "Wrote a SYNTHETIC Donders twin to %@ (scale %@, seed %llu, difficulty %g): %d files, %@; "
                + "%d recordings, %.1f s of audio; %d USVs in the Sex recordings (%d female, %d male) and %d in "
                + "the strain zip (%d cortexless, %d control); took %.1f s. Ground truth: %@. Check it with: usv verify %@",
            summary.root, summary.scale, summary.seed, summary.difficulty, summary.files, formatBytes(summary.bytes),
            summary.recordings, summary.audioSeconds, female + male, female, male, cortexless + control, cortexless,
            control, summary.elapsedSeconds, summary.groundTruth, summary.root)
    }
}

/// What `usv synth --json` prints (schemas/synth-summary.schema.json).
struct SynthSummary: Codable {
    var schemaVersion = 1
    var synthetic = true
    var root: String
    var scale: String
    var seed: UInt64
    var difficulty: Double
    var files: Int
    var bytes: Int64
    var recordings: Int
    var vocalizations: Int
    /// USVs per group: female and male (Sex recordings), cortexless and control (strain zip).
    var vocalizationsByGroup: [String: Int]
    var audioSeconds: Double
    var elapsedSeconds: Double
    var groundTruth: String
}

/// The part of GROUND_TRUTH/ground-truth.json the summary needs (the generator's resolved settings and
/// per-group counts, which `GenerationSummary` does not carry).
private struct GroundTruthHeader: Decodable {
    struct Counts: Decodable {
        var byGroup: [String: Int]
    }

    var scale: String
    var seed: UInt64
    var difficulty: Double
    var counts: Counts

    static func read(root: String) throws -> GroundTruthHeader {
        let path = FilePaths.join(root, "GROUND_TRUTH/ground-truth.json")
        let bytes = try readWholeFile(path, limit: 64 << 20)
        do {
            return try JSONDecoder().decode(GroundTruthHeader.self, from: Data(bytes))
        } catch {
            throw USVError.malformed(path: path, location: "JSON", reason: "not the expected ground-truth description: \(error)")
        }
    }
}
