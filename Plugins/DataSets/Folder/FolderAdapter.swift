import Foundation
import USVCore

/// A lab's own recordings: any folder of audio files (WAV, FLAC, W64, RF64, AIFF), in subfolders or not, with an
/// optional `recordings.csv` that says whose each recording is:
///
/// ```
/// file,animal,sex,genotype,age_days
/// cage1/m01_day1.wav,M01,male,wildtype,60
/// cage1/f02_day1.wav,F02,female,wildtype,58
/// ```
///
/// - `file` (or `recording`, `path`): the recording's path relative to the folder, or its file name;
/// - `animal` (or `animal_id`, `name`, `subject`): the animal's name; recordings of one name are one animal;
/// - `sex`: female/male (f/m, 0/1), empty when unknown; `genotype`: wildtype (wt, wild type) or cortexless,
///   empty for wildtype;
/// - further columns are allowed and reported as not stored.
///
/// Without `recordings.csv` each recording is an animal of its own, named by its file name, sex unknown.
/// Animals get data-set ids 1, 2, … in the order of their names. Every USV comes from the detector; the folder
/// has no deposited tables. Annotation files beside a recording can be attached with `usv import`.
public struct FolderAdapter: DataSetAdapter {
    public static let descriptor = PluginDescriptor(
        id: "dataset-adapter.folder", version: "1.0.0", kind: .dataSetAdapter,
        summary: "Any folder of recordings (WAV/FLAC/W64/RF64/AIFF), with an optional recordings.csv naming each recording's animal, sex and genotype",
        capabilities: ["recognise", "plan"])

    public init() {}

    static let audioExtensions: Set<String> = ["wav", "flac", "w64", "rf64", "aif", "aiff"]
    static let sheet = "recordings.csv"

    public func recognises(root: String) -> Bool {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else { return false }
        return !((try? Self.recordings(under: root)) ?? []).isEmpty
    }

