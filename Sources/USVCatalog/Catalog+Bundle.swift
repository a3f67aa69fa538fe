import Foundation
import GRDB
import USVCore

/// One USV's audio and spectrogram for a bundle. The catalog does not decode audio: the caller (the CLI,
/// through USVSignal) computes these.
public struct BundleSnippet: Sendable {
    public var samples: [Float]
    public var sampleRate: Int
    /// Magnitudes frame by frame (`frames` × `rows`, row-major: each frame's `rows` values together), the
    /// layout of `Spectrogram.values`.
    public var spectrogram: [Float]
    public var rows: Int
    public var frames: Int

    public init(samples: [Float], sampleRate: Int, spectrogram: [Float], rows: Int, frames: Int) {
        self.samples = samples
        self.sampleRate = sampleRate
        self.spectrogram = spectrogram
        self.rows = rows
        self.frames = frames
    }
}

/// What an export or import moved: rows per table and USVs with snippets.
public struct BundleSummary: Codable, Sendable, Equatable {
    public var path: String
    public var rows: [String: Int]
    public var snippets: Int
}

/// The catalog as one HDF5 file (layout in `schemas/hdf5-layout.md`): every data table column by column
/// (`/tables/<table>/<column>`, with a `.null` mask where values are missing and ragged blobs as values plus
/// `.offsets`), and optionally each USV's audio and spectrogram as ragged arrays under `/snippets`. Column
/// storage keeps SQLite's values exactly, so catalog → bundle → catalog is lossless; h5py reads every array.
extension Catalog {
    public static let bundleLayout = "usvkit-catalog-bundle"
    public static let bundleLayoutVersion = 1
    /// Data tables in an order where every table comes after the tables it refers to. The verify cache and
    /// verify runs describe one machine's files and stay behind.
    static let bundleTables = ["datasets", "ingest_runs", "provenance", "animals", "recordings", "usvs", "annotations", "features",
                               "ingested_tables", "models", "predictions", "intervals"]

    /// How a column is stored in the bundle.
    enum BundleColumnType: String {
        case integer, real, text, blob
        /// `features.vector`: float32 values, stored as a ragged float32 array so h5py users get numbers.
        case float32Vector = "float32-vector"

        init(table: String, column: String, declared: String) throws {
            switch declared.uppercased() {
            case "INTEGER": self = .integer
            case "DOUBLE", "REAL", "FLOAT": self = .real
            case "TEXT", "DATETIME": self = .text
            case "BLOB": self = table == "features" && column == "vector" ? .float32Vector : .blob
            default: throw USVError.unsupported(path: table, feature: "column \(column) of type \(declared) in a bundle", advice: "report this")
            }
        }
    }

    // MARK: Export

    /// Writes the catalog (or the USVs matching `filter`, with the rows they depend on) to a new HDF5 file at
    /// `path`, atomically. `snippet` adds each detected USV's audio and spectrogram.
    public func exportBundle(to path: String, matching filter: USVFilter? = nil, createdBy: String,
                             snippet: ((USVAudioReference) throws -> BundleSnippet)? = nil,
                             progress: ((_ done: Int, _ total: Int) -> Void)? = nil) throws -> BundleSummary {
        var summary = BundleSummary(path: path, rows: [:], snippets: 0)
        try writeAtomically(path) { temporary in
            let file = try HDF5File(path: temporary, mode: .create)
            defer { file.close() }
            try file.setAttribute("layout", Self.bundleLayout)
            try file.setAttribute("layout_version", [Int64(Self.bundleLayoutVersion)])
            try file.setAttribute("created_by", createdBy)
            try file.setAttribute("created_at", ISO8601DateFormatter().string(from: Date()))
            try file.setAttribute("selection", String(decoding: try JSONEncoder().encode(filter ?? USVFilter()), as: UTF8.self))
            try database.read { db in
                for table in Self.bundleTables {
                    summary.rows[table] = try exportTable(table, filter: filter, to: file, db)
                }
            }
            if let snippet {
                summary.snippets = try exportSnippets(filter ?? USVFilter(), to: file, snippet: snippet, progress: progress)
            }
        }
        return summary
    }

