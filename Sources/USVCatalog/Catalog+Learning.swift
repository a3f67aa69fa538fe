import Foundation
import GRDB
import USVCore

/// Where a model's inputs come from in the catalog.
public enum FeatureSource: Sendable, Hashable {
    /// The deposited feature table's values (duration, avgfreq, avgvol, direction, peaks, breaks, broadband,
    /// tremolo, complex) of the deposited USV records: the paper's "features → sex".
    case deposited
    /// A feature plugin's values stored by `usv ingest` / `usv features`, for detected USVs (for the call
    /// properties: the labelled deposited USVs; the filter's source overrides either); several plugins
    /// joined by `+` (`feature.extended-24+feature.spectral-vectors`) give the USVs that have all of them.
    case plugin(String)
}

extension Catalog {
    /// Samples for a classification task: one row per USV that has every feature, labelled by the task, grouped
    /// by animal. `sex`: female 0, male 1. `genotype`: wild type 0, cortexless 1, over the animals of recordings
    /// read from archives (the strain recordings: cortexless and their controls). `animal`: one class per
    /// animal. Parameter sets: the one with the most values is used when several were computed.
    ///
    /// `featureNames` fixes the columns (a trained model's order); `requireLabels: false` keeps USVs whose
    /// label is unknown (label −1), for classifying.
    /// Vector features (such as `feature.dnn-input`'s 100 × 100 image) become columns `name[0]`, `name[1]`, ….
    /// The property tasks (direction, peaks, breaks, broadband) take their labels from annotations
    /// (`annotator`, default the first of human2, human1, deposited-features) and leave out of the inputs the
    /// property itself and `complex` (computed from peaks and breaks); broadband is "has a broadband part".
    public func labelledSamples(from source: FeatureSource, task: ModelTask, filter: USVFilter, featureNames fixed: [String]? = nil,
                                requireLabels: Bool = true, annotator: String? = nil) throws -> LabelledSamples {
        var scoped = filter
        let plugins: [String]
        switch source {
        case .deposited:
            // The deposited feature table describes the deposited USVs only: a filter asking for detected ones
            // selects nothing it could use, and is said so rather than ignored.
            if scoped.source == .detected {
                throw USVError.usage("the deposited features belong to the deposited USVs; --source detected selects none of them "
                    + "(drop --source, or use a feature plugin such as --features extended-24 for detected USVs)")
            }
            scoped.source = .deposited
            plugins = ["deposited"]
        case .plugin(let id):
            // The detected USVs unless `filter` says otherwise: in the recordings the deposited USVs are the same
            // calls again. The call properties are labelled on the deposited USVs, so theirs are the default
            // there (they have sound where the data set's per-USV files place them in their recordings).
            if scoped.source == nil { scoped.source = task.isCallProperty ? .deposited : .detected }
            plugins = id.split(separator: "+").map { String($0).trimmingCharacters(in: .whitespaces) }
        }
        let plugin = plugins.joined(separator: "+")
        let (condition, arguments) = scoped.sql()
        return try database.read { db in
            var scalarNames = Set<String>()
            var vectorLengths: [String: Set<Int>] = [:]
            var byUSV: [Int64: USVInputs] = [:]
            var order: [Int64] = []
            for plugin in plugins {
                var all = arguments
                all += [plugin]
                guard let parameters = try String.fetchOne(db, sql: """
                    SELECT f.parameters \(Self.joins) JOIN features f ON f.usv_id = u.id
                    WHERE \(condition) AND f.plugin = ? AND (f.value IS NOT NULL OR f.vector IS NOT NULL)
                    GROUP BY f.parameters ORDER BY COUNT(*) DESC LIMIT 1
                    """, arguments: all) else {
                    throw USVError.usage("no '\(plugin)' feature values for these USVs; run usv ingest"
                        + (plugin == "deposited" ? "" : " or usv features --plugin \(plugin)") + " first")
                }
                all += [parameters]
                let rows = try Row.fetchCursor(db, sql: """
                    SELECT u.id, a.sex, a.genotype, a.dataset_animal_id, r.archive_member, f.name, f.value, f.vector \(Self.joins)
                    JOIN features f ON f.usv_id = u.id
                    WHERE \(condition) AND f.plugin = ? AND f.parameters = ? ORDER BY u.id, f.name
                    """, arguments: all)
                while let row = try rows.next() {
                    let id: Int64 = row["id"]
                    let name: String = row["name"]
                    if byUSV[id] == nil {
                        order.append(id)
                        let member: String? = row["archive_member"]
                        byUSV[id] = USVInputs(sex: row["sex"], genotype: row["genotype"], animal: row["dataset_animal_id"],
                                              archived: !(member ?? "").isEmpty)
                    }
                    if let value: Double = row["value"] {
                        scalarNames.insert(name)
                        byUSV[id]?.values[name] = value
                    } else if let blob: Data = row["vector"] {
                        let vector = blob.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
                        vectorLengths[name, default: []].insert(vector.count)
                        byUSV[id]?.vectors[name] = vector
                    }
                }
            }
            order.sort()
            // A vector whose length varies between USVs (a raw marginal) is no model input; its fixed-length
            // resampled form is. Vectors become columns name[0], name[1], … in index order.
            var names = scalarNames
            for (name, lengths) in vectorLengths where lengths.count == 1 {
                for index in 0..<(lengths.first ?? 0) { names.insert("\(name)[\(index)]") }
            }
            let leaking: Set<String> = task.isCallProperty ? [task.rawValue, "complex"] : []
            let ordered = names.subtracting(leaking).sorted { lhs, rhs in
                // Vector elements in index order (name[2] before name[10]).
                let (leftName, leftIndex) = Self.splitIndex(lhs), (rightName, rightIndex) = Self.splitIndex(rhs)
                return leftName == rightName ? leftIndex < rightIndex : leftName < rightName
            }
            // Duration last, as the deposited tables have it.
            let featureNames = fixed ?? (ordered.filter { $0 != "duration" } + (ordered.contains("duration") ? ["duration"] : []))
            if let fixed, !Set(fixed).isSubset(of: names) {
                throw USVError.usage("the model reads \(Set(fixed).subtracting(names).sorted()) which '\(plugin)' has not stored for these USVs")
            }
            // The columns as runs: a scalar, or consecutive elements of one vector (copied as a slice).
            var runs: [(name: String, first: Int, count: Int)] = []
            for featureName in featureNames {
                let (base, index) = Self.splitIndex(featureName)
                guard index >= 0, vectorLengths[base] != nil else {
                    runs.append((featureName, -1, 1))
                    continue
                }
                if let last = runs.last, last.name == base, last.first + last.count == index {
                    runs[runs.count - 1].count += 1
                } else {
                    runs.append((base, index, 1))
                }
            }
            func row(_ entry: USVInputs) -> [Double]? {
                var result: [Double] = []
                result.reserveCapacity(featureNames.count)
                for run in runs {
                    if run.first < 0 {
                        guard let value = entry.values[run.name] else { return nil }
                        result.append(value)
                    } else {
                        guard let vector = entry.vectors[run.name], run.first + run.count <= vector.count else { return nil }
                        for index in run.first..<(run.first + run.count) { result.append(Double(vector[index])) }
                    }
                }
                return result
            }
            var values: [Double] = []
            var labels: [Int] = []
            var groups: [Int] = []
            var ids: [Int64] = []
            var classNames: [String]
            switch task {
            case .sex: classNames = ["female", "male"]
            case .genotype: classNames = ["wildtype", "cortexless"]
            case .animal: classNames = []
            case .direction: classNames = ["down", "flat", "up"]
            case .peaks, .breaks: classNames = ["0", "1", "2", "3"]
            case .broadband: classNames = ["tonal", "broadband"]
            }
            let annotations = try Self.annotations(db, usvIDs: order, annotator: annotator)
            // Animals by the names `usv ls` shows (with their sex), for fold names and animal classes.
            var animalNames: [Int: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT dataset_animal_id, original_name, sex FROM animals ORDER BY dataset_id") {
                let id: Int = row["dataset_animal_id"]
                guard animalNames[id] == nil else { continue }
                let sex: Int? = row["sex"]
                let name: String = row["original_name"]
                animalNames[id] = name + (sex.map { $0 == 1 ? " (male)" : " (female)" } ?? "")
            }
            var animalClasses: [Int: Int] = [:]
            if task == .animal {
                let animals = Set(order.compactMap { byUSV[$0]?.animal }).sorted()
                for (index, animal) in animals.enumerated() { animalClasses[animal] = index }
                classNames = animals.map { animal in animalNames[animal].map { "\($0), id \(animal)" } ?? "animal \(animal)" }
            }
            var withoutFeatures = 0, withoutLabel = 0, withoutAnimal = 0
            for id in order {
                guard let entry = byUSV[id], let animal = entry.animal else { withoutAnimal += 1; continue }
                let label: Int?
                switch task {
                case .sex: label = entry.sex
                case .genotype: label = entry.archived ? (entry.genotype == Genotype.cortexless.rawValue ? 1 : 0) : nil
                case .animal: label = animalClasses[animal]
                case .direction: label = annotations[id].map { $0.direction.addingReportingOverflow(1).partialValue }
                case .peaks: label = annotations[id]?.peaks
                case .breaks: label = annotations[id]?.breaks
                case .broadband: label = annotations[id].map { $0.broadband > 0 ? 1 : 0 }
                }
                // A label outside the task's classes (a catalog written by another build, an imported bundle) would
                // index past the class list in training and scoring: refused here, naming the USV.
                if let label, task != .animal, !classNames.indices.contains(label) {
                    throw USVError.unusable(path: path, reason: "USV \(id) has the \(task.rawValue) label \(Self.labelText(label, task: task)), "
                        + "which is not one of the task's classes (\(classNames.joined(separator: ", "))); re-ingest or fix its annotation")
                }
                // Columns only for USVs that are kept (most USVs have no genotype label, say).
                guard let label = label ?? (requireLabels ? nil : -1) else { withoutLabel += 1; continue }
                guard let columns = row(entry) else { withoutFeatures += 1; continue }
                values += columns
                labels.append(label)
                groups.append(animal)
                ids.append(id)
            }
            if task == .animal && !requireLabels { classNames = classNames.isEmpty ? ["unknown"] : classNames }
            // Classes nobody has (say, no call with 3 peaks) are dropped, so that models see only real classes.
            let present = Set(labels.filter { $0 >= 0 }).sorted()
            if requireLabels, task != .sex, task != .genotype, present.count < classNames.count, present.count >= 2 {
                let remap = Dictionary(uniqueKeysWithValues: present.enumerated().map { ($1, $0) })
                labels = labels.map { remap[$0] ?? $0 }
                classNames = present.map { classNames[$0] }
            }
            guard !labels.isEmpty else { throw USVError.usage("no USVs with \(task.rawValue) labels and complete '\(plugin)' features") }
            var samples = LabelledSamples(x: DesignMatrix(rows: labels.count, columns: featureNames.count, values: values), labels: labels,
                                          groups: groups, classNames: classNames, featureNames: featureNames, usvIDs: ids)
            samples.groupNames = animalNames.filter { Set(groups).contains($0.key) }
            // USVs the selection held that have none of the features are not in `order`.
            let selected = try Int.fetchOne(db, sql: "SELECT COUNT(*) \(Self.joins) WHERE \(condition)", arguments: arguments) ?? 0
            samples.selection = SelectionSummary(selected: selected, withoutFeatures: withoutFeatures + max(0, selected - order.count),
                                                 withoutLabel: withoutLabel, withoutAnimal: withoutAnimal)
            return samples
        }
    }

