import ArgumentParser
import Foundation
import USVCatalog
import USVCore
import USVLearn

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a classifier on catalog records and save it as a self-describing model file.",
        discussion: """
            The model file is HDF5: the weights under weights/, the training standardisation under \
            standardizer/, and a JSON model card (schemas/model-card.schema.json) as the root attribute \
            model_card — plugin id and version, task, classes, feature source and names, hyper-parameters, \
            seed, training data set and its manifest hash, training samples and animals. The training set is \
            balanced by subsampling unless --balance weight or none. Estimate generalisation with usv evaluate. The card \
            lists the training USVs (their ids in this catalog), so that usv classify can say when it scores them.

            Examples:
              usv train --model ridge --task sex --features deposited --out ridge-sex.h5
              usv train --model mlp --task sex --features feature.extended-24 --seed 3 --out mlp.h5
              usv train --model cnn-sex --task sex --features feature.dnn-input --out cnn-sex.h5
            """)

    @Option(help: "ridge, svm, mlp, cnn-sex, cnn-strain, cnn-animal, cnn-property, semiconv-sex, or a model plugin id.")
    var model: String

    @Option(help: "sex, genotype, animal, direction, peaks, breaks or broadband.")
    var task: String = "sex"

    @Option(help: "deposited, or a feature plugin id.")
    var features: String = "feature.call-properties"

    @Option(help: "The model file to write (.h5).")
    var out: String

    @Option(help: "Seed of subsampling and training.")
    var seed: UInt64 = 0

    @Option(help: "Class balance of the training set: subsample (the paper), weight, or none.")
    var balance: ClassBalance = .subsample

    @Flag(help: "Print the model card as JSON.")
    var json = false

    @OptionGroup var filterOptions: USVFilterOptions

    @OptionGroup var parameterOptions: PluginParameterOptions

    @OptionGroup var progressOptions: ProgressOptions

    @Flag(help: "Replace --out if it exists.")
    var force = false

    @OptionGroup var catalogOptions: CatalogOptions

    func validate() throws {
        if FileManager.default.fileExists(atPath: out) && !force { throw ValidationError("\(out) exists; pass --force to replace it") }
    }

    /// The catalog file's real path (symlinks resolved): a model card names the catalog its training USVs' ids belong to.
    static func realPath(_ path: String) -> String {
        if case .success(let real) = FilePaths.realPath(path) { return real }
        return path
    }

    func run() throws {
        let catalog = try catalogOptions.openExisting(for: "train")
        guard let modelTask = ModelTask(rawValue: task) else {
            throw ValidationError("--task must be one of \(ModelTask.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let plugin = try registry().require((any ModelPlugin).self, id: EvaluateCommand.modelID(model))
        let parameters = try parameterOptions.values(for: plugin.descriptor)
        let features = self.features == "deposited" ? "deposited" : try resolvedFeatureIDs(self.features)
        let source: FeatureSource = features == "deposited" ? .deposited : .plugin(features)
        let samples = try catalog.labelledSamples(from: source, task: modelTask, filter: try filterOptions.filter())
        log("usv train: " + samples.usageLine(features: features, task: modelTask.rawValue))
        var training = balance.apply(Array(0..<samples.labels.count), to: samples, seed: seed)
        let standardizer = Standardizer(fitting: training.x, scaling: plugin.inputScaling)
        training.x = standardizer.apply(training.x)
        let progress = TerminalProgress(mode: progressOptions.progress)
        let fitted = try progress.whileRunning("training \(plugin.descriptor.id) on \(training.labels.count) USVs") {
            try plugin.fit(training, parameters: parameters, seed: seed)
        }
        let accuracy = ClassificationScore(truth: training.labels, predicted: fitted.predict(training.x), classes: samples.classes)
        let arrays = fitted.exportArrays()
        let origin = try samples.usvIDs.first.flatMap { try catalog.dataSet(ofUSV: $0) }
        let card = ModelCard(plugin: plugin.descriptor.id, pluginVersion: plugin.descriptor.version, task: modelTask.rawValue,
                             classes: samples.classNames, featureSource: features, features: samples.featureNames,
                             parameters: parameters.values, seed: seed, balance: balance.rawValue, trainingSamples: training.labels.count,
                             trainingAnimals: Set(training.groups).sorted(), dataSet: origin?.name, dataSetRoot: origin?.root,
                             manifestSHA256: origin?.manifestSHA256, trainingBalancedAccuracy: accuracy.balancedAccuracy,
                             createdAt: Date(), arrays: arrays.keys.sorted(),
                             trainingUSVs: TrainingUSVs(catalog: Self.realPath(catalog.path), ids: training.usvIDs))
        try ModelFile.write(out, card: card, standardizer: standardizer, arrays: arrays)
        let (_, _, _, sha256) = try ModelFile.read(out)
        _ = try catalog.registerModel(plugin: card.plugin, pluginVersion: card.pluginVersion, task: card.task, fileSHA256: sha256,
                                      cardJSON: String(decoding: try card.json(), as: UTF8.self))
        if json {
            FileHandle.standardOutput.write(try card.json())
            print("")
        } else {
            print("\(out): \(card.plugin) \(card.pluginVersion) for \(card.task) on \(card.trainingSamples) USVs of "
                + "\(card.trainingAnimals.count) animals, \(card.features.count) features from \(card.featureSource); "
                + String(format: "training balanced accuracy %.1f %% (not a generalisation estimate: use usv evaluate)",
                         card.trainingBalancedAccuracy * 100))
        }
    }
}

struct ClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Apply a saved model to catalog records and store its predictions.",
        discussion: """
            The model file's card names the feature source and the feature order; the records must have those \
            features (usv features --plugin … first if needed). Predictions (label, and the class probability \
            for models that give one) are stored in the catalog's predictions table under the model file's \
            SHA-256. Where the true label is known, the balanced accuracy is reported too: labels are matched to \
            the model's classes by name (a label the model has no class for is counted, not scored), and the \
            report says how many scored USVs the model was trained on (by id when it was trained in this \
            catalog, else by animal) — such a score is no estimate of generalisation (use usv evaluate).

            Examples:
              usv classify --model ridge-sex.h5
              usv classify --model mlp.h5 --animal 12 --json
              usv classify --model cnn-sex.h5 --genotype cortexless
            """)

    @Option(help: "A model file written by usv train.")
    var model: String

    @Flag(help: "Write JSON (schemas/classify-report.schema.json).")
    var json = false

    @OptionGroup var filterOptions: USVFilterOptions

    @OptionGroup var catalogOptions: CatalogOptions

    func run() throws {
        try InputFiles.require(model, option: "--model")
        let catalog = try catalogOptions.openExisting(for: "classify")
        let (card, standardizer, arrays, sha256) = try ModelFile.read(model)
        let plugin = try registry().require((any ModelPlugin).self, id: card.plugin)
        if plugin.descriptor.version != card.pluginVersion {
            log("usv: note: \(model) was trained by \(card.plugin) \(card.pluginVersion); this build has \(plugin.descriptor.version)")
        }
        guard let task = ModelTask(rawValue: card.task) else { throw USVError.unusable(path: model, reason: "unknown task \(card.task)") }
        let parameters = ParameterValues(card.parameters)
        let source: FeatureSource = card.featureSource == "deposited" ? .deposited : .plugin(card.featureSource)
        let samples = try catalog.labelledSamples(from: source, task: task, filter: try filterOptions.filter(),
                                                  featureNames: card.features, requireLabels: false)
        log("usv classify: " + samples.usageLine(features: card.featureSource, task: task.rawValue).replacingOccurrences(of: "used ", with: "classifying "))
        let fitted = try plugin.restore(arrays, features: card.features.count, classes: card.classes.count, parameters: parameters)
        let x = standardizer.apply(samples.x)
        let scores = fitted.scores(x)
        let predicted = fitted.predict(x)
        let modelID = try catalog.registerModel(plugin: card.plugin, pluginVersion: card.pluginVersion, task: card.task,
                                                fileSHA256: sha256, cardJSON: String(decoding: try card.json(), as: UTF8.self))
        let classes = card.classes.count
        let stored = predicted.enumerated().map { index, label in
            (usvID: samples.usvIDs[index], label: card.classes[label],
             probability: fitted.scoresAreProbabilities ? scores[index * classes + label] : Double.nan)
        }
        try catalog.storePredictions(modelID: modelID, stored.map { ($0.usvID, $0.label, $0.probability) })
        // The selection numbers its labels by its own classes (the animals it holds, the property classes present);
        // the model by its training classes: truth is mapped through the class names. A label the model has no class
        // for cannot be scored.
        let modelClass = Dictionary(card.classes.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        var known: [Int] = []
        var truth: [Int] = []
        var unscored: [String: Int] = [:]
        for index in samples.labels.indices where samples.labels[index] >= 0 {
            let name = samples.classNames.indices.contains(samples.labels[index]) ? samples.classNames[samples.labels[index]] : "?"
            if let mapped = modelClass[name] {
                known.append(index)
                truth.append(mapped)
            } else {
                unscored[name, default: 0] += 1
            }
        }
        let score = ClassificationScore(truth: truth, predicted: known.map { predicted[$0] }, classes: classes)
        let overlap = try Self.trainingOverlap(card: card, catalog: catalog, usvIDs: known.map { samples.usvIDs[$0] },
                                               animals: known.map { samples.groups[$0] })
        let report = ClassifyReport(model: model, modelSHA256: sha256, plugin: card.plugin, task: card.task, classified: predicted.count,
                                    perClass: Dictionary(grouping: predicted.map { card.classes[$0] }, by: { $0 }).mapValues(\.count),
                                    withKnownLabels: known.count,
                                    balancedAccuracy: known.isEmpty ? nil : score.balancedAccuracy,
                                    unscoredLabels: unscored.isEmpty ? nil : unscored, trainingOverlap: overlap)
        if json {
            try printJSON(report)
        } else {
            print("\(report.classified) USVs classified by \(card.plugin) (\(card.task)): "
                + report.perClass.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
                + (report.balancedAccuracy.map { String(format: "; balanced accuracy %.1f %% on the %d with known labels", $0 * 100, known.count) } ?? ""))
            if !unscored.isEmpty {
                print("not scored: " + unscored.sorted { $0.key < $1.key }.map { "\($0.value) labelled '\($0.key)'" }.joined(separator: ", ")
                    + " (the model has no such class; its classes: \(card.classes.joined(separator: ", ")))")
            }
            if let overlap, overlap.inTraining > 0 {
                let what = overlap.by == "usv" ? "were in the model's training set"
                    : "are from the model's training animals (it was trained in another catalog, so its USVs cannot be matched by id)"
                print("\(overlap.inTraining) of the \(overlap.scored) scored USVs \(what): this balanced accuracy is not an estimate of "
                    + "generalisation (use usv evaluate)")
            }
        }
    }

    /// How many of the scored USVs the model was trained on: by id when its card lists training USVs of this catalog,
    /// else by animal when the scored USVs come from its training data set; nil when nothing is scored.
    static func trainingOverlap(card: ModelCard, catalog: Catalog, usvIDs: [Int64], animals: [Int]) throws -> TrainingOverlap? {
        guard !usvIDs.isEmpty else { return nil }
        if let training = card.trainingUSVs, training.catalog == TrainCommand.realPath(catalog.path) {
            return TrainingOverlap(by: "usv", scored: usvIDs.count, inTraining: try training.members(of: Set(usvIDs)).count)
        }
        let trainingAnimals = Set(card.trainingAnimals)
        var sameDataSet: [String: Bool] = [:]
        var inTraining = 0
        for (id, animal) in zip(usvIDs, animals) where trainingAnimals.contains(animal) {
            guard let origin = try catalog.dataSet(ofUSV: id) else { continue }
            let same = sameDataSet[origin.root]
                ?? (card.manifestSHA256 != nil ? origin.manifestSHA256 == card.manifestSHA256 : origin.root == card.dataSetRoot)
            sameDataSet[origin.root] = same
            if same { inTraining += 1 }
        }
        return TrainingOverlap(by: "animal", scored: usvIDs.count, inTraining: inTraining)
    }
}

/// How many scored USVs a model was trained on (`by`: "usv" ids in the training catalog, or "animal").
struct TrainingOverlap: Codable {
    var by: String
    var scored: Int
    var inTraining: Int
}

/// `usv classify --json` (schemas/classify-report.schema.json).
struct ClassifyReport: Codable {
    var schemaVersion = 1
    var model: String
    var modelSHA256: String
    var plugin: String
    var task: String
    var classified: Int
    var perClass: [String: Int]
    var withKnownLabels: Int
    var balancedAccuracy: Double?
    var unscoredLabels: [String: Int]?
    var trainingOverlap: TrainingOverlap?
}