    /// The rows of `table` the selection needs, as a SQL condition and its arguments.
    private static func selection(of table: String, filter: USVFilter?) -> (String, StatementArguments) {
        guard let filter else { return ("1 = 1", StatementArguments()) }
        let (condition, arguments) = filter.sql()
        let selected = "SELECT u.id \(joins) WHERE \(condition)"
        let recordings = "SELECT recording_id FROM usvs WHERE id IN (\(selected))"
        let datasets = "SELECT dataset_id FROM usvs WHERE id IN (\(selected))"
        let provenance = "id IN (SELECT provenance_id FROM usvs WHERE id IN (\(selected))) "
            + "OR id IN (SELECT provenance_id FROM annotations WHERE usv_id IN (\(selected)))"
        let sql: String
        switch table {
        case "usvs": sql = "id IN (\(selected))"
        case "annotations", "features", "predictions": sql = "usv_id IN (\(selected))"
        case "recordings": sql = "id IN (\(recordings))"
        case "intervals": sql = "recording_id IN (\(recordings))"
        case "animals": sql = "id IN (SELECT animal_id FROM usvs WHERE id IN (\(selected))) OR id IN (SELECT animal_id FROM recordings WHERE id IN (\(recordings)))"
        case "datasets": sql = "id IN (\(datasets))"
        case "ingested_tables": sql = "dataset_id IN (\(datasets))"
        case "provenance": sql = provenance
        case "models": sql = "id IN (SELECT model_id FROM predictions WHERE usv_id IN (\(selected)))"
        case "ingest_runs":
            sql = "id IN (SELECT ingest_run_id FROM recordings WHERE id IN (\(recordings))) "
                + "OR id IN (SELECT ingest_run_id FROM provenance WHERE \(provenance)) "
                + "OR id IN (SELECT ingest_run_id FROM ingested_tables WHERE dataset_id IN (\(datasets)))"
        default: sql = "1 = 1"
        }
        // The filter's arguments once for every copy of the selection in the SQL.
        let copies = sql.components(separatedBy: "SELECT u.id").count - 1
        var all = StatementArguments()
        for _ in 0..<copies { all += arguments }
        return (sql, all)
    }

    private func exportTable(_ table: String, filter: USVFilter?, to file: HDF5File, _ db: Database) throws -> Int {
        let columns = try Row.fetchAll(db, sql: "PRAGMA table_info(\(table))").map { row -> (String, BundleColumnType) in
            let name: String = row["name"]
            return (name, try BundleColumnType(table: table, column: name, declared: row["type"]))
        }
        let (condition, arguments) = Self.selection(of: table, filter: filter)
        let names = columns.map { "\"\($0.0)\"" }.joined(separator: ", ")
        var builders = columns.map { BundleColumnBuilder(name: $0.0, type: $0.1) }
        let rows = try Row.fetchCursor(db, sql: "SELECT \(names) FROM \(table) WHERE \(condition) ORDER BY rowid", arguments: arguments)
        var count = 0
        while let row = try rows.next() {
            for index in builders.indices { try builders[index].append(row[index], table: table) }
            count += 1
        }
        let group = "/tables/" + table
        try file.createGroup(group)
        for builder in builders { try builder.write(to: file, group: group) }
        try file.setAttribute("columns", String(decoding: try JSONEncoder().encode(columns.map(\.0)), as: UTF8.self), on: group)
        try file.setAttribute("types", String(decoding: try JSONEncoder().encode(columns.map(\.1.rawValue)), as: UTF8.self), on: group)
        try file.setAttribute("rows", [Int64(count)], on: group)
        return count
    }

