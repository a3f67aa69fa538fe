import Foundation
import Testing
import USVCore
import USVSignal
import USVTestSupport

/// `usv export` and `usv import` on an ingested tiny twin: lossless round trips, the peers' view, selections,
/// per-USV files in directories and archives, and refusals that change nothing.
@Suite struct ExchangeCommandTests {
    /// Every dataset under /tables of a bundle, read with our reader: name → values as text.
    static func tables(_ path: String) throws -> [String: [String]] {
        let file = try HDF5File(path: path, mode: .read)
        var contents: [String: [String]] = [:]
        for table in try file.children(of: "/tables") {
            for name in try file.children(of: "/tables/" + table) {
                let path = "/tables/\(table)/\(name)"
                switch try file.datasetInfo(path).type {
                case .string: contents[path] = try file.readStrings(path).values
                case .float: contents[path] = try file.read(path, as: Double.self).values.map { "\($0.bitPattern)" }
                default: contents[path] = try file.read(path, as: Int64.self).values.map(String.init)
                }
            }
        }
        return contents
    }

    static func count(_ catalog: String, _ extra: [String] = []) throws -> Int {
        let list = try USVExecutable.run(["ls", "--catalog", catalog, "--json"] + extra)
        guard case .array(let usvs)? = try JSONDecoder().decode(JSONValue.self, from: list.stdout)["usvs"] else { return -1 }
        return usvs.count
    }

    @Test func hdf5BundleRoundTripsLosslessly() throws {
        let directory = try TemporaryDirectory("cli-exchange")
        defer { directory.remove() }
        let root = directory.file("twin")
        let first = directory.file("first.sqlite")
        #expect(try USVExecutable.run(["synth", root, "--scale", "tiny", "--seed", "5"]).status == 0)
        #expect(try USVExecutable.run(["ingest", root, "--catalog", first]).status == 0)
        #expect(try USVExecutable.run(["features", "--plugin", "feature.spectral-vectors", "--catalog", first]).status == 0)

        let bundle = directory.file("all.h5")
        let export = try USVExecutable.run(["export", "--format", "hdf5", "--snippets", bundle, "--catalog", first, "--json"])
        #expect(export.status == 0, "\(export.stderr)")
        try validateAgainstSchema("exchange-report.schema.json", export.stdout)
        let exported = try JSONDecoder().decode(JSONValue.self, from: export.stdout)
        #expect(exported["rows"]?["usvs"] == .number(Double(try Self.count(first))))
        #expect(try USVExecutable.run(["export", "--format", "hdf5", bundle, "--catalog", first]).status == 2)  // exists

        // Into an empty catalog and out again: every column of every table is identical.
        let second = directory.file("second.sqlite")
        let imported = try USVExecutable.run(["import", bundle, "--catalog", second, "--json"])
        #expect(imported.status == 0, "\(imported.stderr)")
        try validateAgainstSchema("exchange-report.schema.json", imported.stdout)
        let again = directory.file("again.h5")
        #expect(try USVExecutable.run(["export", "--format", "hdf5", again, "--catalog", second]).status == 0)
        let original = try Self.tables(bundle)
        #expect(original.count > 50)
        #expect(try Self.tables(again) == original)
        let showFirst = try USVExecutable.run(["show", "1", "--catalog", first, "--json"]).stdoutText
        #expect(try USVExecutable.run(["show", "1", "--catalog", second, "--json"]).stdoutText == showFirst)

        // The same data set twice is refused and the catalog stays as it was.
        let before = try Self.count(second)
        let twice = try USVExecutable.run(["import", bundle, "--catalog", second])
        #expect(twice.status == 2)
        #expect(twice.stderr.contains("already in this catalog"))
        #expect(try Self.count(second) == before)

        // A selection carries the rows its USVs need; it imports on its own.
        let females = directory.file("females.h5")
        #expect(try USVExecutable.run(["export", "--format", "hdf5", "--sex", "female", females, "--catalog", first]).status == 0)
        let third = directory.file("third.sqlite")
        #expect(try USVExecutable.run(["import", females, "--catalog", third]).status == 0)
        #expect(try Self.count(third) == (try Self.count(first, ["--sex", "female"])))
        #expect(try Self.count(third, ["--sex", "male"]) == 0)

        // Hostile input: not HDF5, a truncated bundle, an HDF5 file that is not a bundle.
        try directory.write("junk.h5", "not hdf5")
        #expect(try USVExecutable.run(["import", directory.file("junk.h5"), "--catalog", third]).status == 2)
        let bytes = try readWholeFile(bundle, limit: 1 << 28)
        try directory.write("cut.h5", bytes: Array(bytes.prefix(bytes.count / 2)))
        #expect(try USVExecutable.run(["import", directory.file("cut.h5"), "--catalog", directory.file("fourth.sqlite")]).status == 2)
        let model = HDF5FileFixture.plain(directory.file("plain.h5"))
        #expect(try USVExecutable.run(["import", model, "--catalog", third]).status == 2)
        #expect(try Self.count(third) == (try Self.count(first, ["--sex", "female"])))
    }