    /// A stored label as the annotation has it (direction is stored as −1, 0, 1 and counted from 0 here).
    static func labelText(_ label: Int, task: ModelTask) -> String {
        task == .direction ? String(label.subtractingReportingOverflow(1).partialValue) : String(label)
    }

    /// One USV's labels and stored feature values while samples are assembled.
    private struct USVInputs {
        var sex: Int?
        var genotype: String?
        var animal: Int?
        var archived: Bool
        var values: [String: Double] = [:]
        var vectors: [String: [Float]] = [:]
    }

    /// "image[12]" → ("image", 12); plain names → (name, -1).
    static func splitIndex(_ name: String) -> (String, Int) {
        guard name.hasSuffix("]"), let open = name.lastIndex(of: "["),
              let index = Int(name[name.index(after: open)..<name.index(before: name.endIndex)]) else { return (name, -1) }
        return (String(name[..<open]), index)
    }

    /// One annotation per USV: from `annotator`, or the first present of human2, human1, deposited-features.
    static func annotations(_ db: Database, usvIDs: [Int64], annotator: String?) throws -> [Int64: CallProperties] {
        let preference = annotator.map { [$0] } ?? ["human2", "human1", "deposited-features"]
        var found: [Int64: (rank: Int, properties: CallProperties)] = [:]
        for start in stride(from: 0, to: usvIDs.count, by: 500) {
            let slice = Array(usvIDs[start..<min(start + 500, usvIDs.count)])
            let sql = "SELECT usv_id, annotator, direction, peaks, breaks, broadband, tremolo, complex FROM annotations "
                + "WHERE usv_id IN (\(databaseQuestionMarks(count: slice.count)))"
            for row in try Row.fetchAll(db, sql: sql, arguments: StatementArguments(slice)) {
                let who: String = row["annotator"]
                guard let rank = preference.firstIndex(of: who) else { continue }
                let id: Int64 = row["usv_id"]
                if let existing = found[id], existing.rank <= rank { continue }
                found[id] = (rank, CallProperties(direction: row["direction"], peaks: row["peaks"], breaks: row["breaks"],
                                                  broadband: row["broadband"], tremolo: row["tremolo"], complex: row["complex"]))
            }
        }
        return found.mapValues(\.properties)
    }
}

