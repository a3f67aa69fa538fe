import Foundation
import Testing
import USVCore
@testable import USVLearn
import USVTestSupport

@Suite struct LinearAlgebraTests {
    @Test func gramAndSolveAgreeWithDirectSums() throws {
        let x = DesignMatrix(rows: 4, columns: 3, values: [1, 2, 3, 4, 5, 6, 7, 8, 10, -1, 0, 2])
        let gram = LinearAlgebra.gram(x)
        for i in 0..<3 {
            for j in 0..<3 {
                #expect(abs(gram[i * 3 + j] - (0..<4).reduce(0) { $0 + x[$1, i] * x[$1, j] }) < 1e-12)
            }
        }
        let outer = LinearAlgebra.outerGram(x)
        #expect(abs(outer[1 * 4 + 2] - (0..<3).reduce(0) { $0 + x[1, $1] * x[2, $1] }) < 1e-12)
        // Solve (G + I) s = b and check the residual.
        var system = gram
        for i in 0..<3 { system[i * 3 + i] += 1 }
        let b = [1.0, -2, 0.5]
        let s = try LinearAlgebra.choleskySolve(system, size: 3, b)
        for i in 0..<3 {
            #expect(abs((0..<3).reduce(0) { $0 + system[i * 3 + $1] * s[$1] } - b[i]) < 1e-10)
        }
        #expect(throws: USVError.self) { try LinearAlgebra.choleskySolve([1, 2, 2, 1], size: 2, [1, 1]) }
    }

    /// A fit holds its thread count: another caller asking for a different count waits until it is done.
    @Test func threadCountIsHeldForTheWholeBody() {
        let other = DispatchGroup()
        let otherSaw = Locked(0)
        let seen = LinearAlgebra.withThreads(1) { () -> [Int] in
            DispatchQueue.global().async(group: other) {
                LinearAlgebra.withThreads(2) {
                    usleep(30_000)
                    otherSaw.withLock { $0 = rowRanges(100_000).count }
                }
            }
            return (0..<20).map { _ in
                usleep(1000)
                return rowRanges(100_000).count
            }
        }
        other.wait()
        #expect(seen.allSatisfy { $0 == 1 }, "\(seen)")
        #expect(otherSaw.value == 2)
    }

    @Test func standardizerUsesTrainingStatistics() {
        let x = DesignMatrix(rows: 3, columns: 2, values: [1, 5, 2, 5, 3, 5])
        let z = Standardizer(fitting: x)
        #expect(z.means == [2, 5])
        let applied = z.apply(x)
        #expect(abs(applied[0, 0] + 1.224744871) < 1e-6)
        #expect(applied[0, 1] == 0)
    }
}

@Suite struct ProtocolTests {
    let samples = gaussianClasses(samples: 120, dimensions: 4, animals: 6)

    @Test func leaveOneAnimalOutNeverLeaksTheTestAnimal() throws {
        let folds = try EvaluationProtocol.leaveOneAnimalOut.folds(for: samples)
        #expect(folds.count == 6)
        for fold in folds {
            let testAnimals = Set(fold.test.map { samples.groups[$0] })
            #expect(testAnimals.count == 1)
            #expect(fold.train.allSatisfy { !testAnimals.contains(samples.groups[$0]) })
            #expect(Set(fold.train).union(fold.test).count == samples.labels.count)
        }
    }

    @Test func randomKFoldPartitionsDeterministically() throws {
        let folds = try EvaluationProtocol.randomKFold(folds: 10, seed: 0).folds(for: samples)
        #expect(folds.count == 10)
        #expect(folds.flatMap(\.test).sorted() == Array(0..<120))
        #expect(try EvaluationProtocol.randomKFold(folds: 10, seed: 0).folds(for: samples) == folds)
        #expect(try EvaluationProtocol.randomKFold(folds: 10, seed: 1).folds(for: samples) != folds)
        #expect(throws: USVError.self) { try EvaluationProtocol.randomKFold(folds: 1, seed: 0).folds(for: samples) }
    }