    /// Audio files under `root`, relative paths, sorted; hidden files and folders (and macOS `Icon\r`) are left out.
    static func recordings(under root: String) throws -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: root) else {
            throw USVError.io(path: root, reason: "cannot list the folder")
        }
        var found: [String] = []
        while let next = walker.nextObject() as? String {
            let name = FilePaths.lastComponent(next)
            if name.hasPrefix(".") { walker.skipDescendants(); continue }
            if audioExtensions.contains(name.fileExtension) { found.append(next) }
            if found.count > 1_000_000 { throw USVError.unusable(path: root, reason: "more than a million recordings; ingest subfolders") }
        }
        return found.sorted()
    }

    /// One row of `recordings.csv`.
    struct SheetRow {
        var line: Int
        var file: String
        var animal: String?
        var sex: Sex?
        var genotype: Genotype
    }

    /// `recordings.csv`: a header row naming the columns, then one recording per row.
    static func readSheet(_ path: String) throws -> (rows: [SheetRow], extraColumns: [String]) {
        let text = String(decoding: try readWholeFile(path, limit: 1 << 26), as: UTF8.self)
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" })
            .map { $0.hasSuffix("\r") ? String($0.dropLast()) : String($0) }
        guard let header = lines.first?.split(separator: ",", omittingEmptySubsequences: false)
            .map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }), !header.isEmpty else {
            throw USVError.malformed(path: path, location: "line 1", reason: "no header row (file,animal,sex,genotype)")
        }
        func column(_ names: [String]) -> Int? { header.firstIndex { names.contains($0) } }
        guard let fileColumn = column(["file", "recording", "path", "filename"]) else {
            throw USVError.malformed(path: path, location: "line 1", reason: "no column 'file' (the recording's path or name)")
        }
        let animalColumn = column(["animal", "animal_id", "animal_name", "name", "subject", "id"])
        let sexColumn = column(["sex", "gender"]), genotypeColumn = column(["genotype", "strain"])
        let used = Set([fileColumn, animalColumn, sexColumn, genotypeColumn].compactMap { $0 })
        let extra = header.indices.filter { !used.contains($0) }.map { header[$0] }
        var rows: [SheetRow] = []
        for (index, line) in lines.enumerated().dropFirst() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            func cell(_ column: Int?) -> String? {
                guard let column, column < cells.count, !cells[column].isEmpty else { return nil }
                return cells[column]
            }
            guard let file = cell(fileColumn) else {
                throw USVError.malformed(path: path, location: "line \(index + 1), column \(fileColumn + 1)", reason: "no file name")
            }
            var sex: Sex?
            if let text = cell(sexColumn) {
                switch text.lowercased() {
                case "female", "f", "0": sex = .female
                case "male", "m", "1": sex = .male
                default:
                    throw USVError.malformed(path: path, location: "line \(index + 1), column \((sexColumn ?? 0) + 1)",
                                             reason: "sex '\(text)' is not female/male (f/m, 0/1); leave it empty when unknown")
                }
            }
            var genotype = Genotype.wildType
            if let text = cell(genotypeColumn) {
                switch text.lowercased() {
                case "wildtype", "wild type", "wild-type", "wt": genotype = .wildType
                case "cortexless": genotype = .cortexless
                default:
                    throw USVError.malformed(path: path, location: "line \(index + 1), column \((genotypeColumn ?? 0) + 1)",
                                             reason: "genotype '\(text)' is not wildtype or cortexless (the catalog knows these two)")
                }
            }
            rows.append(SheetRow(line: index + 1, file: file, animal: cell(animalColumn), sex: sex, genotype: genotype))
        }
        return (rows, extra)
    }

    public func plan(root: String, excludedAnimals: Set<String>) throws -> IngestPlan {
        let files = try Self.recordings(under: root)
        guard !files.isEmpty else { throw USVError.usage("\(root): no recordings (WAV, FLAC, W64, RF64, AIFF) in this folder") }
        var skipped: [SkippedItem] = []
        var byFile: [String: SheetRow] = [:]
        let sheetPath = FilePaths.join(root, Self.sheet)
        if FileManager.default.fileExists(atPath: sheetPath) {
            let (rows, extra) = try Self.readSheet(sheetPath)
            let names = Dictionary(grouping: files, by: { FilePaths.lastComponent($0) })
            for row in rows {
                // A path relative to the folder, or a file name that names exactly one recording.
                let match = files.contains(row.file) ? row.file : (names[FilePaths.lastComponent(row.file)]?.count == 1
                    ? names[FilePaths.lastComponent(row.file)]?.first : nil)
                guard let match else {
                    let reason = (names[FilePaths.lastComponent(row.file)]?.count ?? 0) > 1
                        ? "names several recordings; give the path relative to the folder" : "names no recording in the folder"
                    throw USVError.malformed(path: sheetPath, location: "line \(row.line)", reason: "'\(row.file)' \(reason)")
                }
                guard byFile[match] == nil else {
                    throw USVError.malformed(path: sheetPath, location: "line \(row.line)", reason: "'\(row.file)' is listed twice")
                }
                byFile[match] = row
            }
            if !extra.isEmpty {
                skipped.append(SkippedItem(path: Self.sheet, reason: "columns \(extra.joined(separator: ", ")) are not stored (the catalog keeps animal, sex and genotype)"))
            }
        }
        // Each recording's animal: the sheet's, else one of its own named by the file.
        func animalName(_ file: String) -> String {
            byFile[file]?.animal ?? String(FilePaths.lastComponent(file).split(separator: ".").dropLast().joined(separator: "."))
        }
        let names = Set(files.map(animalName)).sorted()
        let ids = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0 + 1) })
        var recordings: [PlannedRecording] = []
        for file in files {
            let name = animalName(file)
            let id = ids[name] ?? 0
            if excludedAnimals.contains(name) || excludedAnimals.contains(String(id)) {
                skipped.append(SkippedItem(path: file, reason: "animal \(name) excluded"))
                continue
            }
            let row = byFile[file]
            recordings.append(PlannedRecording(path: file, archiveMember: nil,
                                               animal: Animal(dataSetAnimalID: id, originalName: name, sex: row?.sex,
                                                              genotype: row?.genotype ?? .wildType, partner: nil)))
        }
        let name = FilePaths.lastComponent(root.hasSuffix("/") ? String(root.dropLast()) : root)
        return IngestPlan(dataSet: DataSetDescription(name: name.isEmpty ? root : name, handle: nil, licence: nil, acknowledgement: nil),
                          recordings: recordings, tables: [], skipped: skipped)
    }

    public func readTable(_ table: PlannedTable, root: String, formats: PluginRegistry) throws -> DepositedTable {
        throw USVError.usage("\(table.path): a folder of recordings has no deposited tables")
    }

    public func source(for recording: PlannedRecording, root: String) throws -> ByteSource {
        try DataRoot(root).source(recording.path, member: nil)
    }
}