    private func exportSnippets(_ filter: USVFilter, to file: HDF5File, snippet: (USVAudioReference) throws -> BundleSnippet,
                                progress: ((Int, Int) -> Void)?) throws -> Int {
        let references = try usvAudioReferences(matching: filter)
        let ids = try HDF5Appender<Int64>(file, "/snippets/usv_id", chunk: 4096)
        let rates = try HDF5Appender<Int64>(file, "/snippets/sample_rate", chunk: 4096)
        let audio = try HDF5Appender<Float>(file, "/snippets/audio/values")
        let audioOffsets = try HDF5Appender<Int64>(file, "/snippets/audio/offsets", chunk: 4096)
        let spectrograms = try HDF5Appender<Float>(file, "/snippets/spectrograms/values")
        let spectrogramOffsets = try HDF5Appender<Int64>(file, "/snippets/spectrograms/offsets", chunk: 4096)
        let rows = try HDF5Appender<Int64>(file, "/snippets/spectrograms/rows", chunk: 4096)
        let frames = try HDF5Appender<Int64>(file, "/snippets/spectrograms/frames", chunk: 4096)
        try audioOffsets.append([0])
        try spectrogramOffsets.append([0])
        for (index, reference) in references.enumerated() {
            let piece = try snippet(reference)
            guard piece.spectrogram.count == piece.rows * piece.frames else {
                throw USVError.usage("USV \(reference.usvID): a spectrogram of \(piece.spectrogram.count) values is not \(piece.rows) × \(piece.frames)")
            }
            try ids.append([reference.usvID])
            try rates.append([Int64(piece.sampleRate)])
            try audio.append(piece.samples)
            try audioOffsets.append([Int64(audio.count)])
            try spectrograms.append(piece.spectrogram)
            try spectrogramOffsets.append([Int64(spectrograms.count)])
            try rows.append([Int64(piece.rows)])
            try frames.append([Int64(piece.frames)])
            progress?(index + 1, references.count)
        }
        try file.setAttribute("description", "audio (float32, -1...1) and magnitude spectrograms (float32, frames x rows, row-major) "
                              + "of each USV; item i spans values[offsets[i]:offsets[i+1]]", on: "/snippets")
        return references.count
    }

    // MARK: Import

    /// Adds the bundle's rows to this catalog in one transaction: ids are kept where they are free and
    /// renumbered otherwise (references follow); a data set already in the catalog (same root) is refused and
    /// nothing changes.
    public func importBundle(from path: String) throws -> BundleSummary {
        let file = try HDF5File(path: path, mode: .read)
        guard file.hasAttribute("layout"), try file.attribute("layout") == Self.bundleLayout else {
            throw USVError.unusable(path: path, reason: "not a USVKit catalog bundle (no layout attribute '\(Self.bundleLayout)')")
        }
        let version = try file.numericAttribute("layout_version", as: Int64.self).first ?? 0
        guard version == Self.bundleLayoutVersion else {
            throw USVError.unsupported(path: path, feature: "bundle layout version \(version)", advice: "use the usv version that wrote it")
        }
        var summary = BundleSummary(path: path, rows: [:], snippets: 0)
        try database.write { db in
            var mappings: [String: [Int64: Int64]] = [:]
            for table in Self.bundleTables where file.kind(of: "/tables/" + table) == .group {
                summary.rows[table] = try importTable(table, from: file, mappings: &mappings, db)
            }
        }
        if file.kind(of: "/snippets/usv_id") == .dataset { summary.snippets = try file.datasetInfo("/snippets/usv_id").shape.first ?? 0 }
        return summary
    }