    /// h5py sees the records and snippets of a bundle as `usv ls` does.
    @Test(.enabled(if: PythonPeers.available(), "needs h5py (Benchmarks/peers/setup.sh)"))
    func h5pyReadsTheHDF5Bundle() throws {
        let python = try PythonPeers.python()
        let directory = try TemporaryDirectory("cli-exchange-h5py")
        defer { directory.remove() }
        let root = directory.file("twin")
        let first = directory.file("first.sqlite")
        #expect(try USVExecutable.run(["synth", root, "--scale", "tiny", "--seed", "5"]).status == 0)
        #expect(try USVExecutable.run(["ingest", root, "--catalog", first]).status == 0)
        let bundle = directory.file("all.h5")
        #expect(try USVExecutable.run(["export", "--format", "hdf5", "--snippets", bundle, "--catalog", first]).status == 0)
        let seen = try JSONDecoder().decode(JSONValue.self, from: Data(try runPeer(python, script: "hdf5_peer.py", arguments: ["dump", bundle]).utf8))
        #expect(seen["layout"] == .string("usvkit-catalog-bundle"))
        let list = try JSONDecoder().decode(JSONValue.self, from: try USVExecutable.run(["ls", "--catalog", first, "--json"]).stdout)
        guard case .array(let usvs)? = list["usvs"], case .array(let ids)? = seen["tables"]?["usvs"]?["id"],
              case .array(let starts)? = seen["tables"]?["usvs"]?["start_s"], case .array(let snippets)? = seen["snippets"] else {
            Issue.record("h5py's view lacks usvs or snippets")
            return
        }
        try #require(ids.count == usvs.count && starts.count == usvs.count)
        for (index, usv) in usvs.enumerated() {
            #expect(usv["id"] == ids[index])
            #expect((usv["start"] ?? .null) == starts[index], "USV \(index)")
        }
        #expect(snippets.count == (try Self.count(first, ["--source", "detected"])))
        #expect(snippets.allSatisfy { $0["shape"]?[0] == .number(233) })
    }

