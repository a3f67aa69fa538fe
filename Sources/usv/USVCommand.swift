import ArgumentParser
import Foundation
import USVBuiltins
import USVCatalog
import USVCore

struct USVCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "usv",
        abstract: "Verify, ingest, convert and classify mouse ultrasonic-vocalization (USV) data sets.",
        discussion: """
            Exit status: 0 success; 1 problems found (e.g. a file failed verification); 2 wrong usage or an \
            input that cannot be used at all (e.g. no usable manifest).

            Results go to stdout, progress and logs to stderr. Commands that report take --json.
            The catalog is $USV_CATALOG, else ~/.local/share/usv/catalog.sqlite; --catalog PATH overrides.

            Examples:
              usv synth demo-data --scale small
              usv verify demo-data
              usv verify download.zip --json > report.json
              usv plugins
              usv info                  # version, OpenBLAS kernels, CPU, libraries, catalog (for bug reports)

            USV_VERBOSE=1 logs, on stderr, which OpenBLAS kernels run and who chose them.
            """,
        version: "0.1.0",
        subcommands: [VerifyCommand.self, SynthCommand.self, IngestCommand.self, LsCommand.self, StatsCommand.self, ShowCommand.self, FeaturesCommand.self,
                      EvaluateCommand.self, TrainCommand.self, ClassifyCommand.self,
                      DetectCommand.self, ScoreCommand.self, SpectrogramCommand.self, FormatsCommand.self, ConvertCommand.self, ExportCommand.self, ImportCommand.self,
                      PluginsCommand.self, InfoCommand.self])
}

/// Options every catalog-using command shares.
struct CatalogOptions: ParsableArguments {
    @Option(name: .long, help: "The catalog database (default: $USV_CATALOG, else ~/.local/share/usv/catalog.sqlite).")
    var catalog: String?

    @Flag(name: .long, help: "Do not open the catalog (no verify cache, nothing recorded).")
    var noCatalog = false

    /// The catalog, created if missing (for commands that fill it: ingest, import, verify's cache).
    func open() throws -> Catalog? {
        noCatalog ? nil : try Catalog(path: catalog ?? Catalog.defaultPath)
    }

    /// The catalog for a command that reads what is in it: a missing catalog is a usage error (exit 2) naming
    /// the path and what makes one, never a new empty catalog (or folder) and an empty answer.
    func openExisting(for command: String) throws -> Catalog {
        guard !noCatalog else { throw ValidationError("\(command) reads the catalog; drop --no-catalog") }
        let path = catalog ?? Catalog.defaultPath
        guard FileManager.default.fileExists(atPath: path) else {
            throw USVError.usage("no catalog at \(path); run `usv ingest DATASET` first (or give --catalog PATH, or set $USV_CATALOG)")
        }
        return try Catalog(path: path)
    }
}

/// The plugin registry of this build.
func registry() throws -> PluginRegistry { try BuiltinPlugins.registry() }

/// Writes `value` as pretty JSON with sorted keys to stdout.
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    FileHandle.standardOutput.write(try encoder.encode(value))
    FileHandle.standardOutput.write(Data("\n".utf8))
}

/// Writes a line to stderr (logs, notes).
func log(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
