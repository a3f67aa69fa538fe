import Foundation
import Testing
import USVCore
import USVLearn
import USVModelRidge
import USVModelSVM
import USVTestSupport

/// Ridge and the linear SVM against scikit-learn on the same standardised data.
@Suite struct ScikitLearnParityTests {
    @Test(.enabled(if: PythonPeers.available(), "needs scikit-learn (Benchmarks/peers/setup.sh)"))
    func ridgeEqualsSklearnAndSVMMatchesLinearSVC() throws {
        let python = try PythonPeers.python()
        let data = gaussianClasses(samples: 600, dimensions: 20, informative: 4, separation: 1.5, animals: 10, animalSpread: 0.5, seed: 8)
        let train = Array(0..<400), test = Array(400..<600)
        var training = data.selecting(train)
        let standardizer = Standardizer(fitting: training.x)
        training.x = standardizer.apply(training.x)
        let testing = standardizer.apply(data.x.selecting(rows: test))

        let directory = try TemporaryDirectory("parity")
        defer { directory.remove() }
        try NumPyFiles.writeNPZ(directory.file("data.npz"), [
            "train_x": (training.x.values, [training.x.rows, training.x.columns]),
            "train_y": (training.labels.map(Double.init), [training.labels.count]),
            "test_x": (testing.values, [testing.rows, testing.columns]),
            "lam": ([0.001], [1]),
        ])
        _ = try runPeer(python, script: "sklearn_linear.py", arguments: [directory.file("data.npz"), directory.file("out.npz")])
        let peer = try NumPyFiles.readNPZ(directory.file("out.npz"))

        let ridge = try #require(try RidgeClassifierModel().fit(training, parameters: ParameterValues(defaultsOf: RidgeClassifierModel.descriptor),
                                                                 seed: 0) as? FittedRidge)
        let ours = ridge.outputs(testing).map { $0[0] }
        let theirs = try #require(peer["ridge"])
        #expect(ours.count == theirs.count)
        let worst = zip(ours, theirs).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst < 1e-4, "ridge differs from sklearn by \(worst)")

        let svm = try LinearSVMModel().fit(training, parameters: ParameterValues(defaultsOf: LinearSVMModel.descriptor), seed: 0)
        let truth = test.map { data.labels[$0] }
        let ourAccuracy = ClassificationScore(truth: truth, predicted: svm.predict(testing), classes: 2).balancedAccuracy
        let sklearnPredictions = try #require(peer["svm"]).map { $0 > 0 ? 1 : 0 }
        let theirAccuracy = ClassificationScore(truth: truth, predicted: sklearnPredictions, classes: 2).balancedAccuracy
        print(String(format: "balanced accuracy: usv SVM %.4f, LinearSVC %.4f; ridge max |Δ| %.2e", ourAccuracy, theirAccuracy, worst))
        #expect(abs(ourAccuracy - theirAccuracy) <= 0.01)
    }
}