    @Test func heldOutAnimalsAndBalancing() throws {
        let fold = try #require(try EvaluationProtocol.heldOutAnimals([2, 3]).folds(for: samples).first)
        #expect(Set(fold.test.map { samples.groups[$0] }) == [2, 3])
        #expect(fold.train.allSatisfy { ![2, 3].contains(samples.groups[$0]) })
        #expect(throws: USVError.self) { try EvaluationProtocol.heldOutAnimals([99]).folds(for: samples) }
        let unbalanced = Array(0..<100).filter { samples.labels[$0] == 0 || $0 < 30 }
        let balanced = balancedBySubsampling(unbalanced, labels: samples.labels, seed: 3)
        let counts = Dictionary(grouping: balanced) { samples.labels[$0] }.mapValues(\.count)
        #expect(counts[0] == counts[1])
    }

    @Test func balancedAccuracyAndConfusion() {
        let score = ClassificationScore(truth: [0, 0, 0, 0, 1, 1], predicted: [0, 0, 0, 1, 1, 0], classes: 2)
        #expect(score.confusion == [[3, 1], [1, 1]])
        #expect(abs(score.balancedAccuracy - (0.75 + 0.5) / 2) < 1e-12)
        #expect(abs(score.accuracy - 4.0 / 6) < 1e-12)
        let single = ClassificationScore(truth: [1, 1, 1], predicted: [1, 0, 1], classes: 2)
        #expect(abs(single.balancedAccuracy - 2.0 / 3) < 1e-12)
        let (mean, deviation) = meanAndDeviation([0.5, 0.7, 0.9])
        #expect(abs(mean - 0.7) < 1e-12 && abs(deviation - 0.2) < 1e-12)
    }
}

/// A model that leans as a network trained on shuffled labels does: it calls every test USV the class of the
/// first training row, so each leave-one-animal-out fold scores 0 or 100 %.
private struct LeaningModel: ModelPlugin {
    static let descriptor = PluginDescriptor(id: "model.test-leaning", version: "1", kind: .model,
                                             summary: "calls everything the first training label", capabilities: ["train"])
    static let tasks = ModelTask.allCases
    static let inputs = ["scalar-features"]

    struct Fitted: FittedModel {
        let label: Int
        let classes: Int
        func scores(_ x: DesignMatrix) -> [Double] {
            (0..<x.rows).flatMap { _ in (0..<classes).map { $0 == label ? 1.0 : 0.0 } }
        }
        func exportArrays() -> [String: NamedArray] { [:] }
    }

    func fit(_ samples: LabelledSamples, parameters: ParameterValues, seed: UInt64) throws -> any FittedModel {
        Fitted(label: samples.labels[0], classes: samples.classes)
    }

    func restore(_ arrays: [String: NamedArray], features: Int, classes: Int, parameters: ParameterValues) throws -> any FittedModel {
        Fitted(label: 0, classes: classes)
    }
}

@Suite struct ShuffledControlTests {
    let samples = gaussianClasses(samples: 240, dimensions: 3, animals: 12)

    @Test func controlsOfALeaningModelAverageToChance() throws {
        let model = LeaningModel()
        let parameters = try ParameterValues(defaultsOf: LeaningModel.descriptor)
        let single = try Evaluator(seed: 5).evaluate(model, parameters: parameters, samples: samples,
                                                     protocol: .leaveOneAnimalOut, task: "sex")
        let many = try Evaluator(seed: 5, controls: 30).evaluate(model, parameters: parameters, samples: samples,
                                                                 protocol: .leaveOneAnimalOut, task: "sex")
        #expect(single.controls == 1 && many.controls == 30)
        #expect(single.folds.count == many.folds.count && !single.folds.isEmpty)
        for (one, fold) in zip(single.folds, many.folds) {
            // The first control is the single-control run's; every control calls the whole animal one class.
            #expect(one.shuffledBalancedAccuracies == [one.shuffledBalancedAccuracy])
            #expect(fold.shuffledBalancedAccuracies.count == 30 && fold.shuffledBalancedAccuracies.first == one.shuffledBalancedAccuracy)
            #expect(fold.shuffledBalancedAccuracies.allSatisfy { $0 == 0 || $0 == 1 })
            #expect(Set(fold.shuffledBalancedAccuracies).count == 2, "each control draws its own shuffle")
            #expect(abs(fold.shuffledBalancedAccuracy - fold.shuffledBalancedAccuracies.reduce(0, +) / 30) < 1e-12)
        }
        // 12 coin flips scatter widely (s.d. of their mean 0.14); 360 average to chance (s.d. 0.026).
        #expect(abs(many.shuffledMeanBalancedAccuracy - 0.5) < 0.08, "\(many.shuffledMeanBalancedAccuracy)")
    }
}

