import Crypto
import Foundation
import USVCore

/// What a model file says about itself (schemas/model-card.schema.json), stored as the HDF5 root attribute
/// `model_card` beside the weights.
public struct ModelCard: Codable, Sendable, Equatable {
    public var schemaVersion = 1
    public var plugin: String
    public var pluginVersion: String
    public var task: String
    public var classes: [String]
    /// `deposited` or a feature plugin id, and the ordered feature names the model reads.
    public var featureSource: String
    public var features: [String]
    public var parameters: [String: String]
    public var seed: UInt64
    /// `subsample`, `weight` or `none`.
    public var balance: String
    public var trainingSamples: Int
    public var trainingAnimals: [Int]
    public var dataSet: String?
    public var dataSetRoot: String?
    public var manifestSHA256: String?
    /// Balanced accuracy on the training samples themselves (not an estimate of generalisation: use
    /// `usv evaluate` for that).
    public var trainingBalancedAccuracy: Double
    public var createdAt: Date
    /// Names of the arrays stored in the file.
    public var arrays: [String]
    /// The USVs the model was trained on (cards written before this field have none).
    public var trainingUSVs: TrainingUSVs?

    public init(plugin: String, pluginVersion: String, task: String, classes: [String], featureSource: String, features: [String],
                parameters: [String: String], seed: UInt64, balance: String, trainingSamples: Int, trainingAnimals: [Int],
                dataSet: String?, dataSetRoot: String?, manifestSHA256: String?, trainingBalancedAccuracy: Double,
                createdAt: Date, arrays: [String], trainingUSVs: TrainingUSVs? = nil) {
        self.plugin = plugin
        self.pluginVersion = pluginVersion
        self.task = task
        self.classes = classes
        self.featureSource = featureSource
        self.features = features
        self.parameters = parameters
        self.seed = seed
        self.balance = balance
        self.trainingSamples = trainingSamples
        self.trainingAnimals = trainingAnimals
        self.dataSet = dataSet
        self.dataSetRoot = dataSetRoot
        self.manifestSHA256 = manifestSHA256
        self.trainingBalancedAccuracy = trainingBalancedAccuracy
        self.createdAt = createdAt
        self.arrays = arrays
        self.trainingUSVs = trainingUSVs
    }

    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(self)
    }

    public static func from(json text: String) throws -> ModelCard {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(ModelCard.self, from: Data(text.utf8))
    }
}

/// The USVs a model was trained on, by their ids in the catalog that trained it: `usv classify` says when the USVs it
/// scores were among them (then its balanced accuracy is no estimate of generalisation).
public struct TrainingUSVs: Codable, Sendable, Equatable {
    /// The catalog file the ids belong to (its real path when the model was trained).
    public var catalog: String
    /// The ids as ascending runs: `1-250,300,302-410`.
    public var ids: String

    public init(catalog: String, ids: [Int64]) {
        self.catalog = catalog
        self.ids = Self.runs(ids)
    }

    /// Sorted, distinct `ids` as runs of consecutive numbers.
    static func runs(_ ids: [Int64]) -> String {
        var parts: [String] = []
        var run: (first: Int64, last: Int64)?
        func close() {
            if let run { parts.append(run.first == run.last ? String(run.first) : "\(run.first)-\(run.last)") }
        }
        for id in Set(ids).sorted() {
            if let current = run, current.last < Int64.max, id == current.last + 1 {
                run = (current.first, id)
            } else {
                close()
                run = (id, id)
            }
        }
        close()
        return parts.joined(separator: ",")
    }

    /// The ids of `wanted` that are training USVs; malformed runs (a card edited by hand) are an error naming them.
    public func members(of wanted: Set<Int64>) throws -> Set<Int64> {
        var found: Set<Int64> = []
        for part in ids.split(separator: ",") {
            let bounds = part.split(separator: "-", maxSplits: 1).map { Int64($0.trimmingCharacters(in: .whitespaces)) }
            guard let low = bounds.first ?? nil, let high = bounds.count == 2 ? bounds[1] : low, low <= high else {
                throw USVError.malformed(path: catalog, location: "model card trainingUSVs", reason: "'\(part)' is not an id or a range of ids")
            }
            found.formUnion(wanted.filter { $0 >= low && $0 <= high })
        }
        return found
    }
}

/// A self-describing model file: HDF5 with the weights (`weights/…`), the training standardisation
/// (`standardizer/means`, `standardizer/deviations`) and the JSON model card as a root attribute.
public enum ModelFile {
    public static func write(_ path: String, card: ModelCard, standardizer: Standardizer, arrays: [String: NamedArray]) throws {
        let temporary = path + ".partial"
        do {
            let file = try HDF5File(path: temporary, mode: .create)
            for (name, array) in arrays.sorted(by: { $0.key < $1.key }) {
                try file.write("weights/" + name, values: array.values, shape: array.shape)
            }
            try file.write("standardizer/means", values: standardizer.means, shape: [standardizer.means.count])
            try file.write("standardizer/deviations", values: standardizer.deviations, shape: [standardizer.deviations.count])
            try file.setAttribute("model_card", String(decoding: try card.json(), as: UTF8.self))
        }
        guard rename(temporary, path) == 0 else { throw USVError.io(path: path, reason: "cannot move the model file into place") }
    }

    public static func read(_ path: String) throws -> (card: ModelCard, standardizer: Standardizer, arrays: [String: NamedArray], sha256: String) {
        let file: HDF5File
        do {
            file = try HDF5File(path: path, mode: .read)
        } catch {
            throw USVError.unusable(path: path, reason: "not a model file (not HDF5); write one with usv train")
        }
        let card: ModelCard
        do {
            card = try ModelCard.from(json: try file.attribute("model_card"))
        } catch let error as USVError {
            throw error
        } catch {
            throw USVError.malformed(path: path, location: "attribute model_card", reason: "not a USVKit model card: \(error)")
        }
        var arrays: [String: NamedArray] = [:]
        for name in card.arrays {
            let (values, shape) = try file.read("weights/" + name)
            arrays[name] = NamedArray(values, shape: shape)
        }
        let means = try file.read("standardizer/means").values
        let deviations = try file.read("standardizer/deviations").values
        guard means.count == card.features.count, deviations.count == card.features.count else {
            throw USVError.malformed(path: path, location: "standardizer", reason: "\(means.count) features, the card names \(card.features.count)")
        }
        let sha256 = SHA256.hash(data: try readWholeFile(path, limit: 1 << 32)).hexString
        return (card, Standardizer(means: means, deviations: deviations), arrays, sha256)
    }
}

extension Standardizer {
    public init(means: [Double], deviations: [Double]) {
        self.means = means
        self.deviations = deviations
    }
}
