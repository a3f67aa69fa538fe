import Foundation
import USVCore
import USVLearn
import USVModelRidge
import USVModelSVM
import USVTestSupport

// usv-bench: timings of the learning engine for Benchmarks/run.sh, beside the Python peers in the same run.
//   usv-bench linear SAMPLES DIMENSIONS OUT_DIR   fit/predict ridge and the linear SVM; writes OUT_DIR/data.npz
//                                                 for Benchmarks/peers/sklearn_linear.py and OUT_DIR/usv.npz

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = Date()
    try body()
    return Date().timeIntervalSince(start)
}

let arguments = CommandLine.arguments
guard arguments.count == 5, arguments[1] == "linear", let samples = Int(arguments[2]), let dimensions = Int(arguments[3]) else {
    FileHandle.standardError.write(Data("usage: usv-bench linear SAMPLES DIMENSIONS OUT_DIR\n".utf8))
    exit(2)
}
let directory = arguments[4]
let testSamples = max(100, samples / 5)
let data = gaussianClasses(samples: samples + testSamples, dimensions: dimensions, informative: min(50, dimensions),
                           separation: 0.6, animals: 20, animalSpread: 0.2, seed: 1)
var training = data.selecting(Array(0..<samples))
let standardizer = Standardizer(fitting: training.x)
training.x = standardizer.apply(training.x)
let testing = standardizer.apply(data.x.selecting(rows: Array(samples..<(samples + testSamples))))
do {
    try makeDirectories(directory)
    try NumPyFiles.writeNPZ(FilePaths.join(directory, "data.npz"), [
        "train_x": (training.x.values, [training.x.rows, training.x.columns]),
        "train_y": (training.labels.map(Double.init), [training.labels.count]),
        "test_x": (testing.values, [testing.rows, testing.columns]),
        "lam": ([0.001], [1]),
    ])
    var ridge: (any FittedModel)?
    var svm: (any FittedModel)?
    let ridgeFit = try seconds { ridge = try RidgeClassifierModel().fit(training, parameters: ParameterValues(defaultsOf: RidgeClassifierModel.descriptor), seed: 0) }
    var ridgeScores: [Double] = []
    let ridgePredict = seconds { ridgeScores = ridge?.scores(testing) ?? [] }
    let svmFit = try seconds { svm = try LinearSVMModel().fit(training, parameters: ParameterValues(defaultsOf: LinearSVMModel.descriptor), seed: 0) }
    var svmScores: [Double] = []
    let svmPredict = seconds { svmScores = svm?.scores(testing) ?? [] }
    let ridgeOutput = stride(from: 1, to: ridgeScores.count, by: 2).map { ridgeScores[$0] + 0.5 }
    let svmOutput = stride(from: 1, to: svmScores.count, by: 2).map { svmScores[$0] }
    try NumPyFiles.writeNPZ(FilePaths.join(directory, "usv.npz"), [
        "ridge": (ridgeOutput, [ridgeOutput.count]), "svm": (svmOutput, [svmOutput.count]),
        "times": ([ridgeFit, ridgePredict, svmFit, svmPredict], [4]),
    ])
    print(String(format: "usv: ridge fit %.3f s predict %.3f s; svm fit %.3f s predict %.3f s", ridgeFit, ridgePredict, svmFit, svmPredict))
} catch {
    FileHandle.standardError.write(Data("usv-bench: \(error)\n".utf8))
    exit(1)
}
