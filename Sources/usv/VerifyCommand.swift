import ArgumentParser
import Foundation
import USVCore

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a data set (directory, .zip or .tar[.gz]) against its SHA-256 manifest.",
        discussion: """
            Manifests are found in ROOT (MANIFEST.txt, manifest-sha256.txt, SHA256SUMS, …) or given with \
            --manifest. Dialects are detected: Donders/Radboud (hash, ONE space, path), GNU sha256sum, \
            BSD tagged, BagIt. Each entry is ok, missing, mismatch, unreadable, not-a-regular-file, \
            unsafe-path or skipped-os-artefact (the macOS Icon\\r files, by default); files not listed are \
            unlisted. Archives are read in place, never extracted. Files that verified before and have not \
            changed (size, mtime, inode) are not read again unless --full.

            Exit status: 0 every entry ok or skipped; 1 any problem found; 2 bad arguments or no usable manifest.

            Examples:
              usv verify ~/data/DSC_620840_0003_891
              usv verify download.zip --jobs 4
              usv verify data --manifest MANIFEST.txt --json > report.json
              usv verify data --full --include-os-artefacts
            """)

    @Argument(help: "The data-set directory or archive.")
    var root: String = "."

    @Option(help: "The manifest file (default: found in ROOT, or inside the archive).")
    var manifest: String?

    @Option(help: "Force the manifest dialect: \(ManifestFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var manifestFormat: ManifestFormat?

    @Flag(help: "Write the report as JSON (schemas/verify-report.schema.json).")
    var json = false

    @Option(help: "Files hashed in parallel (default: the number of cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Rehash every file, ignoring the verify cache.")
    var full = false

    @Flag(help: "Verify OS artefacts (Icon\\r, .DS_Store, …) like any file instead of skipping them.")
    var includeOSArtefacts = false

    @Flag(help: "Print only problems and the summary line.")
    var quiet = false

    @OptionGroup var catalogOptions: CatalogOptions

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
    }

    func run() throws {
        let progress = TerminalProgress(quiet: quiet)
        let options = VerifyOptions(jobs: jobs, full: full, includeOSArtefacts: includeOSArtefacts,
                                    manifestPath: manifest, manifestFormat: manifestFormat)
        let verifier = Verifier(options: options, cache: try catalogOptions.open(), progress: progress)
        let report = try verifier.verify(root: root)
        progress.finish()
        if json {
            try printJSON(report)
        } else {
            print(Self.render(report, quiet: quiet))
        }
        if report.exitStatus != 0 { throw ExitCode(report.exitStatus) }
    }

    static func render(_ report: VerificationReport, quiet: Bool) -> String {
        var lines: [String] = []
        if !quiet {
            lines.append("Manifest \(report.manifestPath) (\(report.manifestFormat.rawValue), "
                + "\(report.manifestEntries) entries, sha256 \(report.manifestSHA256.prefix(16))…)")
        }
        for problem in report.malformedLines {
            lines.append("MALFORMED  manifest \(problem)")
        }
        for entry in report.problems {
            var line = "\(entry.status.rawValue.uppercased().padding(toLength: 10, withPad: " ", startingAt: 0)) "
                + entry.path.visibleEscapes
            if entry.status == .mismatch, let expected = entry.expected, let actual = entry.actual {
                line += "\n           expected \(expected)\n           actual   \(actual)"
            }
            if let detail = entry.detail { line += " (\(detail))" }
            if let number = entry.line { line += " [line \(number)]" }
            lines.append(line)
        }
        if !quiet {
            let rows = EntryStatus.allCases.compactMap { status -> [String]? in
                guard let tally = report.summary[status.rawValue], tally.count > 0 else { return nil }
                return [status.rawValue, "\(tally.count)", formatBytes(tally.bytes)]
            }
            lines.append("")
            lines.append(TextTable.render(header: ["status", "files", "bytes"], rows: rows, rightAligned: [1, 2]))
        }
        let rate = report.seconds > 0 ? Double(report.bytesHashed) / report.seconds : 0
        let problemCount = report.problems.count + report.malformedLines.count
        lines.append(String(format: "%@: %d entries, %d problem%@; hashed %@ in %.2f s (%@/s, %d job%@), %d unchanged file%@ from cache",
                            problemCount == 0 ? "OK" : "FAILED", report.manifestEntries, problemCount,
                            problemCount == 1 ? "" : "s", formatBytes(report.bytesHashed), report.seconds,
                            formatBytes(Int64(rate)), report.jobs, report.jobs == 1 ? "" : "s",
                            report.cacheHits, report.cacheHits == 1 ? "" : "s"))
        return lines.joined(separator: "\n")
    }
}

extension ManifestFormat: ExpressibleByArgument {}
