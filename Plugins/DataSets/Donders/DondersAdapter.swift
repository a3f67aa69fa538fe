import Foundation
import USVCore

/// The layout of the Donders data set of Ivanenko et al. 2020 (handle 11633/di.dcn.DSC_620840_0003_891),
/// and of its synthetic twin from `usv synth`:
///
/// - `Data/RawRecordings/Sex/Rfem_AfemNN.wav` and `Rmale_AfemNN.wav`: an awake resident (female or male NN)
///   with an anaesthetised female partner; every USV is the resident's. Animal ids follow the original
///   code: female NN → NN, male NN → NN + 10 (or + the number of females when there are more than 10).
/// - `Data/RawRecordings/Strain/RecordingsCortexless.zip`: members `…/<Cortexless|Control>_<F|M><NN>.wav`
///   read in place; ids cortexless NN → 100 + NN, control NN → 200 + NN (USVKit's convention: the data set
///   states none).
/// - `Data/FIG_USVClassify_BasicAnalysis/features_fileid_animalid_sex_….csv`: one row per USV, no header,
///   column names in the file name, CRLF; `Data/USVSpectrograms/labeling-human2.csv`: manual labels
///   (`fileid, direction, peaks, breaks, broadband, tremolo, complex`).
public struct DondersAdapter: DataSetAdapter {
    public static let descriptor = PluginDescriptor(
        id: "dataset-adapter.donders", version: "1.0.0", kind: .dataSetAdapter,
        summary: "Ivanenko et al. 2020 (Donders DSC_620840_0003_891) and its synthetic twin: Sex WAVs, cortexless zip, feature and label tables",
        capabilities: ["recognise", "plan", "read-tables", "archive-members"])

    public init() {}

    static let sexDirectory = "Data/RawRecordings/Sex"
    static let strainArchive = "Data/RawRecordings/Strain/RecordingsCortexless.zip"
    static let featureTable = "Data/FIG_USVClassify_BasicAnalysis/features_fileid_animalid_sex_duration_avgfreq_avgvol_direction_peaks_breaks_broadband_tremolo_complex.csv"
    static let labelTables = ["Data/USVSpectrograms/labeling-human2.csv": "human2", "Data/USVSpectrograms/labeling-human1.csv": "human1"]
    static let labelColumns = ["fileid", "direction", "peaks", "breaks", "broadband", "tremolo", "complex"]
    static let perUSVArchive = "Data/Spectrogram2GenderSingleRecordingsTestsetTrainedNetworks/data.zip"

    /// The per-USV MAT-files `…/dataNNNNNNNNN.mat` of the archive: each file's struct `v` gives the USV's
    /// `Start` and `Stop` (s) in the recording `Filename` sampled at `SRSound`. Other members (the trained
    /// networks) are passed over.
    func readPerUSVFiles(_ table: PlannedTable, root: String, formats: PluginRegistry) throws -> DepositedTable {
        guard let reader = formats.all((any MATLABReading).self).first else {
            throw USVError.unsupported(path: table.path, feature: "per-USV MAT-files without a MAT format plugin",
                                       advice: "use a build that registers format.mat")
        }
        let archive = try DataRoot(root).archiveReader(table.path)
        var rows: [DepositedRow] = []
        while let member = try archive.nextMember() {
            let name = FilePaths.lastComponent(member.path)
            guard member.kind == .regular, name.hasPrefix("data"), name.hasSuffix(".mat"),
                  let fileID = Int(name.dropFirst(4).dropLast(4)) else { continue }
            let bytes = try archive.readAll(limit: 1 << 28)
            let variables = try reader.readMATLAB(.memory(name: "\(table.path)//\(member.path)", bytes: bytes))
            let file = "\(table.path)//\(member.path)"
            guard let v = variables.first(where: { $0.name == "v" })?.value, case .structure = v else {
                throw USVError.malformed(path: file, location: "variable v", reason: "no struct v with Start and Stop")
            }
            let start = try Self.perUSVScalar(v, "Start", file: file)
            let stop = try Self.perUSVScalar(v, "Stop", file: file)
            guard start >= 0, stop > start, stop <= Self.longestRecording else {
                throw USVError.malformed(path: file, location: "v.Start, v.Stop",
                                         reason: "the USV's stretch \(start)–\(stop) s is not 0 ≤ Start < Stop ≤ \(Int(Self.longestRecording)) s")
            }
            var row = DepositedRow(line: member.index + 1, fileID: fileID, animalID: nil, sex: nil,
                                   values: ["Start": start, "Stop": stop], properties: nil)
            if v["SRSound"] != nil {
                let rate = try Self.perUSVScalar(v, "SRSound", file: file)
                guard rate >= 1, rate <= Self.highestSampleRate else {
                    throw USVError.malformed(path: file, location: "v.SRSound",
                                             reason: "sample rate \(rate) Hz is not between 1 Hz and \(Int(Self.highestSampleRate)) Hz")
                }
                row.values["SRSound"] = rate
            }
            if case .char(_, let text)? = v["Filename"]?.unwrappedCell { row.strings["Filename"] = text }
            row.member = member.path
            rows.append(row)
        }
        return DepositedTable(table: table, rows: rows)
    }