    @Test func perUSVFilesGoToDirectoriesAndArchives() throws {
        let directory = try TemporaryDirectory("cli-export-files")
        defer { directory.remove() }
        let root = directory.file("twin")
        let catalog = directory.file("c.sqlite")
        #expect(try USVExecutable.run(["synth", root, "--scale", "tiny", "--seed", "6"]).status == 0)
        #expect(try USVExecutable.run(["ingest", root, "--catalog", catalog]).status == 0)
        let detected = try Self.count(catalog, ["--source", "detected", "--animal", "1"])
        #expect(detected > 0)

        let zip = directory.file("calls.zip")
        #expect(try USVExecutable.run(["export", "--format", "mat", "--animal", "1", zip, "--catalog", catalog]).status == 0)
        let reader = try ArchiveReader(path: zip)
        var members: [String: [UInt8]] = [:]
        while let member = try reader.nextMember() { members[member.path] = try reader.readAll(limit: 1 << 26) }
        #expect(members.count == detected)
        #expect(members.keys.allSatisfy { $0.hasPrefix("data") && $0.hasSuffix(".mat") })

        let clips = directory.file("clips.tar.gz")
        #expect(try USVExecutable.run(["export", "--format", "wav", "--animal", "1", clips, "--catalog", catalog]).status == 0)
        let clipReader = try ArchiveReader(path: clips)
        var clipCount = 0
        while let member = try clipReader.nextMember() {
            let audio = try AudioFileReader(source: .memory(name: member.path, bytes: try clipReader.readAll(limit: 1 << 26)))
            #expect(audio.info.sampleRate == 300_000 && audio.info.frames > 0)
            clipCount += 1
        }
        #expect(clipCount == detected)

        let folder = directory.file("v73")
        #expect(try USVExecutable.run(["export", "--format", "mat", "--mat-version", "v7.3", "--animal", "1", folder, "--catalog", catalog]).status == 0)
        #expect(try USVExecutable.run(["export", "--format", "mat", "--animal", "1", folder, "--catalog", catalog]).status == 2)  // not empty
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(files.count == detected)
        #expect(!files.contains { $0.contains("partial") })
    }

    /// scipy.io reads the exported v5 files, hdf5storage the v7.3 files: the same struct v, 233-row spectrograms.
    @Test(.enabled(if: PythonPeers.available(), "needs scipy and hdf5storage (Benchmarks/peers/setup.sh)"))
    func scipyAndHdf5storageReadTheExportedMATFiles() throws {
        let python = try PythonPeers.python()
        let directory = try TemporaryDirectory("cli-export-files-peers")
        defer { directory.remove() }
        let root = directory.file("twin")
        let catalog = directory.file("c.sqlite")
        #expect(try USVExecutable.run(["synth", root, "--scale", "tiny", "--seed", "6"]).status == 0)
        #expect(try USVExecutable.run(["ingest", root, "--catalog", catalog]).status == 0)
        let zip = directory.file("calls.zip")
        #expect(try USVExecutable.run(["export", "--format", "mat", "--animal", "1", zip, "--catalog", catalog]).status == 0)
        let reader = try ArchiveReader(path: zip)
        var members: [String: [UInt8]] = [:]
        while let member = try reader.nextMember() { members[member.path] = try reader.readAll(limit: 1 << 26) }
        let folder = directory.file("v73")
        #expect(try USVExecutable.run(["export", "--format", "mat", "--mat-version", "v7.3", "--animal", "1", folder, "--catalog", catalog]).status == 0)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        let (name, bytes) = try #require(members.min(by: { $0.key < $1.key }))
        let v73 = try #require(files.first)
        try directory.write(name, bytes: bytes)
        for (script, file) in [("read", directory.file(name)), ("read73", FilePaths.join(folder, v73))] {
            let seen = try JSONDecoder().decode(JSONValue.self, from: Data(try runPeer(python, script: "mat_peer.py", arguments: [script, file]).utf8))
            let v = seen["v"]?["fields"]
            #expect(v?["Spec"]?["values"]?[0]?["dims"]?[0] == .number(233), "\(script)")
            #expect(v?["SRSound"]?["values"] == .array([.number(300_000)]), "\(script)")
            #expect(v?["Filename"]?["text"] == .string("Rfem_Afem01.wav"), "\(script)")
        }
    }