    private func importTable(_ table: String, from file: HDF5File, mappings: inout [String: [Int64: Int64]], _ db: Database) throws -> Int {
        let group = "/tables/" + table
        let decoder = JSONDecoder()
        let names = try decoder.decode([String].self, from: Data(try file.attribute("columns", on: group).utf8))
        let typeNames = try decoder.decode([String].self, from: Data(try file.attribute("types", on: group).utf8))
        let count = Int(try file.numericAttribute("rows", on: group, as: Int64.self).first ?? 0)
        guard count >= 0 else { throw USVError.malformed(path: file.path, location: group, reason: "\(count) rows") }
        let existing = Set(try Row.fetchAll(db, sql: "PRAGMA table_info(\(table))").map { row -> String in row["name"] })
        guard names.count == typeNames.count, Set(names).isSubset(of: existing) else {
            throw USVError.malformed(path: file.path, location: group, reason: "columns \(names) do not fit this catalog's \(table) table")
        }
        let columns = try zip(names, typeNames).map { name, typeName -> BundleColumn in
            guard let type = BundleColumnType(rawValue: typeName) else {
                throw USVError.malformed(path: file.path, location: "\(group)/\(name)", reason: "unknown column type \(typeName)")
            }
            return try BundleColumn(file: file, group: group, name: name, type: type, rows: count)
        }
        var references: [String: String] = [:]
        for row in try Row.fetchAll(db, sql: "PRAGMA foreign_key_list(\(table))") {
            references[row["from"]] = row["table"]
        }
        let idColumn = names.firstIndex(of: "id")
        // Keep the bundle's ids when none is taken in this catalog.
        var keepIDs = true
        if let idColumn, let ids = columns[idColumn].integers, let low = ids.min(), let high = ids.max() {
            keepIDs = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table) WHERE id BETWEEN ? AND ?", arguments: [low, high]) == 0
        }
        let insertedNames = names.enumerated().filter { keepIDs || $0.offset != idColumn }
        let insert = try db.makeStatement(sql: "INSERT INTO \(table) (\(insertedNames.map { "\"\($0.element)\"" }.joined(separator: ", "))) "
                                              + "VALUES (\(databaseQuestionMarks(count: insertedNames.count)))")
        var mapping: [Int64: Int64] = [:]
        for row in 0..<count {
            if table == "datasets", let rootColumn = names.firstIndex(of: "root"), let root = columns[rootColumn].value(at: row) as? String,
               let taken = try Int64.fetchOne(db, sql: "SELECT id FROM datasets WHERE root = ?", arguments: [root]) {
                throw USVError.unusable(path: file.path, reason: "the data set at \(root) is already in this catalog (data set \(taken)); "
                                        + "import into another catalog (--catalog) or remove it first")
            }
            // Paths in a bundle are as untrusted as a manifest's: a recording must name a plain relative path (and
            // member), never an absolute one or one that climbs out with '..'.
            if table == "recordings" {
                for name in ["path", "archive_member"] {
                    guard let index = names.firstIndex(of: name), let text = columns[index].value(at: row) as? String,
                          !(name == "archive_member" && text.isEmpty), let reason = FilePaths.unsafeReason(text) else { continue }
                    throw USVError.unsafePath(text, reason: "\(reason) (bundle \(file.path), \(group)/\(name) row \(row))")
                }
            }
            if table == "models", let id = idColumn.flatMap({ columns[$0].value(at: row) as? Int64 }),
               let shaColumn = names.firstIndex(of: "file_sha256"), let sha = columns[shaColumn].value(at: row) as? String,
               let known = try Int64.fetchOne(db, sql: "SELECT id FROM models WHERE file_sha256 = ?", arguments: [sha]) {
                mapping[id] = known  // the same model file: one row
                continue
            }
            var values: [(any DatabaseValueConvertible)?] = []
            for (index, name) in insertedNames {
                var value = columns[index].value(at: row)
                if let target = references[name], let old = value as? Int64 {
                    guard let new = mappings[target]?[old] else {
                        throw USVError.malformed(path: file.path, location: "\(group)/\(name) row \(row)",
                                                 reason: "refers to \(target) \(old), which the bundle does not hold")
                    }
                    value = new
                }
                values.append(value)
            }
            try insert.execute(arguments: StatementArguments(values))
            if let idColumn, let old = columns[idColumn].value(at: row) as? Int64 { mapping[old] = keepIDs ? old : db.lastInsertedRowID }
        }
        mappings[table] = mapping
        return count
    }
}

/// Gathers one column's values while exporting.
private struct BundleColumnBuilder {
    let name: String
    let type: Catalog.BundleColumnType
    var integers: [Int64] = []
    var reals: [Double] = []
    var texts: [String] = []
    var bytes: [UInt8] = []
    var floats: [Float] = []
    var offsets: [Int64] = [0]
    var missing: [UInt8] = []

    init(name: String, type: Catalog.BundleColumnType) {
        self.name = name
        self.type = type
    }

