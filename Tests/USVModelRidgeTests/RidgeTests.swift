import Foundation
import Testing
import USVCore
import USVLearn
@testable import USVModelRidge
import USVTestSupport

@Suite struct RidgeTests {
    let model = RidgeClassifierModel()

    @Test func conformsAndSeparatesClasses() throws {
        #expect(checkPluginDescriptor(model) == [])
        let data = gaussianClasses(samples: 400, dimensions: 5, separation: 3)
        let fitted = try model.fit(data, parameters: ParameterValues(defaultsOf: RidgeClassifierModel.descriptor), seed: 0)
        let score = ClassificationScore(truth: data.labels, predicted: fitted.predict(data.x), classes: 2)
        #expect(score.balancedAccuracy > 0.9)
    }

    @Test func primalAndDualFormsGiveTheSamePredictions() throws {
        // 30 samples, 80 features: the dual form; the same with 80 samples as rows uses the primal.
        let wide = gaussianClasses(samples: 30, dimensions: 80, separation: 2, seed: 5)
        let parameters = try ParameterValues(defaultsOf: RidgeClassifierModel.descriptor, overrides: ["lambda": "0.5"])
        let dual = try #require(try model.fit(wide, parameters: parameters, seed: 0) as? FittedRidge)
        // Reference: the primal normal equations solved directly (80 × 80 is fine).
        let n = wide.x.rows, d = wide.x.columns
        var means = [Double](repeating: 0, count: d)
        for row in 0..<n { for column in 0..<d { means[column] += wide.x[row, column] / Double(n) } }
        let centred = DesignMatrix(rows: n, columns: d, values: (0..<(n * d)).map { wide.x.values[$0] - means[$0 % d] })
        var system = LinearAlgebra.gram(centred)
        for index in 0..<d { system[index * d + index] += 0.5 }
        let yMean = Double(wide.labels.reduce(0, +)) / Double(n)
        let rhs = LinearAlgebra.multiply(centred, wide.labels.map { Double($0) - yMean }, transposed: true)
        let primal = try LinearAlgebra.choleskySolve(system, size: d, rhs)
        try #require(dual.weights[0].count == primal.count && primal.count == d)
        for (a, b) in zip(dual.weights[0], primal) { #expect(abs(a - b) < 1e-8) }
    }

    @Test func thresholdDecidesTheClass() throws {
        let data = gaussianClasses(samples: 100, dimensions: 3)
        let everything = try model.fit(data, parameters: ParameterValues(defaultsOf: RidgeClassifierModel.descriptor,
                                                                         overrides: ["threshold": "-100"]), seed: 0)
        #expect(everything.predict(data.x).allSatisfy { $0 == 1 })
        #expect(throws: USVError.self) {
            try model.fit(data, parameters: ParameterValues(defaultsOf: RidgeClassifierModel.descriptor, overrides: ["lambda": "-1"]), seed: 0)
        }
    }
}

@Suite struct ModelRoundTripTests {
    @Test func exportedArraysRestoreTheSameModel() throws {
        let data = gaussianClasses(samples: 200, dimensions: 7, seed: 3)
        let parameters = try ParameterValues(defaultsOf: RidgeClassifierModel.descriptor)
        let fitted = try RidgeClassifierModel().fit(data, parameters: parameters, seed: 0)
        let restored = try RidgeClassifierModel().restore(fitted.exportArrays(), features: 7, classes: 2, parameters: parameters)
        #expect(restored.scores(data.x) == fitted.scores(data.x))
        #expect(throws: USVError.self) { try RidgeClassifierModel().restore(fitted.exportArrays(), features: 8, classes: 2, parameters: parameters) }
    }
}

@Suite struct WeightedRidgeTests {
    @Test func unitWeightsGiveTheUnweightedSolutionAndWeightingHelpsTheSmallClass() throws {
        let data = gaussianClasses(samples: 300, dimensions: 6, separation: 1.2, seed: 9)
        let parameters = try ParameterValues(defaultsOf: RidgeClassifierModel.descriptor)
        let plain = try RidgeClassifierModel().fit(data, parameters: parameters, seed: 0)
        var weighted = data
        weighted.weights = [Double](repeating: 1, count: data.labels.count)
        let same = try RidgeClassifierModel().fit(weighted, parameters: parameters, seed: 0)
        let plainScores = plain.scores(data.x), sameScores = same.scores(data.x)
        try #require(plainScores.count == sameScores.count && plainScores.count == 2 * data.labels.count)  // two scores per sample
        for (a, b) in zip(plainScores, sameScores) { #expect(abs(a - b) < 1e-9) }
        // 10 % class 1: unbalanced ridge leans to class 0; weighting restores the balanced accuracy.
        let indices = data.labels.indices.filter { data.labels[$0] == 0 || $0 % 10 == 1 }
        let imbalanced = data.selecting(indices)
        let none = try RidgeClassifierModel().fit(ClassBalance.none.apply(Array(imbalanced.labels.indices), to: imbalanced, seed: 0),
                                                  parameters: parameters, seed: 0)
        let balanced = try RidgeClassifierModel().fit(ClassBalance.weight.apply(Array(imbalanced.labels.indices), to: imbalanced, seed: 0),
                                                      parameters: parameters, seed: 0)
        let noneScore = ClassificationScore(truth: data.labels, predicted: none.predict(data.x), classes: 2).balancedAccuracy
        let weightedScore = ClassificationScore(truth: data.labels, predicted: balanced.predict(data.x), classes: 2).balancedAccuracy
        #expect(weightedScore > noneScore + 0.05, "weighted \(weightedScore) vs unweighted \(noneScore)")
    }
}
