import Foundation
import GRDB
import USVCore

/// Where a model's inputs come from in the catalog.
public enum FeatureSource: Sendable, Hashable {
    /// The deposited feature table's values (duration, avgfreq, avgvol, direction, peaks, breaks, broadband,
    /// tremolo, complex) of the deposited USV records: the paper's "features → sex".
    case deposited
    /// A feature plugin's scalar values stored by `usv ingest` / `usv features`, for detected USVs.
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
    public func labelledSamples(from source: FeatureSource, task: ModelTask, filter: USVFilter, featureNames fixed: [String]? = nil,
                                requireLabels: Bool = true) throws -> LabelledSamples {
        var scoped = filter
        let plugin: String
        switch source {
        case .deposited:
            scoped.source = .deposited
            plugin = "deposited"
        case .plugin(let id):
            scoped.source = .detected
            plugin = id
        }
        let (condition, arguments) = scoped.sql()
        return try database.read { db in
            var all = arguments
            all += [plugin]
            guard let parameters = try String.fetchOne(db, sql: """
                SELECT f.parameters \(Self.joins) JOIN features f ON f.usv_id = u.id
                WHERE \(condition) AND f.plugin = ? AND f.value IS NOT NULL GROUP BY f.parameters ORDER BY COUNT(*) DESC LIMIT 1
                """, arguments: all) else {
                throw USVError.usage("no '\(plugin)' feature values for these USVs; run usv ingest"
                    + (plugin == "deposited" ? "" : " or usv features --plugin \(plugin)") + " first")
            }
            var withParameters = all
            withParameters += [parameters]
            let rows = try Row.fetchAll(db, sql: """
                SELECT u.id, a.sex, a.genotype, a.dataset_animal_id, r.archive_member, f.name, f.value \(Self.joins)
                JOIN features f ON f.usv_id = u.id
                WHERE \(condition) AND f.plugin = ? AND f.parameters = ? AND f.value IS NOT NULL ORDER BY u.id, f.name
                """, arguments: withParameters)
            var names = Set<String>()
            var byUSV: [Int64: (sex: Int?, genotype: String?, animal: Int?, archived: Bool, values: [String: Double])] = [:]
            var order: [Int64] = []
            for row in rows {
                let id: Int64 = row["id"]
                let name: String = row["name"]
                names.insert(name)
                if byUSV[id] == nil {
                    order.append(id)
                    let member: String? = row["archive_member"]
                    byUSV[id] = (row["sex"], row["genotype"], row["dataset_animal_id"], !(member ?? "").isEmpty, [:])
                }
                byUSV[id]?.values[name] = row["value"]
            }
            let featureNames = fixed ?? (names.subtracting(["duration"]).sorted() + (names.contains("duration") ? ["duration"] : []))
            if let fixed, !Set(fixed).isSubset(of: names) {
                throw USVError.usage("the model reads \(Set(fixed).subtracting(names).sorted()) which '\(plugin)' has not stored for these USVs")
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
            default: throw USVError.usage("task \(task.rawValue) is not available from the catalog yet (sex, genotype, animal)")
            }
            var animalClasses: [Int: Int] = [:]
            if task == .animal {
                let animals = Set(order.compactMap { byUSV[$0]?.animal }).sorted()
                for (index, animal) in animals.enumerated() { animalClasses[animal] = index }
                classNames = animals.map { "animal \($0)" }
            }
            for id in order {
                guard let entry = byUSV[id], let animal = entry.animal, featureNames.allSatisfy({ entry.values[$0] != nil }) else { continue }
                let label: Int?
                switch task {
                case .sex: label = entry.sex
                case .genotype: label = entry.archived ? (entry.genotype == Genotype.cortexless.rawValue ? 1 : 0) : nil
                default: label = animalClasses[animal]
                }
                guard let label = label ?? (requireLabels ? nil : -1) else { continue }
                values += featureNames.map { entry.values[$0] ?? 0 }
                labels.append(label)
                groups.append(animal)
                ids.append(id)
            }
            if task == .animal && !requireLabels { classNames = classNames.isEmpty ? ["unknown"] : classNames }
            guard !labels.isEmpty else { throw USVError.usage("no USVs with \(task.rawValue) labels and complete '\(plugin)' features") }
            return LabelledSamples(x: DesignMatrix(rows: labels.count, columns: featureNames.count, values: values), labels: labels,
                                   groups: groups, classNames: classNames, featureNames: featureNames, usvIDs: ids)
        }
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
