import ArgumentParser
import Foundation
import USVCore

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a data set or BagIt bag (directory, .zip or .tar[.gz]) against its manifests.",
        discussion: """
            Manifests are found in ROOT in this order, or given with --manifest: bagit.txt with \
            manifest-<alg>.txt (a BagIt bag: payload and tag manifests, Payload-Oxum and fetch.txt checked as \
            bagit.py does); MANIFEST.txt; then the strongest checksum file present: SHA512SUMS, SHA384SUMS, \
            SHA256SUMS, SHA1SUMS, MD5SUMS (also lower-case, .txt, CHECKSUM.SHA256 … and every *.sha256, …); then \
            distinfo, CHECKSUMS, checksums.txt. The first found is used; --all-manifests reads every one found and \
            checks every digest. Dialects are detected: Donders (digest, ONE space, path), GNU *sum (with ' ' or \
            '*' markers and \\ escapes), BSD tagged (hex or base64), FreeBSD distinfo (SIZE checked), BagIt. \
            Algorithms: MD5, SHA-1, SHA-256, SHA-384, SHA-512.

            Each entry is ok, missing, mismatch, conflict (listed twice with different digests), unreadable, \
            not-a-regular-file, unsafe-path or skipped-os-artefact (the macOS Icon\\r files, by default); files \
            not listed are unlisted (never a bag's tag files), unless --ignore-unlisted. Names are compared as \
            bytes. Archives are read in place, never extracted.

            Every listed file is read by default: only reading the bytes finds damage that leaves the timestamps \
            alone. --incremental trusts files whose size, mtime, ctime, inode and device are unchanged since they \
            last verified (the catalog remembers them); the report says which files were hashed and which trusted.

            Exit status: 0 every entry ok or skipped (and a bag valid); 1 any problem found; 2 bad arguments, a \
            missing root or no usable manifest.

            Examples:
              usv verify ~/data/DSC_620840_0003_891
              usv verify download.zip --jobs 4
              usv verify my-bag                       # a BagIt bag, as bagit.py --validate
              usv verify data --manifest MANIFEST.txt --json > report.json
              usv verify data --incremental           # read only what changed since
              usv verify data --manifest subset.sha256 --ignore-unlisted
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

    @Flag(help: "Trust files unchanged (size, mtime, ctime, inode, device) since they last verified instead of reading them.")
    var incremental = false

    @Flag(help: .hidden)
    var full = false

    @Flag(help: "Read every manifest found and check every digest they give (default: the first found, strongest digest).")
    var allManifests = false

    @Flag(help: "Do not look for files the manifest does not list (a manifest that covers a subset).")
    var ignoreUnlisted = false

    @Option(help: "Archives: the most bytes one member may expand to (decompression-bomb guard).")
    var maxMemberSize: Int64 = ArchiveLimits().maximumMemberBytes

    @Option(help: "Archives: the most a member may expand, as a multiple of its compressed bytes (checked past 16 MiB).")
    var maxRatio: Double = ArchiveLimits().maximumRatio

    @Option(help: "Archives: the most members an archive may have.")
    var maxMembers: Int = ArchiveLimits().maximumMembers

    @Flag(help: "Verify OS artefacts (Icon\\r, .DS_Store, …) like any file instead of skipping them.")
    var includeOSArtefacts = false

    @Flag(help: "Print only problems and the summary line.")
    var quiet = false

    @Flag(help: "Print every entry with its status and whether it was hashed or trusted from the cache.")
    var list = false

    @OptionGroup var catalogOptions: CatalogOptions

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        guard maxRatio > 1, maxMemberSize > 0, maxMembers > 0 else {
            throw ValidationError("--max-ratio must be above 1, --max-member-size and --max-members positive")
        }
        if full && incremental { throw ValidationError("--full and --incremental contradict each other (reading every file is the default)") }
    }

    func run() throws {
        let progress = TerminalProgress(quiet: quiet)
        var options = VerifyOptions(jobs: jobs, incremental: incremental, includeOSArtefacts: includeOSArtefacts,
                                    manifestPath: manifest, manifestFormat: manifestFormat, allManifests: allManifests,
                                    ignoreUnlisted: ignoreUnlisted)
        options.archiveLimits = ArchiveLimits(maximumMemberBytes: maxMemberSize, maximumRatio: maxRatio, maximumMembers: maxMembers)
        let verifier = Verifier(options: options, cache: try catalogOptions.open(), progress: progress)
        let report = try verifier.verify(root: root)
        progress.finish()
        if json {
            try printJSON(report)
        } else {
            print(Self.render(report, quiet: quiet, list: list))
        }
        if report.exitStatus != 0 { throw ExitCode(report.exitStatus) }
    }

    static func render(_ report: VerificationReport, quiet: Bool, list: Bool = false) -> String {
        var lines: [String] = []
        if !quiet {
            for manifest in report.manifests {
                lines.append("Manifest \(PathText.display(manifest.path)) (\(manifest.format.rawValue)"
                    + (manifest.role == .checksums ? "" : " \(manifest.role.rawValue) manifest") + ", "
                    + manifest.algorithms.map(\.rawValue).joined(separator: "+") + ", \(manifest.entries) entries, "
                    + "sha256 \(manifest.sha256.prefix(16))…)")
            }
        }
        for warning in report.warnings {
            lines.append("WARNING    \(PathText.display(warning.description, limit: 400))")
        }
        if let bag = report.bag {
            let at = bag.location.isEmpty ? "" : " at \(PathText.display(bag.location))"
            let oxum = bag.payloadOxum.map { "Payload-Oxum \($0.bytes).\($0.files)" } ?? "no Payload-Oxum"
            lines.append("BAG        BagIt \(bag.version ?? "?") bag\(at), \(bag.encoding ?? "no encoding"); \(oxum), found "
                + "\(bag.payloadFound.bytes).\(bag.payloadFound.files); \(bag.fetch.count) fetch.txt item\(bag.fetch.count == 1 ? "" : "s"): "
                + (bag.valid ? "valid" : "INVALID"))
            for problem in bag.problems { lines.append("BAG        \(PathText.display(problem, limit: 400))") }
            for item in bag.fetch where !quiet {
                lines.append("FETCH      \(PathText.display(item.path)) from \(item.url) (\(item.size.map { "\($0) bytes" } ?? "size unknown"); not fetched)")
            }
        }
        for problem in report.malformedLines {
            lines.append("MALFORMED  manifest \(problem)")
        }
        for entry in list ? report.entries : report.problems {
            let label = list ? entry.status.rawValue : entry.status.rawValue.uppercased()
            var line = label.padding(toLength: max(list ? 19 : 10, label.count), withPad: " ", startingAt: 0) + " "
                + (list ? (entry.verifiedBy?.rawValue ?? "-").padding(toLength: 8, withPad: " ", startingAt: 0) + " " : "")
                + PathText.display(entry.path)
            if let detail = entry.detail { line += " (\(PathText.display(detail, limit: 400)))" }
            if let number = entry.line { line += " [line \(number)\(entry.manifest.map { " of \($0)" } ?? "")]" }
            if entry.status == .mismatch, let expected = entry.expected, let actual = entry.actual {
                let name = entry.algorithm.map { "\($0.rawValue) " } ?? ""
                line += "\n           expected \(name)\(expected)\n           actual   \(name)\(actual)"
            }
            for digest in entry.conflicts ?? [] {
                line += "\n           line \(digest.line): \(digest.algorithm.rawValue) \(digest.expected)"
                    + (digest.actual == digest.expected ? "  (the file matches)" : "")
            }
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
        let problemCount = report.problems.count + report.malformedLines.count + (report.bag?.problems.count ?? 0)
        var summary = String(format: "%@: %d entries, %d problem%@; read and hashed %d file%@ (%@) in %.2f s (%@/s, %d job%@)",
                             problemCount == 0 ? "OK" : "FAILED", report.manifestEntries, problemCount,
                             problemCount == 1 ? "" : "s", report.filesHashed, report.filesHashed == 1 ? "" : "s",
                             formatBytes(report.bytesHashed), report.seconds, formatBytes(Int64(rate)), report.jobs,
                             report.jobs == 1 ? "" : "s")
        if report.mode == "incremental" {
            summary += ", trusted \(report.filesTrusted) unchanged file\(report.filesTrusted == 1 ? "" : "s") from the cache without reading (--incremental)"
        }
        lines.append(summary)
        return lines.joined(separator: "\n")
    }
}

extension ManifestFormat: ExpressibleByArgument {}
