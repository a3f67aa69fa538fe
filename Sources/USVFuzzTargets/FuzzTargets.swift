import CZlib
import Foundation
import USVCatalog
import USVCore
import USVDataSetDonders
import USVFormatAnnotations
import USVFormatAudio
import USVFormatMAT
import USVFormatNumPy
import USVFormatPNG
import USVFormatTables
import USVSignal
import USVTestSupport

/// One parser under fuzzing: valid inputs to start from, and what to do with an input. `body` must return or throw a
/// `USVError`; anything else — a trap, a crash, an error of another type, a huge allocation — is a finding.
///
/// The same targets run in two places: bounded and seeded in the test suite (`USVFuzzTargetsTests`, a few seconds
/// each through `MutationFuzzer`), and coverage-guided under libFuzzer (`make fuzz TARGET=… SECONDS=…`, the
/// `usv-fuzz` executable built with `-sanitize=fuzzer,address`).
public struct FuzzTarget: Sendable {
    public let name: String
    public let summary: String
    public let seeds: @Sendable () throws -> [[UInt8]]
    public let body: @Sendable ([UInt8]) throws -> Void
    /// One input taking longer than this is a finding (a parser that stalls on a small input is a denial of service).
    /// HDF5 targets are allowed more: their variable-length data is read in a forked child (HDF5Isolation), which is
    /// stopped after 30 s when libhdf5 loops forever on a damaged file — a contained stall, not a finding.
    public var slowSeconds: Double { name == "mat-v7.3" || name == "hdf5-bundle" ? 40 : 2 }
}

/// Every parser of untrusted bytes the tool has.
public enum FuzzTargets {
    public static let all: [FuzzTarget] = [
        matV5, matV4, matV73, npy, npz, audio, tables, annotations, dondersTables, callLists, manifest, hdf5Bundle, png,
    ]

    public static func named(_ name: String) -> FuzzTarget? { all.first { $0.name == name } }

    // MARK: MAT

    static let matV5 = FuzzTarget(name: "mat-v5", summary: "MAT v5 files, plain and zlib-compressed elements, both byte orders") {
        let variables = sampleMATVariables()
        let path = Scratch.file("seed.mat")
        try MATFormat().write(variables, to: path, version: .v5)
        let plain = try readWholeFile(path, limit: 1 << 24)
        return [plain, try compressedElements(plain), bigEndian(plain)]
    } body: { bytes in
        _ = try MATFormat().read(.memory(name: "fuzz.mat", bytes: bytes))
    }