    /// The directory, or the single zip (tar…) of the whole data set.
    public func recognises(root: String) -> Bool {
        guard let data = try? DataRoot(root) else { return false }
        return data.exists(Self.sexDirectory) || data.exists(Self.featureTable)
    }

    public func plan(root: String, excludedAnimals: Set<String>) throws -> IngestPlan {
        let data = try DataRoot(root)
        guard data.exists(Self.sexDirectory) || data.exists(Self.featureTable) else {
            throw USVError.usage("\(root): not the Donders layout (no \(Self.sexDirectory) and no feature table)")
        }
        var skipped: [SkippedItem] = []
        var recordings: [PlannedRecording] = []

        // The Sex recordings.
        let sexFiles = data.fileNames(in: Self.sexDirectory)
        let females = sexFiles.compactMap { Self.sexRecording($0) }.filter { $0.sex == .female }.count
        let maleOffset = max(10, females)
        for name in sexFiles {
            let path = Self.sexDirectory + "/" + name
            guard let parsed = Self.sexRecording(name) else {
                if !OSArtefacts.isArtefact(path) { skipped.append(SkippedItem(path: path, reason: "name is not Rfem_AfemNN.wav or Rmale_AfemNN.wav")) }
                continue
            }
            let animal = Animal(dataSetAnimalID: parsed.sex == .female ? parsed.number : parsed.number + maleOffset,
                                originalName: String(format: "%@%02d", parsed.sex == .female ? "Rfem" : "Rmale", parsed.number),
                                sex: parsed.sex, genotype: .wildType, partner: String(format: "Afem%02d (anaesthetised)", parsed.number))
            if Self.isExcluded(animal, excludedAnimals) {
                skipped.append(SkippedItem(path: path, reason: "animal \(animal.dataSetAnimalID) (\(animal.originalName)) excluded"))
                continue
            }
            recordings.append(PlannedRecording(path: path, archiveMember: nil, animal: animal))
        }

        // The cortexless and control recordings, read in place from their zip.
        if data.exists(Self.strainArchive) {
            do {
                let reader = try data.archiveReader(Self.strainArchive)
                while let member = try reader.nextMember() {
                    guard member.kind == .regular else { continue }
                    let name = FilePaths.lastComponent(member.path)
                    guard FilePaths.unsafeReason(member.path) == nil, let parsed = Self.strainRecording(name) else {
                        if !OSArtefacts.isArtefact(member.path) {
                            skipped.append(SkippedItem(path: "\(Self.strainArchive)//\(member.path)",
                                                       reason: "name is not <Cortexless|Control>_<F|M>NN.wav"))
                        }
                        continue
                    }
                    let animal = Animal(dataSetAnimalID: (parsed.genotype == .cortexless ? 100 : 200) + parsed.number,
                                        originalName: String(name.dropLast(4)), sex: parsed.sex, genotype: parsed.genotype,
                                        partner: nil)
                    if Self.isExcluded(animal, excludedAnimals) {
                        skipped.append(SkippedItem(path: "\(Self.strainArchive)//\(member.path)",
                                                   reason: "animal \(animal.dataSetAnimalID) (\(animal.originalName)) excluded"))
                        continue
                    }
                    recordings.append(PlannedRecording(path: Self.strainArchive, archiveMember: member.path, animal: animal))
                }
            } catch {
                skipped.append(SkippedItem(path: Self.strainArchive, reason: "cannot list the archive: \(error)"))
            }
        }

        // Deposited tables.
        var tables: [PlannedTable] = []
        if data.exists(Self.featureTable) {
            tables.append(PlannedTable(path: Self.featureTable, kind: .features, columns: Self.columns(fromFileName: Self.featureTable),
                                       annotator: "deposited-features"))
        }
        for (path, annotator) in Self.labelTables.sorted(by: { $0.key < $1.key })
        where data.exists(path) {
            tables.append(PlannedTable(path: path, kind: .labels, columns: Self.labelColumns, annotator: annotator))
        }
        let analysis = "Data/FIG_USVClassify_BasicAnalysis"
        for name in data.fileNames(in: analysis)
        where name.hasPrefix("features_") && analysis + "/" + name != Self.featureTable {
            skipped.append(SkippedItem(path: analysis + "/" + name,
                                       reason: "the same USVs as the fileid/animalid table, without animal ids or with the paper's predictions"))
        }
        for other in ["Data/USVSpectrograms/labeling-human1.xlsx"] where data.exists(other) {
            skipped.append(SkippedItem(path: other, reason: "Excel workbooks are not read; the same labels are in labeling-human2.csv"))
        }
        if data.exists(Self.perUSVArchive) {
            tables.append(PlannedTable(path: Self.perUSVArchive, kind: .perUSVFiles, columns: ["Start", "Stop", "SRSound", "Filename"],
                                       annotator: "deposited-mat"))
        }

        return IngestPlan(dataSet: Self.description(data), recordings: recordings, tables: tables, skipped: skipped)
    }