    @Test func tablesAnnotationsAndArraysGoOutAndIntervalsComeIn() throws {
        let directory = try TemporaryDirectory("cli-export-tables")
        defer { directory.remove() }
        let root = directory.file("twin")
        let catalog = directory.file("c.sqlite")
        #expect(try USVExecutable.run(["synth", root, "--scale", "tiny", "--seed", "8"]).status == 0)
        #expect(try USVExecutable.run(["ingest", root, "--catalog", catalog]).status == 0)
        let all = try Self.count(catalog)
        let detected = try Self.count(catalog, ["--source", "detected"])

        // A table of the records; converted to JSON Lines, every row fits the schema.
        #expect(try USVExecutable.run(["export", "--format", "csv", directory.file("all.csv"), "--catalog", catalog]).status == 0)
        #expect(try USVExecutable.run(["convert", directory.file("all.csv"), directory.file("all.jsonl")]).status == 0)
        let lines = try String(contentsOfFile: directory.file("all.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == all)
        for line in lines.prefix(20) { try validateAgainstSchema("usv-table-row.schema.json", Data(line.utf8)) }

        // The USVs as a Raven table, labelled by sex; imported back they attach to their recordings and overlap
        // their own USVs; a second import replaces the first.
        let selections = directory.file("selections.txt")
        #expect(try USVExecutable.run(["export", "--format", "raven", "--label", "sex", "--source", "detected", selections,
                                       "--catalog", catalog]).status == 0)
        for _ in 0..<2 {
            let imported = try USVExecutable.run(["import", selections, "--catalog", catalog, "--json"])
            #expect(imported.status == 0, "\(imported.stderr)")
            try validateAgainstSchema("exchange-report.schema.json", imported.stdout)
            let report = try JSONDecoder().decode(JSONValue.self, from: imported.stdout)
            #expect(report["rows"]?["intervals"] == .number(Double(detected)))
            #expect(report["rows"]?["overlapping_usvs"] == .number(Double(detected)))
        }
        let back = directory.file("intervals.csv")
        #expect(try USVExecutable.run(["export", "--format", "generic-seq", "--intervals", back, "--catalog", catalog]).status == 0)
        let rows = try String(contentsOfFile: back, encoding: .utf8).split(separator: "\n")
        #expect(rows.count == detected + 1)
        #expect(rows.dropFirst().allSatisfy { $0.hasPrefix("female,") || $0.hasPrefix("male,") })
        // Raven to generic-seq by conversion gives the same intervals.
        #expect(try USVExecutable.run(["convert", selections, directory.file("converted.csv"), "--to", "generic-seq"]).status == 0)
        #expect(try String(contentsOfFile: directory.file("converted.csv"), encoding: .utf8).split(separator: "\n").count == detected + 1)

        // Intervals on a recording the catalog does not have: reported, exit 1, nothing stored for them.
        try directory.write("other.txt", "Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\tHigh Freq (Hz)\tBegin File\tAnnotation\n"
            + "1\tSpectrogram 1\t1\t0.5\t0.6\t40000\t60000\tNotARecording.wav\tx\n")
        let unmatched = try USVExecutable.run(["import", directory.file("other.txt"), "--catalog", catalog, "--json"])
        #expect(unmatched.status == 1)
        #expect(try JSONDecoder().decode(JSONValue.self, from: unmatched.stdout)["unmatched"]?["NotARecording.wav"] == .number(1))

        // NumPy arrays with snippets: one member per array.
        let arrays = directory.file("usvs.npz")
        #expect(try USVExecutable.run(["export", "--format", "npz", "--snippets", arrays, "--catalog", catalog]).status == 0)
        let reader = try ArchiveReader(path: arrays)
        var members: [String] = []
        while let member = try reader.nextMember() { members.append(member.path) }
        #expect(Set(members) == Set(["id", "start_s", "stop_s", "duration", "min_frequency", "max_frequency", "animal", "sex", "audio",
                                     "audio_offsets", "spectrogram", "spectrogram_offsets", "snippet_id", "spectrogram_rows"].map { $0 + ".npy" }))
    }
}

/// A valid HDF5 file that is not a bundle.
enum HDF5FileFixture {
    static func plain(_ path: String) -> String {
        if let file = try? HDF5File(path: path, mode: .create) {
            try? file.write("x", values: [1, 2, 3], shape: [3])
        }
        return path
    }
}
