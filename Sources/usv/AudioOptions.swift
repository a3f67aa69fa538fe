import ArgumentParser
import Foundation
import USVBuiltins
import USVCore

/// `--channel` for commands that analyse one signal of a recording (detect, spectrogram, ingest).
struct ChannelOption: ParsableArguments {
    @Option(help: ArgumentHelp("Which channel of a multichannel recording to analyse: 1 (the first) … N, or 'mix' (their mean). "
        + "Needed for multichannel files; mono files need none.", valueName: "N|mix"))
    var channel: String?

    /// The choice (`.only`: mono files only).
    func selection() throws -> ChannelSelection { try channel.map(ChannelSelection.init(parsing:)) ?? .only }

    func validate() throws {
        do { _ = try selection() } catch { throw ValidationError("\(error)") }
    }
}

/// Checks `--start`/`--stop` before any work: finite, not negative, in order. (`Double` options accept "nan" and
/// "inf", which would otherwise reach the frame arithmetic.)
func validateStretch(start: Double?, stop: Double?) throws {
    for (name, value) in [("--start", start), ("--stop", stop)] {
        guard let value else { continue }
        guard value.isFinite, value >= 0, value < 1e9 else {
            throw ValidationError("\(name) must be a number of seconds from 0, got \(value)")
        }
    }
    if let start, let stop, stop <= start { throw ValidationError("--stop must be after --start") }
}

/// The audio a command-line path names: a file, or a member of an archive as the catalog shows it
/// (`archive.zip//member`). A path that is neither is a usage error (exit 2) naming it.
func audioSource(_ path: String) throws -> ByteSource {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
        guard !isDirectory.boolValue else { throw USVError.usage("\(path): is a directory; name an audio file") }
        return .file(path)
    }
    if let separator = path.range(of: "//"), separator.lowerBound != path.startIndex {
        let archive = String(path[..<separator.lowerBound]), member = String(path[separator.upperBound...])
        if FileManager.default.fileExists(atPath: archive, isDirectory: &isDirectory), !isDirectory.boolValue, !member.isEmpty {
            return .archiveMember(archive: archive, member: member)
        }
    }
    throw USVError.usage("\(path): no such file (or archive//member); check the path")
}

/// `--features` as the catalog stores it: feature plugin ids joined by `+`, each given by its id or short name
/// (`extended-24+spectral-vectors`); an unknown name is a usage error with a suggestion.
func resolvedFeatureIDs(_ text: String) throws -> String {
    let registry = try BuiltinPlugins.registry()
    return try text.split(separator: "+").map { try registry.resolvedID((any FeaturePlugin).self, String($0)) }.joined(separator: "+")
}