extension Catalog {
    /// The data set a USV belongs to: root, name and manifest hash.
    public func dataSet(ofUSV id: Int64) throws -> (root: String, name: String, manifestSHA256: String?)? {
        try database.read { db in
            try Row.fetchOne(db, sql: "SELECT d.root, d.name, d.manifest_sha256 FROM usvs u JOIN datasets d ON d.id = u.dataset_id WHERE u.id = ?",
                             arguments: [id]).map { ($0["root"], $0["name"], $0["manifest_sha256"]) }
        }
    }

    /// The data set at `root`: its name and manifest hash.
    public func dataSetInfo(root: String) throws -> (name: String, manifestSHA256: String?)? {
        try database.read { db in
            try Row.fetchOne(db, sql: "SELECT name, manifest_sha256 FROM datasets WHERE root = ?", arguments: [root]).map {
                ($0["name"], $0["manifest_sha256"])
            }
        }
    }

    /// Registers a model file (by its SHA-256) and returns its id.
    public func registerModel(plugin: String, pluginVersion: String, task: String, fileSHA256: String, cardJSON: String) throws -> Int64 {
        try database.write { db in
            try db.execute(sql: """
                INSERT OR IGNORE INTO models (plugin, plugin_version, task, file_sha256, card_json, created_at) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [plugin, pluginVersion, task, fileSHA256, cardJSON, Date()])
            guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM models WHERE file_sha256 = ?", arguments: [fileSHA256]) else {
                throw USVError.io(path: path, reason: "model row vanished")
            }
            return id
        }
    }

    /// Stores predictions of a model, replacing its earlier predictions for the same USVs, in one transaction.
    public func storePredictions(modelID: Int64, _ predictions: [(usvID: Int64, label: String, probability: Double)]) throws {
        let now = Date()
        try database.write { db in
            for prediction in predictions {
                try db.execute(sql: "DELETE FROM predictions WHERE model_id = ? AND usv_id = ?", arguments: [modelID, prediction.usvID])
                try db.execute(sql: "INSERT INTO predictions (model_id, usv_id, label, probability, created_at) VALUES (?, ?, ?, ?, ?)",
                               arguments: [modelID, prediction.usvID, prediction.label, prediction.probability, now])
            }
        }
    }

    /// Predictions stored for a model: (usv id, label, probability).
    public func predictions(modelID: Int64) throws -> [(usvID: Int64, label: String, probability: Double?)] {
        try database.read { db in
            try Row.fetchAll(db, sql: "SELECT usv_id, label, probability FROM predictions WHERE model_id = ? ORDER BY usv_id",
                             arguments: [modelID]).map { ($0["usv_id"], $0["label"], $0["probability"]) }
        }
    }
}
