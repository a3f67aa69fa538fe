import Foundation
import USVCore

/// One model under one protocol, with its shuffled-label control: the per-fold table and the summary the
/// paper reports (balanced accuracy, mean ± s.d. over folds).
public struct EvaluationResult: Codable, Sendable {
    public struct FoldResult: Codable, Sendable, Hashable {
        public var fold: String
        public var trainSize: Int
        public var testSize: Int
        public var balancedAccuracy: Double
        public var perClassAccuracy: [Double?]
        public var confusion: [[Int]]
        /// The same fold with training labels shuffled (the control; should sit at chance): the mean of
        /// `shuffledBalancedAccuracies`, one per control.
        public var shuffledBalancedAccuracy: Double
        /// Each shuffled-label control of this fold (its own shuffle and training seed).
        public var shuffledBalancedAccuracies: [Double]
    }

    public var model: String
    public var modelVersion: String
    public var parameters: [String: String]
    public var task: String
    public var classes: [String]
    public var features: [String]
    public var protocolName: String
    public var seed: UInt64
    /// Shuffled-label controls per fold.
    public var controls: Int
    public var folds: [FoldResult]
    public var meanBalancedAccuracy: Double
    public var deviationBalancedAccuracy: Double
    public var shuffledMeanBalancedAccuracy: Double
    public var shuffledDeviationBalancedAccuracy: Double
    /// Pooled confusion matrix over all test folds.
    public var confusion: [[Int]]
    public var chance: Double
}

/// Runs models through protocols: standardisation (as the model asks) fitted on each training fold only, the
/// paper's class balancing by subsampling, and shuffled-label controls on every fold.
///
/// A control keeps the fold's balanced training set and permutes its labels, so a labelling and its mirror
/// image are equally likely: over shuffles its expected balanced accuracy is exactly chance, whatever the
/// model. One control is noisy under leave-one-animal-out when the model leans: a network trained on shuffled
/// labels tends to call nearly every USV of the test animal one class, so each fold scores near 0 or 100 %;
/// more `controls` per fold average that out.
public struct Evaluator: Sendable {
    public var balance: ClassBalance
    public var seed: UInt64
    /// Shuffled-label controls per fold (each its own shuffle and training seed); at least 1.
    public var controls: Int

    public init(balance: ClassBalance = .subsample, seed: UInt64 = 0, controls: Int = 1) {
        self.balance = balance
        self.seed = seed
        self.controls = max(1, controls)
    }

    /// `progress` hears of every training finished (each fold's model and each of its controls), with the fold's name.
    public func evaluate(_ model: any ModelPlugin, parameters: ParameterValues, samples: LabelledSamples,
                         protocol evaluationProtocol: EvaluationProtocol, task: String,
                         progress: any ProgressReporter = SilentProgress()) throws -> EvaluationResult {
        let folds = try evaluationProtocol.folds(for: samples)
        let trainings = Int64(folds.count * (1 + controls))
        var trained: Int64 = 0
        let name = model.descriptor.id.replacingOccurrences(of: "model.", with: "")
        progress.update(phase: "\(name): \(folds.first?.name ?? "")", done: 0, total: trainings, unit: .items)
        var results: [EvaluationResult.FoldResult] = []
        var pooled = [[Int]](repeating: [Int](repeating: 0, count: samples.classes), count: samples.classes)
        for (index, fold) in folds.enumerated() {
            let foldSeed = seed &+ UInt64(index) &* 0x9E37_79B9
            let training = balance.apply(fold.train, to: samples, seed: foldSeed)
            guard Set(training.labels).count == samples.classes else {
                throw USVError.unusable(path: fold.name, reason: "the training set lacks a class; too few animals or USVs for this protocol")
            }
            let phase = "\(name): fold \(index + 1)/\(folds.count) (\(fold.name)), trainings"
            let real = try score(model, parameters: parameters, samples: samples, training: training, test: fold.test, seed: foldSeed, shuffle: false)
            trained += 1
            progress.update(phase: phase, done: trained, total: trainings, unit: .items)
            let shuffled = try (0..<controls).map { control -> Double in
                let accuracy = try score(model, parameters: parameters, samples: samples, training: training, test: fold.test,
                                         seed: Self.controlSeed(foldSeed, control: control), shuffle: true).balancedAccuracy
                trained += 1
                progress.update(phase: phase, done: trained, total: trainings, unit: .items)
                return accuracy
            }
            for row in 0..<samples.classes { for column in 0..<samples.classes { pooled[row][column] += real.confusion[row][column] } }
            results.append(EvaluationResult.FoldResult(
                fold: fold.name, trainSize: training.labels.count, testSize: fold.test.count, balancedAccuracy: real.balancedAccuracy,
                perClassAccuracy: real.perClassAccuracy, confusion: real.confusion,
                shuffledBalancedAccuracy: shuffled.reduce(0, +) / Double(shuffled.count), shuffledBalancedAccuracies: shuffled))
        }
        let real = meanAndDeviation(results.map(\.balancedAccuracy))
        let control = meanAndDeviation(results.map(\.shuffledBalancedAccuracy))
        return EvaluationResult(
            model: model.descriptor.id, modelVersion: model.descriptor.version, parameters: parameters.values, task: task,
            classes: samples.classNames, features: samples.featureNames, protocolName: evaluationProtocol.name, seed: seed,
            controls: controls, folds: results, meanBalancedAccuracy: real.mean, deviationBalancedAccuracy: real.deviation,
            shuffledMeanBalancedAccuracy: control.mean, shuffledDeviationBalancedAccuracy: control.deviation,
            confusion: pooled, chance: 1 / Double(samples.classes))
    }

    /// The first control of a fold trains with the fold's seed (as the real model does); further ones with
    /// seeds of their own.
    static func controlSeed(_ foldSeed: UInt64, control: Int) -> UInt64 {
        control == 0 ? foldSeed : foldSeed &+ UInt64(control) &* 0xD1B5_4A32_D192_ED03
    }

    private func score(_ model: any ModelPlugin, parameters: ParameterValues, samples: LabelledSamples, training fold: LabelledSamples,
                       test: [Int], seed: UInt64, shuffle: Bool) throws -> ClassificationScore {
        var training = fold
        if shuffle {
            var random = SeededRandom(seed: seed ^ 0xC0FF_EE00)
            training.labels = random.shuffled(training.labels)
            if training.weights != nil { training.weights = training.classBalancingWeights }
        }
        let standardizer = Standardizer(fitting: training.x, scaling: model.inputScaling)
        training.x = standardizer.apply(training.x)
        let fitted = try model.fit(training, parameters: parameters, seed: seed)
        let testing = standardizer.apply(samples.x.selecting(rows: test))
        return ClassificationScore(truth: test.map { samples.labels[$0] }, predicted: fitted.predict(testing), classes: samples.classes)
    }
}