    mutating func append(_ value: DatabaseValue, table: String) throws {
        missing.append(value.isNull ? 1 : 0)
        switch (type, value.storage) {
        case (.integer, .int64(let number)): integers.append(number)
        case (.integer, .null): integers.append(0)
        case (.real, .double(let number)): reals.append(number)
        case (.real, .int64(let number)): reals.append(Double(number))
        case (.real, .null): reals.append(.nan)
        case (.text, .string(let text)): texts.append(text)
        case (.text, .null): texts.append("")
        case (.blob, .blob(let data)):
            bytes += data
            offsets.append(Int64(bytes.count))
        case (.float32Vector, .blob(let data)):
            guard data.count % 4 == 0 else { throw USVError.malformed(path: table, location: name, reason: "a vector of \(data.count) bytes") }
            floats += data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            offsets.append(Int64(floats.count))
        case (.blob, .null), (.float32Vector, .null):
            offsets.append(offsets.last ?? 0)
        default:
            throw USVError.malformed(path: table, location: name, reason: "a value (\(value)) that is not \(type.rawValue)")
        }
    }

    func write(to file: HDF5File, group: String) throws {
        let path = group + "/" + name
        let compression = HDF5Compression.deflate(level: 4)
        switch type {
        case .integer: try file.write(path, integers, shape: [integers.count], compression: compression)
        case .real: try file.write(path, reals, shape: [reals.count], compression: compression)
        case .text: try file.writeStrings(path, texts, compression: compression)
        case .blob: try file.write(path, bytes, shape: [bytes.count], compression: compression)
        case .float32Vector: try file.write(path, floats, shape: [floats.count], compression: compression)
        }
        if type == .blob || type == .float32Vector { try file.write(path + ".offsets", offsets, shape: [offsets.count], compression: compression) }
        if missing.contains(1) { try file.write(path + ".null", missing, shape: [missing.count], compression: compression) }
    }
}

/// One column read back while importing.
private struct BundleColumn {
    let type: Catalog.BundleColumnType
    var integers: [Int64]?
    var reals: [Double]?
    var texts: [String]?
    var bytes: [UInt8]?
    var floats: [Float]?
    var offsets: [Int64] = []
    var missing: [UInt8]?

    init(file: HDF5File, group: String, name: String, type: Catalog.BundleColumnType, rows: Int) throws {
        self.type = type
        let path = group + "/" + name
        let length: Int
        switch type {
        case .integer: integers = try file.read(path, as: Int64.self).values; length = integers?.count ?? 0
        case .real: reals = try file.read(path, as: Double.self).values; length = reals?.count ?? 0
        case .text: texts = try file.readStrings(path).values; length = texts?.count ?? 0
        case .blob, .float32Vector:
            offsets = try file.read(path + ".offsets", as: Int64.self).values
            if type == .blob { bytes = try file.read(path, as: UInt8.self).values } else { floats = try file.read(path, as: Float.self).values }
            let total = Int64(type == .blob ? bytes?.count ?? 0 : floats?.count ?? 0)
            guard offsets.first == 0, offsets.last == total, zip(offsets, offsets.dropFirst()).allSatisfy({ $0 <= $1 }) else {
                throw USVError.malformed(path: file.path, location: path + ".offsets", reason: "offsets do not cover the values in order")
            }
            length = offsets.count - 1
        }
        if file.exists(path + ".null") { missing = try file.read(path + ".null", as: UInt8.self).values }
        guard length == rows, missing.map({ $0.count == rows }) ?? true else {
            throw USVError.malformed(path: file.path, location: path, reason: "\(length) values for \(rows) rows")
        }
    }

    func value(at row: Int) -> (any DatabaseValueConvertible)? {
        if let missing, missing[row] != 0 { return nil }
        switch type {
        case .integer: return integers?[row]
        case .real: return reals?[row]
        case .text: return texts?[row]
        case .blob:
            guard let bytes else { return nil }
            return Data(bytes[Int(offsets[row])..<Int(offsets[row + 1])])
        case .float32Vector:
            guard let floats else { return nil }
            return floats[Int(offsets[row])..<Int(offsets[row + 1])].withUnsafeBufferPointer { Data(buffer: $0) }
        }
    }
}
