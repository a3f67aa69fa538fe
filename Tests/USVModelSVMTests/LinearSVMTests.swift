import Foundation
import Testing
import USVCore
import USVLearn
@testable import USVModelSVM
import USVTestSupport

@Suite struct LinearSVMTests {
    let model = LinearSVMModel()

    @Test func conformsSeparatesAndIsDeterministic() throws {
        #expect(checkPluginDescriptor(model) == [])
        let data = gaussianClasses(samples: 300, dimensions: 6, separation: 3, seed: 2)
        let parameters = try ParameterValues(defaultsOf: LinearSVMModel.descriptor)
        let first = try #require(try model.fit(data, parameters: parameters, seed: 1) as? FittedLinearSVM)
        let second = try #require(try model.fit(data, parameters: parameters, seed: 1) as? FittedLinearSVM)
        #expect(first.weights == second.weights)
        let score = ClassificationScore(truth: data.labels, predicted: first.predict(data.x), classes: 2)
        #expect(score.balancedAccuracy > 0.9)
        let hinge = try model.fit(data, parameters: ParameterValues(defaultsOf: LinearSVMModel.descriptor, overrides: ["loss": "hinge"]), seed: 1)
        #expect(ClassificationScore(truth: data.labels, predicted: hinge.predict(data.x), classes: 2).balancedAccuracy > 0.9)
    }

    @Test func dualSolutionSatisfiesTheOptimalityConditions() throws {
        // Separable points: every margin y·f(x) ≥ 1 − ξ with small slack at the optimum of the squared hinge.
        let data = gaussianClasses(samples: 60, dimensions: 2, separation: 8, seed: 3)
        let fitted = try #require(try model.fit(data, parameters: ParameterValues(defaultsOf: LinearSVMModel.descriptor), seed: 0) as? FittedLinearSVM)
        let decisions = fitted.decisions(data.x).map { $0[0] }
        try #require(decisions.count == data.labels.count)
        let margins = zip(decisions, data.labels).map { $0 * ($1 == 1 ? 1 : -1) }
        #expect(margins.allSatisfy { $0 > 0.5 })
    }

    @Test func evaluationBeatsItsShuffledControl() throws {
        let data = gaussianClasses(samples: 240, dimensions: 5, separation: 2, animals: 8, animalSpread: 0.3, seed: 4)
        let result = try Evaluator(seed: 0).evaluate(model, parameters: ParameterValues(defaultsOf: LinearSVMModel.descriptor),
                                                     samples: data, protocol: .leaveOneAnimalOut, task: "sex")
        #expect(result.folds.count == 8)
        #expect(result.meanBalancedAccuracy > 0.75)
        #expect(abs(result.shuffledMeanBalancedAccuracy - 0.5) < 0.15)
        #expect(result.meanBalancedAccuracy > result.shuffledMeanBalancedAccuracy + 0.15)
    }
}

@Suite struct SVMRoundTripTests {
    @Test func exportedArraysRestoreTheSameModel() throws {
        let data = gaussianClasses(samples: 200, dimensions: 5, seed: 4)
        let parameters = try ParameterValues(defaultsOf: LinearSVMModel.descriptor)
        let fitted = try LinearSVMModel().fit(data, parameters: parameters, seed: 0)
        let restored = try LinearSVMModel().restore(fitted.exportArrays(), features: 5, classes: 2, parameters: parameters)
        #expect(restored.scores(data.x) == fitted.scores(data.x))
    }
}