    static let matV4 = FuzzTarget(name: "mat-v4", summary: "MAT v4 files: numeric (real, complex, every precision) and text, both byte orders") {
        func int32(_ value: Int, big: Bool) -> [UInt8] {
            let raw = UInt32(bitPattern: Int32(value))
            return big ? withUnsafeBytes(of: raw.bigEndian) { Array($0) } : withUnsafeBytes(of: raw.littleEndian) { Array($0) }
        }
        func matrix(_ name: String, mopt: Int, rows: Int, columns: Int, complex: Bool = false, big: Bool, data: [UInt8]) -> [UInt8] {
            [mopt, rows, columns, complex ? 1 : 0, name.utf8.count + 1].flatMap { int32($0, big: big) } + Array(name.utf8) + [0] + data
        }
        let doubles = [1.5, -2, 3.25, 4, 1e-300, -0.0].flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian) { Array($0) } }
        let text = "Schrödinger".utf16.flatMap { withUnsafeBytes(of: Double($0).bitPattern.bigEndian) { Array($0) } }
        let int16s = [-3, 7, 9, -1].flatMap { withUnsafeBytes(of: Int16($0).bigEndian) { Array($0) } }
        let singles = [0.5, -1.5].flatMap { withUnsafeBytes(of: Float($0).bitPattern.littleEndian) { Array($0) } }
        return [
            matrix("x", mopt: 0, rows: 2, columns: 3, big: false, data: doubles)
                + matrix("z", mopt: 0, rows: 1, columns: 3, complex: true, big: false, data: doubles)
                + matrix("f", mopt: 10, rows: 1, columns: 2, big: false, data: singles),
            matrix("t", mopt: 1001, rows: 1, columns: 11, big: true, data: text) + matrix("i", mopt: 1030, rows: 2, columns: 2, big: true, data: int16s),
        ]
    } body: { bytes in
        _ = try MATFormat().read(.memory(name: "fuzz4.mat", bytes: bytes))
    }

    static let matV73 = FuzzTarget(name: "mat-v7.3", summary: "MAT v7.3 files (HDF5 through libhdf5)") {
        let path = Scratch.file("seed73.mat")
        try MATFormat().write(sampleMATVariables(), to: path, version: .v73)
        return [try readWholeFile(path, limit: 1 << 24)]
    } body: { bytes in
        let path = Scratch.file("fuzz73.mat")
        try writeWholeFile(path, bytes: bytes)
        _ = try MATFormat().read(.file(path))
    }

    /// The Donders per-USV layout and one of every kind.
    static func sampleMATVariables() -> [(name: String, value: MATValue)] {
        [
            ("v", .structure(dimensions: [1, 1], fieldNames: ["Sound", "Spec", "Start", "Stop", "SRSound", "Filename"], elements: [[
                "Sound": .cell(dimensions: [1, 1], values: [.numeric(.double, dimensions: [4, 1], real: [0.5, -0.25, 0.125, 1], imaginary: nil)]),
                "Spec": .cell(dimensions: [1, 1], values: [.matrix(rows: 3, columns: 2, rowMajor: [1, 2, 3, 4, 5, 6])]),
                "Start": .scalar(1.25), "Stop": .scalar(1.3), "SRSound": .scalar(300_000),
                "Filename": .string("C:\\DNN\\Rfem_Afem01.wav"),
            ]])),
            ("n", .numeric(.int16, dimensions: [1, 3], real: [-3, 7, 9], imaginary: nil)),
            ("z", .numeric(.single, dimensions: [1, 2], real: [1, 2], imaginary: [-1, 0.5])),
            ("b", .logical(dimensions: [1, 2], values: [true, false])),
            ("t", .string("naïve")),
            ("s", .structure(dimensions: [1, 2], fieldNames: ["x"], elements: [["x": .scalar(1)], ["x": .string("two")]])),
        ]
    }

    /// A v5 file with each top-level element zlib-compressed, as MATLAB writes by default.
    static func compressedElements(_ plain: [UInt8]) throws -> [UInt8] {
        var out = Array(plain.prefix(128))
        var offset = 128
        while offset + 8 <= plain.count {
            let size = Int(plain[offset + 4]) | Int(plain[offset + 5]) << 8 | Int(plain[offset + 6]) << 16 | Int(plain[offset + 7]) << 24
            let end = min(plain.count, offset + 8 + size)
            let element = Array(plain[offset..<end])
            var length = compressBound(UInt(element.count))
            var packed = [UInt8](repeating: 0, count: Int(length))
            guard compress(&packed, &length, element, UInt(element.count)) == Z_OK else { throw USVError.usage("zlib") }
            out += le32(15) + le32(UInt32(length)) + packed.prefix(Int(length))
            offset = end
        }
        return out
    }

    /// The same file with its header saying big-endian ('MI') and every 4-byte word swapped: a byte-order seed
    /// (the words of 8-byte numbers are then wrong, which is fine for a seed: the reader must still not crash).
    static func bigEndian(_ plain: [UInt8]) -> [UInt8] {
        var out = plain
        out[126] = UInt8(ascii: "M")
        out[127] = UInt8(ascii: "I")
        out[124] = plain[125]
        out[125] = plain[124]
        var offset = 128
        while offset + 4 <= out.count {
            out[offset..<(offset + 4)].reverse()
            offset += 4
        }
        return out
    }

    static func le32(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }

    // MARK: NumPy

    static func sampleArrays() throws -> [NDArray] {
        [
            try NDArray(name: "d", shape: [3, 4], doubles: (0..<12).map(Double.init)),
            try NDArray(name: "b", shape: [], dtype: .bool, values: .bool([true])),
            try NDArray(name: "i", shape: [2, 1, 3], dtype: .int16, values: .signed([1, -2, 3, -4, 5, -6])),
            try NDArray(name: "u", shape: [2], dtype: .uint64, values: .unsigned([0, UInt64.max])),
        ]
    }

    static let npy = FuzzTarget(name: "npy", summary: ".npy arrays: versions 1-3, every dtype read, both orders") {
        try sampleArrays().enumerated().map { index, array in
            let path = Scratch.file("seed\(index).npy")
            try NPYFormat().writeArrays([array], to: path)
            return try readWholeFile(path, limit: 1 << 20)
        }
    } body: { bytes in
        _ = try NPYFormat().readArrays(from: .memory(name: "fuzz.npy", bytes: bytes))
    }

    static let npz = FuzzTarget(name: "npz", summary: ".npz archives of arrays, stored and deflated") {
        try [true, false].map { compress in
            let path = Scratch.file("seed-\(compress).npz")
            try NPZFormat(compress: compress).writeArrays(try sampleArrays(), to: path)
            return try readWholeFile(path, limit: 1 << 20)
        }
    } body: { bytes in
        _ = try NPZFormat(maximumMemberBytes: 1 << 24).readArrays(from: .memory(name: "fuzz.npz", bytes: bytes))
    }

    // MARK: Audio

    static let audio = FuzzTarget(name: "audio", summary: "audio headers through libsndfile: WAV, W64, RF64, AIFF, FLAC, incl. 64-bit sizes") {
        let samples = (0..<600).map { Int16(truncatingIfNeeded: ($0 * 37) % 200 * 100 - 10_000) }
        var seeds: [[UInt8]] = []
        let signal = AudioSignal(samples: samples.map { Float($0) / 32_768 }, sampleRate: 300_000)
        for (name, encoding) in [("a.wav", "pcm16"), ("b.wav", "float"), ("c.wav", "pcm24"), ("d.flac", "pcm16")] {
            try SndfileAudioFormat().writeAudio(signal, to: Scratch.file(name), encoding: encoding)
            seeds.append(try readWholeFile(Scratch.file(name), limit: 1 << 20))
        }
        let stereo = AudioSignal(samples: samples.map { Float($0) / 32_768 }, sampleRate: 250_000, channels: 2)
        try SndfileAudioFormat().writeAudio(stereo, to: Scratch.file("s.wav"), encoding: "pcm16")
        seeds.append(try readWholeFile(Scratch.file("s.wav"), limit: 1 << 20))
        seeds += [AudioHeaders.w64(samples: samples), AudioHeaders.w64(samples: samples, junkSize: 32),
                  AudioHeaders.w64(samples: samples, dataSize: 0x7FFF_FFFF_FFFF_FFF0),
                  AudioHeaders.rf64(samples: samples), AudioHeaders.rf64(samples: samples, dataSize: 1 << 40, sampleCount: 1 << 39),
                  AudioHeaders.aiff(samples: samples), AudioHeaders.aiff(samples: samples, frames: 0xFFFF_FFF0)]
        return seeds
    } body: { bytes in
        let reader = try AudioFileReader(source: .memory(name: "fuzz.wav", bytes: bytes))
        reader.channel = reader.info.channels > 1 ? .mix : .only
        _ = try reader.readSignal(frames: 0..<min(reader.info.frames, 1 << 16))
    }

    // MARK: Tables and annotations

    static let tables = FuzzTarget(name: "tables", summary: "CSV, TSV and JSON Lines tables, strict and lenient") {
        [
            Array("id,duration,label,ok\n1,0.05,up,true\n2,0.07,\"flat, \"\"short\"\"\",false\n3,,down,true\n".utf8),
            Array(",duration,label\n0,0.05,up\n1,0.07,down\n".utf8),
            Array("a;b;c\n1,5;2;x\r\n2,25;3;NA\r\n".utf8),
            Array([0xEF, 0xBB, 0xBF] + "a\tb\n1\t2\n3\tabc\n".utf8),
            Array("{\"id\": 1, \"x\": 0.5, \"t\": \"a\\u00e9\", \"n\": null}\n{\"id\": 2, \"x\": -1e300, \"t\": \"\\ud83d\\ude00\"}\n".utf8),
        ]
    } body: { bytes in
        let source = ByteSource.memory(name: "fuzz.csv", bytes: bytes)
        var typed: [USVError] = []
        let attempts: [() throws -> DataTable] = [
            { try CSVTableFormat().readTable(from: source, options: TableReadOptions()) },
            { try CSVTableFormat().readTable(from: source, options: TableReadOptions(lenient: true)) },
            { try TSVTableFormat().readTable(from: source, options: TableReadOptions(header: .none, lenient: true)) },
            { try JSONLinesFormat().readTable(from: source) },
        ]
        for attempt in attempts {
            do { _ = try attempt() } catch let error as USVError { typed.append(error) }
        }
        // Refused only when no reader takes it.
        if typed.count == attempts.count, let first = typed.first { throw first }
    }

    static let annotations = FuzzTarget(name: "annotations", summary: "Raven selection tables, Audacity labels, crowsetta generic-seq") {
        [
            Array("Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\tHigh Freq (Hz)\tSpecies\r\n1\tSpectrogram 1\t1\t1.5\t1.6\t2878.2\t4049.0\tEATO\r\n1\tWaveform 1\t1\t1.5\t1.6\t0\t150000\tEATO\r\n".utf8),
            Array("Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\tHigh Freq (Hz)\tBegin File\tBand\tAnnotation\n1\tSpectrogram 1\t2\t0.5\t0.6\t0.0\t150000.0\ta.wav\tunknown\tx\n".utf8),
            Array("0.125\t0.1875\tup\n\\\t41250.5\t72000\n1.5\t1.5625\tflat\n".utf8),
            Array("label,onset_s,offset_s,onset_sample,offset_sample,notated_path,annot_path,sequence,annotation\nup,0.125,0.1875,37500,56250,a.wav,s.csv,0,0\n".utf8),
        ]
    } body: { bytes in
        let source = ByteSource.memory(name: "fuzz.txt", bytes: bytes)
        var typed: [USVError] = []
        for reader in [RavenSelectionTableFormat() as any AnnotationReading, RavenSelectionTableFormat(labelColumn: "Species"),
                       AudacityLabelFormat(), GenericSeqFormat(), GenericSeqFormat(sampleRate: 300_000)] {
            do { _ = try reader.readAnnotations(from: source, recording: nil) } catch let error as USVError { typed.append(error) }
        }
        if typed.count == 5, let first = typed.first { throw first }
    }

    static let dondersTables = FuzzTarget(name: "donders-tables", summary: "the Donders feature and label tables (header-less CSV, CRLF)") {
        [
            Array("1,3,1,0.05,60000,-40,1,2,0,0,0,0.3\r\n2,12,0,0.041,61250.5,-38.5,-1,0,1,0.25,0,0.1\r\n".utf8),
            Array("6,0,0,0,0,0,0\r\n7,1,2,1,0.5,0,0.5\r\n".utf8),
        ]
    } body: { bytes in
        let root = Scratch.file("donders")
        let features = "Data/FIG_USVClassify_BasicAnalysis/features_fileid_animalid_sex_duration_avgfreq_avgvol_direction_peaks_breaks_broadband_tremolo_complex.csv"
        let labels = "Data/USVSpectrograms/labeling-human2.csv"
        try makeDirectories(FilePaths.directoryPart(FilePaths.join(root, features)))
        try makeDirectories(FilePaths.directoryPart(FilePaths.join(root, labels)))
        try writeWholeFile(FilePaths.join(root, features), bytes: bytes)
        try writeWholeFile(FilePaths.join(root, labels), bytes: bytes)
        let adapter = DondersAdapter()
        let featureTable = PlannedTable(path: features, kind: .features, columns: HeaderInFileName.columns(fromFileName: features, extensions: [".csv"]),
                                        annotator: "deposited-features")
        let labelTable = PlannedTable(path: labels, kind: .labels, columns: ["fileid", "direction", "peaks", "breaks", "broadband", "tremolo", "complex"],
                                      annotator: "human2")
        var typed: [USVError] = []
        for table in [featureTable, labelTable] {
            do { _ = try adapter.readTable(table, root: root) } catch let error as USVError { typed.append(error) }
        }
        if typed.count == 2, let first = typed.first { throw first }
    }

    static let callLists = FuzzTarget(name: "call-lists", summary: "call lists for usv score: annotation files or plain start/stop tables") {
        [
            Array("start_s,stop_s\n0.5,0.55\n1.25,1.3\n".utf8),
            Array("\"0,5\";\"0,55\"\n\"1,25\";\"1,3\"\n".utf8),
            Array("0.125\t0.1875\tup\n".utf8),
        ]
    } body: { bytes in
        let path = Scratch.file("calls.csv")
        try writeWholeFile(path, bytes: bytes)
        _ = try CallListReader(registry: try Registry.shared.get()).read(path: path)
    }

    // MARK: Manifests

    static let manifest = FuzzTarget(name: "manifest", summary: "SHA-256 manifests of every dialect (Donders, GNU, BSD, BagIt)") {
        let hash = String(repeating: "ab", count: 32)
        return [
            Array("\(hash)  Data/a.wav\n\(hash) *Data/b.wav\n\\\(hash)  Data/c\\nd.wav\n".utf8),
            Array("SHA256 (Data/a.wav) = \(hash)\n".utf8),
            Array("\(hash) data/Data/a.wav\r\n\(hash) data/Icon\r\r\n".utf8),
            Array("\(hash)  data/a%0Ab.wav\n".utf8),
        ]
    } body: { bytes in
        _ = try ManifestParser.parse(bytes, name: "fuzz-manifest.txt")
    }

    // MARK: HDF5 bundles

    static let hdf5Bundle = FuzzTarget(name: "hdf5-bundle", summary: "catalog bundles (HDF5) imported into a catalog") {
        let catalog = try Catalog(path: Scratch.file("seed-\(UUID().uuidString.prefix(6)).sqlite"))
        let adapter = DondersAdapter.descriptor
        let dataSet = try catalog.upsertDataSet(DataSetDescription(name: "fuzz", handle: nil, licence: nil, acknowledgement: nil),
                                                root: "/fuzz/root", adapter: adapter, manifestSHA256: nil, verificationState: "verified")
        let run = try catalog.beginIngestRun(dataSetID: dataSet, optionsJSON: "{}")
        let table = PlannedTable(path: "Data/features_fileid_animalid_sex_duration.csv", kind: .features,
                                 columns: ["fileid", "animalid", "sex", "duration"], annotator: "deposited-features")
        let rows = (1...3).map { index in
            DepositedRow(line: index, fileID: index, animalID: index, sex: index % 2 == 0 ? .male : .female,
                         values: ["fileid": Double(index), "duration": 0.01 * Double(index)],
                         properties: CallProperties(direction: 1, peaks: 1, breaks: 0, broadband: 0, tremolo: 0, complex: 0.2))
        }
        _ = try catalog.store(DepositedTable(table: table, rows: rows), sha256: "seed", dataSetID: dataSet, runID: run, animals: [:])
        let path = Scratch.file("seed-bundle.h5")
        _ = try catalog.exportBundle(to: path, createdBy: "usv-fuzz")
        return [try readWholeFile(path, limit: 1 << 24)]
    } body: { bytes in
        let path = Scratch.file("fuzz-bundle.h5")
        try writeWholeFile(path, bytes: bytes)
        let catalog = try FuzzCatalog.shared.current()
        _ = try catalog.importBundle(from: path)
        // A bundle that imports leaves rows behind: the next input gets a fresh catalog.
        FuzzCatalog.shared.discard()
    }

    // MARK: PNG

    static let png = FuzzTarget(name: "png", summary: "PNG images (libpng's simplified API, from memory)") {
        let parameters = SpectrogramParameters()
        let spectrogram = Spectrogram(rows: 8, frames: 12, values: (0..<96).map { Float($0 % 13) }, sampleRate: 300_000, parameters: parameters)
        try PNGFormat().writeSpectrogramImage(spectrogram, to: Scratch.file("seed.png"), startSeconds: 0)
        return [try readWholeFile(Scratch.file("seed.png"), limit: 1 << 24)]
    } body: { bytes in
        _ = try PNGFormat().readGrayImage(from: .memory(name: "fuzz.png", bytes: bytes))
    }
}

