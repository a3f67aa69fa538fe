import Foundation
import Testing
import USVCore
import USVLearn
@testable import USVModelMLP
import USVTestSupport

@Suite struct FeatureMLPTests {
    let model = FeatureMLPModel()

    func parameters(_ overrides: [String: String] = [:]) throws -> ParameterValues {
        try ParameterValues(defaultsOf: FeatureMLPModel.descriptor, overrides: ["epochs-1": "15", "epochs-2": "5"].merging(overrides) { $1 })
    }

    @Test func learnsANonlinearBoundaryAndIsDeterministic() throws {
        #expect(checkPluginDescriptor(model) == [])
        // Class 1 inside a ring: no linear model separates it.
        var random = SeededRandom(seed: 9)
        var values: [Double] = [], labels: [Int] = []
        for _ in 0..<600 {
            let x = random.unit() * 4 - 2, y = random.unit() * 4 - 2
            values += [x, y]
            labels.append(x * x + y * y < 1.4 ? 1 : 0)
        }
        let samples = LabelledSamples(x: DesignMatrix(rows: 600, columns: 2, values: values), labels: labels, groups: labels.map { _ in 1 },
                                      classNames: ["out", "in"], featureNames: ["x", "y"], usvIDs: (0..<600).map { Int64($0) })
        let fitted = try model.fit(samples, parameters: parameters(), seed: 1)
        let score = ClassificationScore(truth: labels, predicted: fitted.predict(samples.x), classes: 2)
        // A ring: no linear boundary separates it.
        #expect(score.balancedAccuracy > 0.85, "\(score.balancedAccuracy)")
        let again = try model.fit(samples, parameters: parameters(), seed: 1)
        #expect(again.scores(samples.x) == fitted.scores(samples.x))
        let other = try model.fit(samples, parameters: parameters(), seed: 2)
        #expect(other.scores(samples.x) != fitted.scores(samples.x))
    }

    @Test func beatsItsShuffledControlUnderLeaveOneAnimalOut() throws {
        let data = gaussianClasses(samples: 320, dimensions: 6, separation: 2, animals: 8, animalSpread: 0.3, seed: 12)
        let result = try Evaluator(seed: 0).evaluate(model, parameters: parameters(), samples: data, protocol: .leaveOneAnimalOut, task: "sex")
        #expect(result.meanBalancedAccuracy > 0.75)
        #expect(result.meanBalancedAccuracy > result.shuffledMeanBalancedAccuracy + 0.15)
        #expect(throws: USVError.self) { try model.fit(data, parameters: parameters(["batch": "1"]), seed: 0) }
    }
}

@Suite struct MLPRoundTripTests {
    @Test func exportedArraysRestoreTheSameNetwork() throws {
        let data = gaussianClasses(samples: 200, dimensions: 5, seed: 6)
        let parameters = try ParameterValues(defaultsOf: FeatureMLPModel.descriptor, overrides: ["epochs-1": "3", "epochs-2": "2"])
        let fitted = try FeatureMLPModel().fit(data, parameters: parameters, seed: 0)
        let restored = try FeatureMLPModel().restore(fitted.exportArrays(), features: 5, classes: 2, parameters: parameters)
        #expect(restored.scores(data.x) == fitted.scores(data.x))
        #expect(fitted.scoresAreProbabilities)
        var missing = fitted.exportArrays()
        missing.removeValue(forKey: "layer1/running-mean")
        #expect(throws: USVError.self) { try FeatureMLPModel().restore(missing, features: 5, classes: 2, parameters: parameters) }
    }
}
