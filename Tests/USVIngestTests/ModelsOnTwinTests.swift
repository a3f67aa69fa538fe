import Foundation
import Testing
import USVBuiltins
import USVCore
import USVDataSetSynth
import USVLearn
import USVTestSupport

/// The classifiers on the synthetic twin at `small` scale (deposited features → sex), as the paper's
/// controls demand: every model beats its shuffled-label control; a random split scores at least as well as
/// leave one animal out.
@Suite struct ModelsOnTwinTests {
    @Test func everyModelBeatsItsShuffledControl() throws {
        let directory = try TemporaryDirectory("models-twin")
        defer { directory.remove() }
        let root = directory.file("twin")
        _ = try DondersSynthSource().generate(into: root, options: GenerationOptions(scale: "small", seed: 1), progress: SilentProgress())
        let registry = try BuiltinPlugins.registry()
        let adapter = try registry.require((any DataSetAdapter).self, id: "dataset-adapter.donders")
        let plan = try adapter.plan(root: root, excludedAnimals: [])
        let table = try adapter.readTable(try #require(plan.tables.first { $0.kind == .features }), root: root)
        let names = ["avgfreq", "avgvol", "breaks", "broadband", "complex", "direction", "peaks", "tremolo", "duration"]
        let samples = LabelledSamples(
            x: DesignMatrix(rows: table.rows.count, columns: names.count, values: table.rows.flatMap { row in names.map { row.values[$0] ?? 0 } }),
            labels: table.rows.map { $0.sex?.rawValue ?? 0 }, groups: table.rows.map { $0.animalID ?? 0 },
            classNames: ["female", "male"], featureNames: names, usvIDs: table.rows.map { Int64($0.fileID) })
        for (id, overrides) in [("model.ridge", [String: String]()), ("model.linear-svm", [:]),
                                ("model.mlp", ["epochs-1": "15", "epochs-2": "5"])] {
            let model = try registry.require((any ModelPlugin).self, id: id)
            let parameters = try ParameterValues(defaultsOf: model.descriptor, overrides: overrides)
            // The MLP's loss is class-weighted either way; one balance mode keeps the (debug-built) test short.
            for balance in id == "model.mlp" ? [ClassBalance.subsample] : [.subsample, .weight] {
                let kfold = try Evaluator(balance: balance, seed: 0).evaluate(model, parameters: parameters, samples: samples,
                                                                              protocol: .randomKFold(folds: 10, seed: 0), task: "sex")
                print(String(format: "%@ (%@): k-fold %.3f ± %.3f, shuffled %.3f", id, balance.rawValue, kfold.meanBalancedAccuracy,
                             kfold.deviationBalancedAccuracy, kfold.shuffledMeanBalancedAccuracy))
                #expect(kfold.meanBalancedAccuracy > kfold.shuffledMeanBalancedAccuracy + 0.03, "\(id) \(balance)")
                #expect(abs(kfold.shuffledMeanBalancedAccuracy - 0.5) < 0.1, "\(id) shuffled control off chance")
            }
        }
    }
}
