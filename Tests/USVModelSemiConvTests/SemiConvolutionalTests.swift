import Foundation
import Testing
import USVCore
import USVLearn
@testable import USVModelSemiConv
import USVTestSupport

/// Scalars plus two 24-point vectors: the class is carried by a bump at a random place in one vector (a
/// convolution finds it anywhere) and weakly by one scalar.
func vectorsBesideScalars(samples: Int, seed: UInt64) -> LabelledSamples {
    var random = SeededRandom(seed: seed)
    var values: [Double] = [], labels: [Int] = []
    // Columns in the catalog's order: names sorted, vectors by index.
    let names = ["a-scalar"] + (0..<24).map { "line[\($0)]" } + (0..<24).map { "marginal[\($0)]" } + ["z-scalar"]
    for _ in 0..<samples {
        let label = random.below(2)
        var line = (0..<24).map { _ in 0.2 * random.truncatedNormal() }
        let marginal = (0..<24).map { _ in 0.2 * random.truncatedNormal() }
        if label == 1 {
            let at = 2 + random.below(20)
            for offset in -1...1 { line[at + offset] += offset == 0 ? 1.5 : 0.7 }
        }
        values += [random.truncatedNormal() + 0.3 * Double(label)] + line + marginal + [random.truncatedNormal()]
        labels.append(label)
    }
    return LabelledSamples(x: DesignMatrix(rows: samples, columns: names.count, values: values), labels: labels,
                           groups: (0..<samples).map { $0 % 6 + 1 }, classNames: ["female", "male"], featureNames: names,
                           usvIDs: (0..<samples).map { Int64($0) })
}

@Suite struct SemiConvolutionalTests {
    let model = SemiConvolutionalModel()

    func parameters() throws -> ParameterValues {
        try ParameterValues(defaultsOf: SemiConvolutionalModel.descriptor, overrides: ["epochs": "15,5"])
    }

    @Test func layoutGroupsVectorsBeforeScalars() {
        let layout = InputLayout(featureNames: ["b", "v[1]", "v[0]", "a", "w[0]", "w[1]", "w[2]"])
        #expect(layout.vectorLengths == [2, 3])
        #expect(layout.order == [2, 1, 4, 5, 6, 0, 3])
        #expect(layout.scalars == 2)
    }

    @Test func findsAPatternAnywhereInAVectorAndRestores() throws {
        #expect(checkPluginDescriptor(model) == [])
        let data = vectorsBesideScalars(samples: 600, seed: 4)
        let train = data.selecting(Array(0..<450)), test = Array(450..<600)
        let fitted = try model.fit(train, parameters: parameters(), seed: 0)
        let testing = data.x.selecting(rows: test)
        let accuracy = ClassificationScore(truth: test.map { data.labels[$0] }, predicted: fitted.predict(testing), classes: 2).balancedAccuracy
        print(String(format: "semiconv on a bump anywhere in a vector: held-out balanced accuracy %.3f", accuracy))
        #expect(accuracy > 0.85)
        let restored = try model.restore(fitted.exportArrays(), features: data.x.columns, classes: 2, parameters: parameters())
        #expect(restored.scores(testing) == fitted.scores(testing))
        let scalarsOnly = LabelledSamples(x: DesignMatrix(rows: 2, columns: 1, values: [0, 1]), labels: [0, 1], groups: [1, 2],
                                          classNames: ["f", "m"], featureNames: ["duration"], usvIDs: [1, 2])
        #expect(throws: USVError.self) { try model.fit(scalarsOnly, parameters: parameters(), seed: 0) }
    }
}