/// A process-wide scratch folder for targets whose parsers read files by name (HDF5, the Donders adapter).
enum Scratch {
    static let directory: String = {
        let path = FilePaths.join(NSTemporaryDirectory(), "usv-fuzz-\(getpid())")
        try? makeDirectories(path)
        return path
    }()

    static func file(_ name: String) -> String { FilePaths.join(directory, name) }
}

/// The plugin registry, made once.
final class Registry: Sendable {
    static let shared = Registry()
    private let registry: Result<PluginRegistry, USVError>

    private init() {
        do {
            registry = .success(try PluginRegistry([RavenSelectionTableFormat(), AudacityLabelFormat(), GenericSeqFormat(), CSVTableFormat()]))
        } catch let error as USVError {
            registry = .failure(error)
        } catch {
            registry = .failure(.usage("\(error)"))
        }
    }

    func get() throws -> PluginRegistry { try registry.get() }
}

/// The catalog bundles are imported into: one per process, replaced after an import that succeeded.
final class FuzzCatalog: Sendable {
    static let shared = FuzzCatalog()
    private let catalog = Locked<Catalog?>(nil)

    func current() throws -> Catalog {
        if let existing = catalog.value { return existing }
        let made = try Catalog(path: Scratch.file("import-\(UUID().uuidString.prefix(8)).sqlite"))
        catalog.withLock { $0 = made }
        return made
    }

    func discard() {
        guard let old = catalog.value else { return }
        catalog.withLock { $0 = nil }
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: old.path + suffix) }
    }
}