    public func source(for recording: PlannedRecording, root: String) throws -> ByteSource {
        try DataRoot(root).source(recording.path, member: recording.archiveMember)
    }

    public func readTable(_ table: PlannedTable, root: String, formats: PluginRegistry) throws -> DepositedTable {
        if table.kind == .perUSVFiles { return try readPerUSVFiles(table, root: root, formats: formats) }
        let text = String(decoding: try DataRoot(root).read(table.path, limit: 1 << 30), as: UTF8.self)
        var rows: [DepositedRow] = []
        var lineNumber = 0
        // "\r\n" is one Character in Swift, so both line endings are named.
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNumber += 1
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine[...]
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == table.columns.count else {
                throw USVError.malformed(path: table.path, location: "line \(lineNumber)",
                                         reason: "\(cells.count) columns, expected \(table.columns.count) (\(table.columns.joined(separator: ", ")))")
            }
            var values: [String: Double] = [:]
            for (column, cell) in zip(table.columns, cells) {
                guard let value = Double(cell), value.isFinite else {
                    throw USVError.malformed(path: table.path, location: "line \(lineNumber), column '\(column)'",
                                             reason: "'\(cell)' is not a number")
                }
                values[column] = value
            }
            func location(_ column: String) -> String { "line \(lineNumber), column '\(column)'" }
            let fileID = try Self.wholeNumber(values["fileid"], in: 0...Self.largestID, path: table.path, location: location("fileid"),
                                              meaning: "a file id")
            let animalID = try values["animalid"].map {
                try Self.wholeNumber($0, in: 0...Self.largestID, path: table.path, location: location("animalid"), meaning: "an animal id")
            }
            var sex: Sex?
            if let value = values["sex"] {
                guard value == 0 || value == 1, let parsed = Sex(rawValue: Int(value)) else {
                    throw USVError.malformed(path: table.path, location: location("sex"),
                                             reason: "sex must be 0 (female) or 1 (male), got \(Self.number(value))")
                }
                sex = parsed
            }
            var properties: CallProperties?
            if let direction = values["direction"], let peaks = values["peaks"], let breaks = values["breaks"],
               let broadband = values["broadband"], let tremolo = values["tremolo"], let complex = values["complex"] {
                // The labels' class sets (the property tasks index their classes by them): anything else is refused
                // here, with its line, rather than capped or passed on to training.
                let directionClass = try Self.wholeNumber(direction, in: -1...1, path: table.path, location: location("direction"),
                                                          meaning: "a direction (−1 down, 0 flat, 1 up)")
                let peakClass = try Self.wholeNumber(peaks, in: 0...3, path: table.path, location: location("peaks"),
                                                     meaning: "a number of peaks (0, 1, 2 or 3)")
                let breakClass = try Self.wholeNumber(breaks, in: 0...3, path: table.path, location: location("breaks"),
                                                      meaning: "a number of breaks (0, 1, 2 or 3)")
                properties = CallProperties(direction: directionClass, peaks: peakClass, breaks: breakClass,
                                            broadband: broadband, tremolo: tremolo, complex: complex)
            }
            rows.append(DepositedRow(line: lineNumber, fileID: fileID, animalID: animalID, sex: sex,
                                     values: values, properties: properties))
        }
        return DepositedTable(table: table, rows: rows)
    }

    /// The longest recording a per-USV file may point into (a day), and the highest sample rate it may name:
    /// with both, every sample index `rate × seconds` is a whole number well inside `Int`.
    static let longestRecording = 86_400.0
    static let highestSampleRate = 10_000_000.0

    /// A per-USV file's `v.NAME`: one finite number.
    static func perUSVScalar(_ v: MATValue, _ name: String, file: String) throws -> Double {
        guard let field = v[name] else {
            throw USVError.malformed(path: file, location: "v.\(name)", reason: "missing (struct v has no field \(name))")
        }
        guard let value = field.unwrappedCell.doubles?.first else {
            throw USVError.malformed(path: file, location: "v.\(name)", reason: "not a number")
        }
        guard value.isFinite else {
            throw USVError.malformed(path: file, location: "v.\(name)", reason: "\(value) is not a finite number")
        }
        return value
    }

    /// The largest file or animal id taken (2^53: every whole number up to it is exact in a double).
    static let largestID = 1 << 53

    /// A cell that must hold a whole number in `range` (a class of a label, an id), converted without a trap:
    /// `1e300`, `2.5`, `-1` or a value outside the class set is an error naming the file, line and column.
    static func wholeNumber(_ value: Double?, in range: ClosedRange<Int>, path: String, location: String, meaning: String) throws -> Int {
        guard let value else {
            throw USVError.malformed(path: path, location: location, reason: "missing; expected \(meaning)")
        }
        guard value.isFinite, value.rounded() == value, value >= Double(range.lowerBound), value <= Double(range.upperBound),
              let whole = Int(exactly: value) else {
            throw USVError.malformed(path: path, location: location,
                                     reason: "\(number(value)) is not \(meaning): expected a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return whole
    }

    /// A value as a person wrote it: whole numbers without ".0".
    static func number(_ value: Double) -> String {
        value.isFinite && value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    // MARK: - Names

    static func sexRecording(_ name: String) -> (sex: Sex, number: Int)? {
        guard name.hasSuffix(".wav") else { return nil }
        let stem = name.dropLast(4)
        for (prefix, sex) in [("Rfem_Afem", Sex.female), ("Rmale_Afem", Sex.male)] where stem.hasPrefix(prefix) {
            let digits = stem.dropFirst(prefix.count)
            // At most six ASCII digits: the animal id adds an offset to the number, which must not overflow.
            if (1...6).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(digits) { return (sex, number) }
        }
        return nil
    }

    static func strainRecording(_ name: String) -> (genotype: Genotype, sex: Sex, number: Int)? {
        guard name.hasSuffix(".wav") else { return nil }
        let parts = name.dropLast(4).split(separator: "_")
        let digits = parts.count == 2 ? parts[1].dropFirst() : ""
        guard parts.count == 2, let letter = parts[1].first, (1...6).contains(digits.count),
              digits.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(digits) else { return nil }
        let genotype: Genotype
        switch parts[0].lowercased() {
        case "cortexless": genotype = .cortexless
        case "control", "wildtype", "wt": genotype = .wildType
        default: return nil
        }
        guard let sex = Sex(name: String(letter)) else { return nil }
        return (genotype, sex, number)
    }

    /// Column names from a Donders table name: `features_fileid_animalid_sex.csv` → fileid, animalid, sex.
    static func columns(fromFileName path: String) -> [String] {
        HeaderInFileName.columns(fromFileName: path, extensions: [".csv"])
    }

    static func isExcluded(_ animal: Animal, _ excluded: Set<String>) -> Bool {
        excluded.contains(String(animal.dataSetAnimalID)) || excluded.contains(animal.originalName)
    }

    static func description(_ data: DataRoot) -> DataSetDescription {
        let readme = (try? data.read("README.txt", limit: 1 << 20)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        let synthetic = readme.contains("SYNTHETIC")
        return DataSetDescription(
            name: synthetic ? "Donders DSC_620840_0003_891 (synthetic twin)" : "Donders DSC_620840_0003_891",
            handle: synthetic ? nil : "11633/di.dcn.DSC_620840_0003_891",
            licence: "CC BY-NC 4.0",
            acknowledgement: "Data were provided (in part) by the Donders Institute for Brain, Cognition and Behaviour, Radboud University Nijmegen")
    }
}
