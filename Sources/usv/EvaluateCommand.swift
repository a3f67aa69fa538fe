import ArgumentParser
import Foundation
import USVCatalog
import USVCore
import USVLearn

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Cross-validate classifiers over catalog records and print the paper-style table.",
        discussion: """
            Protocols: loao (leave one animal out: each fold tests all USVs of one animal), kfold (random folds over \
            USVs with --seed: the same animals in training and test), heldout (--held-out 3,12). Features are \
            standardised on each training fold; classes are balanced by subsampling the training fold (as in \
            the paper), or by weighting (--balance weight), or not at all (--balance none). Every fold is repeated with shuffled training labels as a control (--controls N: N shuffles per fold). \
            Balanced accuracy = the mean of the per-class accuracies (per animal under loao: that animal's \
            accuracy). Inputs: --features deposited (the deposited feature table) or a feature plugin id whose \
            values are stored (usv ingest stores feature.call-properties; usv features adds others).

            Tasks: sex (female/male), genotype (wild type/cortexless, animals of the strain archive), animal, and \
            the manual properties direction (3 classes), peaks and breaks (0–3), broadband (any broadband part) \
            with labels from the annotations (--annotator) and the property itself left out of the inputs.

            Examples:
              usv evaluate --model ridge,svm --task sex --protocol loao
              usv evaluate --model svm --task sex --protocol kfold --folds 10 --seed 0 --features feature.extended-24
              usv evaluate --model ridge --task genotype --protocol loao --json > genotype.json --chart genotype.svg
              usv features --plugin feature.dnn-input && usv evaluate --model cnn-sex,ridge,svm --features feature.dnn-input
              usv evaluate --model cnn-sex --features feature.dnn-input --param preset=paper --protocol kfold
              usv evaluate --model cnn-strain --task genotype --features feature.dnn-input
              usv evaluate --model semiconv-sex --features feature.extended-24+feature.spectral-vectors
            """)

    @Option(help: "Models, comma-separated: ridge, svm, mlp, cnn-sex, cnn-strain, cnn-animal, cnn-property, semiconv-sex (or plugin ids such as model.ridge).")
    var model: String = "ridge,svm"

    @Option(help: "sex, genotype, animal, direction, peaks, breaks or broadband.")
    var task: String = "sex"

    @Option(help: "Whose property labels the property tasks use (default: human2, else human1, else deposited-features).")
    var annotator: String?

    @Option(help: "loao, kfold or heldout.")
    var `protocol`: String = "loao"

    @Option(help: "Folds of kfold.")
    var folds: Int = 10

    @Option(help: "Seed of shuffles, subsampling and training.")
    var seed: UInt64 = 0

    @Option(help: "Animals held out (heldout protocol), comma-separated data-set ids.")
    var heldOut: String?

    @Option(help: "deposited, or feature plugin ids joined by + (default feature.call-properties; CNNs: feature.dnn-input).")
    var features: String = "feature.call-properties"

    @Option(help: ArgumentHelp("Shuffled-label controls per fold, each with its own shuffle and training seed.",
                               discussion: "One control is noisy under loao for networks, which tend to call a whole test animal one class; more average that out (each costs one more training per fold)."))
    var controls: Int = 1

    @Option(help: "Class balance of the training folds: subsample (the paper), weight, or none.")
    var balance: ClassBalance = .subsample

    @Flag(help: "Write the report as JSON (schemas/evaluation-report.schema.json).")
    var json = false

    @Option(help: "Also draw the per-fold balanced accuracies with the chance level as an SVG bar chart.")
    var chart: String?

    @Flag(help: "Print the folds, the USVs per class and animal, the trainings and an estimated time; train nothing.")
    var dryRun = false

    @OptionGroup var filterOptions: USVFilterOptions

    @OptionGroup var parameterOptions: PluginParameterOptions

    @OptionGroup var progressOptions: ProgressOptions

    @OptionGroup var catalogOptions: CatalogOptions

    /// Model names without the `model.` prefix work too (cnn-sex, semiconv-sex, …).
    static let shortNames = ["ridge": "model.ridge", "svm": "model.linear-svm", "mlp": "model.mlp"]

    static func modelID(_ name: String) -> String { shortNames[name] ?? (name.contains(".") ? name : "model." + name) }

    func run() throws {
        let catalog = try catalogOptions.openExisting(for: "evaluate")
        guard let modelTask = ModelTask(rawValue: task) else {
            throw ValidationError("--task must be one of \(ModelTask.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let evaluationProtocol: EvaluationProtocol
        switch self.protocol {
        case "loao": evaluationProtocol = .leaveOneAnimalOut
        case "kfold": evaluationProtocol = .randomKFold(folds: folds, seed: seed)
        case "heldout":
            let animals = (heldOut ?? "").split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !animals.isEmpty else { throw ValidationError("heldout needs --held-out ID[,ID…]") }
            evaluationProtocol = .heldOutAnimals(animals)
        default: throw ValidationError("--protocol must be loao, kfold or heldout")
        }
        let registry = try registry()
        let models = try model.split(separator: ",").map { name -> any ModelPlugin in
            let trimmed = name.trimmingCharacters(in: .whitespaces)
            return try registry.require((any ModelPlugin).self, id: Self.modelID(trimmed))
        }
        let features = self.features == "deposited" ? "deposited" : try resolvedFeatureIDs(self.features)
        let source: FeatureSource = features == "deposited" ? .deposited : .plugin(features)
        let samples = try catalog.labelledSamples(from: source, task: modelTask, filter: try filterOptions.filter(), annotator: annotator)
        log("usv evaluate: " + samples.usageLine(features: features, task: modelTask.rawValue))
        guard controls >= 1 else { throw ValidationError("--controls must be at least 1") }
        let evaluator = Evaluator(balance: balance, seed: seed, controls: controls)
        // Every model's parameters are checked before the first training.
        let parameters = try models.map { try parameterOptions.values(for: $0.descriptor, among: models.map(\.descriptor)) }
        if dryRun {
            print(try Self.plan(models: models, parameters: parameters, samples: samples, protocol: evaluationProtocol,
                                evaluator: evaluator, features: features, task: modelTask.rawValue))
            return
        }
        var results: [EvaluationResult] = []
        let progress = TerminalProgress(mode: progressOptions.progress)
        for (model, parameters) in zip(models, parameters) {
            results.append(try evaluator.evaluate(model, parameters: parameters, samples: samples, protocol: evaluationProtocol,
                                                  task: modelTask.rawValue, progress: progress))
        }
        progress.finish()
        let report = EvaluationReport(task: modelTask.rawValue, features: features, featureNames: samples.featureNames,
                                      protocolName: evaluationProtocol.name, samples: samples.labels.count,
                                      animals: Set(samples.groups).count,
                                      classCounts: samples.classNames.indices.map { label in samples.labels.filter { $0 == label }.count },
                                      classes: samples.classNames, results: results)
        if let chart { try writeWholeFile(chart, bytes: Array(EvaluationChart.svg(report).utf8)) }
        if json {
            try printJSON(report)
        } else {
            print(Self.render(report))
        }
    }

    /// `--dry-run`: what the evaluation would do, and how long one training of each model takes on a tenth of
    /// the first fold's training set, scaled to the full sets (a rough guide: most models scale about linearly).
    static func plan(models: [any ModelPlugin], parameters: [ParameterValues], samples: LabelledSamples,
                     protocol evaluationProtocol: EvaluationProtocol, evaluator: Evaluator, features: String, task: String) throws -> String {
        let folds = try evaluationProtocol.folds(for: samples)
        var lines = ["\(task) from \(features) (\(samples.featureNames.count) features), \(evaluationProtocol.name): "
            + "\(samples.labels.count) USVs of \(Set(samples.groups).count) animals"]
        let perClass = samples.classNames.indices.map { label in "\(samples.labels.filter { $0 == label }.count) \(samples.classNames[label])" }
        lines.append("classes: " + perClass.joined(separator: ", "))
        let perAnimal = Dictionary(grouping: samples.groups, by: { $0 }).sorted { $0.key < $1.key }
            .map { "\(samples.groupName($0.key)): \($0.value.count)" }
        lines.append("USVs per animal: " + perAnimal.joined(separator: "; "))
        lines.append("")
        lines.append(TextTable.render(header: ["fold", "train USVs", "test USVs"], rows: folds.map { fold in
            [fold.name, String(evaluator.balance.apply(fold.train, to: samples, seed: evaluator.seed).labels.count), String(fold.test.count)]
        }, rightAligned: [1, 2]))
        let trainingsPerModel = folds.count * (1 + evaluator.controls)
        lines.append("")
        var totalSeconds = 0.0
        for (model, values) in zip(models, parameters) {
            guard let first = folds.first else { break }
            let training = evaluator.balance.apply(first.train, to: samples, seed: evaluator.seed)
            let tenth = Array(0..<max(2, training.labels.count / 10)).filter { $0 < training.labels.count }
            var subset = training
            subset.x = training.x.selecting(rows: tenth)
            subset.labels = tenth.map { training.labels[$0] }
            subset.groups = tenth.map { training.groups[$0] }
            subset.weights = training.weights.map { weights in tenth.map { weights[$0] } }
            let started = Date()
            _ = try? model.fit(subset, parameters: values, seed: evaluator.seed)
            let estimate = Date().timeIntervalSince(started) * Double(training.labels.count) / Double(max(1, tenth.count))
                * Double(trainingsPerModel)
            totalSeconds += estimate
            lines.append("\(model.descriptor.id): \(trainingsPerModel) trainings (\(folds.count) folds × (model + \(evaluator.controls) "
                + "control\(evaluator.controls == 1 ? "" : "s"))), about " + TerminalProgress.clock(estimate))
        }
        lines.append("in all about " + TerminalProgress.clock(totalSeconds) + " on this machine (timed on a tenth of the first fold, "
            + "scaled linearly)")
        return lines.joined(separator: "\n")
    }

    static func render(_ report: EvaluationReport) -> String {
        func percent(_ value: Double) -> String { value.isFinite ? String(format: "%.1f", value * 100) : "-" }
        var lines = ["\(report.task) from \(report.features) (\(report.featureNames.count) features), \(report.protocolName): "
            + "\(report.samples) USVs of \(report.animals) animals ("
            + zip(report.classes, report.classCounts).map { "\($1) \($0)" }.joined(separator: ", ") + ")", ""]
        let names = report.results.map { $0.model.replacingOccurrences(of: "model.", with: "") }
        // Each model's column is followed by its shuffled-label control on the same fold: a control far from
        // chance on single folds is what a model that calls a whole animal one class looks like.
        var rows: [[String]] = []
        if let first = report.results.first {
            for (index, fold) in first.folds.enumerated() {
                rows.append([fold.fold, String(fold.testSize)] + report.results.flatMap {
                    [percent($0.folds[index].balancedAccuracy), percent($0.folds[index].shuffledBalancedAccuracy)]
                })
            }
        }
        rows.append(["mean ± s.d.", ""] + report.results.flatMap {
            ["\(percent($0.meanBalancedAccuracy)) ± \(percent($0.deviationBalancedAccuracy))",
             "\(percent($0.shuffledMeanBalancedAccuracy)) ± \(percent($0.shuffledDeviationBalancedAccuracy))"]
        })
        lines.append(TextTable.render(header: ["fold", "test USVs"] + names.flatMap { ["\($0) %", "shuffled %"] }, rows: rows,
                                      rightAligned: Set(1..<(2 + 2 * names.count))))
        lines.append("")
        let controls = report.results.first?.controls ?? 1
        lines.append("balanced accuracy in %, each model beside its shuffled-label control"
            + (controls > 1 ? " (the mean of \(controls) shuffles per fold)" : "") + "; chance \(percent(report.results.first?.chance ?? .nan)) %")
        return lines.joined(separator: "\n")
    }
}

/// `usv evaluate --json` (schemas/evaluation-report.schema.json).
struct EvaluationReport: Codable {
    var schemaVersion = 1
    var task: String
    var features: String
    var featureNames: [String]
    var protocolName: String
    var samples: Int
    var animals: Int
    var classCounts: [Int]
    var classes: [String]
    var results: [EvaluationResult]
}

/// A bar chart of the per-fold balanced accuracies of each model, with the chance level.
/// The per-fold chart of an evaluation (SVG): every model's balanced accuracy per fold beside its shuffled-label
/// control (the same colour, pale), then each model's mean ± s.d. over folds (and its control's), the chance
/// level, a white background, and room for the fold names (animals with their sex under leave-one-animal-out).
enum EvaluationChart {
    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func svg(_ report: EvaluationReport) -> String {
        let folds = (report.results.first?.folds.map(\.fold) ?? []) + ["mean ± s.d."]
        let models = report.results.count
        let barWidth = 9.0, gap = 12.0, left = 50.0, top = 44.0, height = 220.0
        let groupWidth = Double(2 * models) * barWidth + gap
        let plotRight = left + Double(folds.count) * groupWidth
        let longest = folds.map(\.count).max() ?? 0
        // Labels at 45°: about 6 px per character of 11 px text, times sin 45°.
        let labelDepth = Double(longest) * 6.0 * 0.71 + 16
        let longestModel = report.results.map { $0.model.replacingOccurrences(of: "model.", with: "").count }.max() ?? 0
        let legendWidth = 30 + 6.5 * Double(longestModel + ", shuffled labels".count)
        let width = plotRight + legendWidth
        let totalHeight = top + height + labelDepth + 12
        let colors = ["#3b6ea8", "#d9822b", "#4f9a5b", "#8e5ea2"]
        let pale = ["#b7cce6", "#f2cda9", "#bddcc3", "#d8c4e2"]
        func y(_ value: Double) -> Double { top + height * (1 - min(1, max(0, value))) }
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(totalHeight))" font-family="sans-serif" font-size="11">
            <rect x="0" y="0" width="\(Int(width))" height="\(Int(totalHeight))" fill="white"/>
            <text x="\(left)" y="18" font-size="13">\(escaped(report.task)) — \(escaped(report.protocolName)) — balanced accuracy per fold</text>
            <text x="\(left)" y="33" fill="#555">\(report.samples) USVs of \(report.animals) animals; pale bars: the same model trained on shuffled labels</text>

            """
        for tick in stride(from: 0.0, through: 1.0, by: 0.25) {
            svg += "<line x1=\"\(left)\" y1=\"\(y(tick))\" x2=\"\(plotRight)\" y2=\"\(y(tick))\" stroke=\"#ddd\"/>"
            svg += "<text x=\"\(left - 6)\" y=\"\(y(tick) + 4)\" text-anchor=\"end\">\(Int(tick * 100))%</text>\n"
        }
        for (foldIndex, fold) in folds.enumerated() {
            let x0 = left + Double(foldIndex) * groupWidth + gap / 2
            let isMean = foldIndex == folds.count - 1
            if isMean {
                svg += "<line x1=\"\(x0 - gap / 2)\" y1=\"\(top)\" x2=\"\(x0 - gap / 2)\" y2=\"\(top + height)\" stroke=\"#999\"/>\n"
            }
            for (modelIndex, result) in report.results.enumerated() {
                let values: (model: Double, control: Double, modelSD: Double?, controlSD: Double?)
                if isMean {
                    values = (result.meanBalancedAccuracy, result.shuffledMeanBalancedAccuracy, result.deviationBalancedAccuracy,
                              result.shuffledDeviationBalancedAccuracy)
                } else {
                    guard foldIndex < result.folds.count else { continue }
                    values = (result.folds[foldIndex].balancedAccuracy, result.folds[foldIndex].shuffledBalancedAccuracy, nil, nil)
                }
                let name = escaped(result.model.replacingOccurrences(of: "model.", with: ""))
                let bars: [(offset: Double, value: Double, sd: Double?, color: String, kind: String)] = [
                    (0, values.model, values.modelSD, colors[modelIndex % colors.count], "model"),
                    (1, values.control, values.controlSD, pale[modelIndex % pale.count], "shuffled control"),
                ]
                for (offset, value, sd, color, kind) in bars {
                    let x = x0 + (Double(2 * modelIndex) + offset) * barWidth
                    let barTop = value.isFinite ? y(value) : y(0)
                    let barHeight = top + height - barTop
                    let title = "\(name) (\(kind)) \(escaped(fold)): " + String(format: "%.1f%%", value * 100)
                    svg += "<rect x=\"\(x)\" y=\"\(barTop)\" width=\"\(barWidth - 1)\" height=\"\(barHeight)\" fill=\"\(color)\">"
                    svg += "<title>" + title + "</title></rect>\n"
                    if let sd, sd.isFinite, value.isFinite {
                        let centre = x + (barWidth - 1) / 2
                        let low = y(value - sd), high = y(value + sd)
                        svg += "<line x1=\"\(centre)\" y1=\"\(low)\" x2=\"\(centre)\" y2=\"\(high)\" stroke=\"#222\"/>"
                        svg += "<line x1=\"\(centre - 3)\" y1=\"\(high)\" x2=\"\(centre + 3)\" y2=\"\(high)\" stroke=\"#222\"/>"
                        svg += "<line x1=\"\(centre - 3)\" y1=\"\(low)\" x2=\"\(centre + 3)\" y2=\"\(low)\" stroke=\"#222\"/>\n"
                    }
                }
            }
            let labelX = x0 + Double(models) * barWidth
            svg += "<text transform=\"translate(\(labelX),\(top + height + 12)) rotate(45)\">\(escaped(fold))</text>\n"
        }
        let chance = report.results.first?.chance ?? 0.5
        svg += "<line x1=\"\(left)\" y1=\"\(y(chance))\" x2=\"\(plotRight)\" y2=\"\(y(chance))\" stroke=\"#c00\" stroke-dasharray=\"5,3\"/>"
        svg += "<text x=\"\(left + 4)\" y=\"\(y(chance) - 4)\" fill=\"#c00\">chance</text>\n"
        for (index, result) in report.results.enumerated() {
            let rowY = top + Double(index) * 32
            let name = escaped(result.model.replacingOccurrences(of: "model.", with: ""))
            svg += "<rect x=\"\(plotRight + 4)\" y=\"\(rowY)\" width=\"10\" height=\"10\" fill=\"\(colors[index % colors.count])\"/>"
            svg += "<text x=\"\(plotRight + 18)\" y=\"\(rowY + 9)\">\(name)</text>\n"
            svg += "<rect x=\"\(plotRight + 4)\" y=\"\(rowY + 14)\" width=\"10\" height=\"10\" fill=\"\(pale[index % pale.count])\"/>"
            svg += "<text x=\"\(plotRight + 18)\" y=\"\(rowY + 23)\" fill=\"#555\">\(name), shuffled labels</text>\n"
        }
        return svg + "</svg>\n"
    }
}

extension ClassBalance: ExpressibleByArgument {}
