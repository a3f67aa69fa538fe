import Foundation
import USVCore
import USVLearn
import USVModelRidge
import USVModelSVM
import USVTestSupport

// usv-bench: timings of the learning engine for Benchmarks/run.sh, beside the Python peers in the same run.
//   usv-bench linear SAMPLES DIMENSIONS OUT_DIR   fit/predict ridge and the linear SVM; writes OUT_DIR/data.npz
//                                                 for Benchmarks/peers/sklearn_linear.py and OUT_DIR/usv.npz
//   usv-bench detector-fidelity FIXTURES          the detectors on the real AMVOC recordings (DetectorFidelity.swift)
//   usv-bench cnn FILTERS BATCH THREADS TRAIN_BATCHES INFER_BATCHES
//                                                 training and inference images/s of the paper's CNN shape
//                                                 (100 × 100, kernels 10,5,3,3,3,3, strides 2,2,1,1,1,1, dense
//                                                 3 × 120) on random images, as Benchmarks/peers/tf_cnn_bench.py

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = Date()
    try body()
    return Date().timeIntervalSince(start)
}

/// Training and inference throughput of the CNN, printed as one JSON object (the peer prints the same keys).
func benchmarkCNN(filters: Int, batch: Int, threads: Int, trainBatches: Int, inferBatches: Int) {
    let architecture = ConvolutionalArchitecture(
        input: ImageShape(height: 100, width: 100, channels: 1),
        convolutions: zip([10, 5, 3, 3, 3, 3], [2, 2, 1, 1, 1, 1]).map { .init(filters: filters, kernel: $0, stride: $1) },
        dense: [120, 120, 120], classes: 2)
    let (network, dropouts) = architecture.build(seed: 0)
    for dropout in dropouts { dropout.rate = 0.5 }
    var random = SeededRandom(seed: 1)
    let batches = (0..<max(trainBatches, inferBatches)).map { _ in
        Batch(rows: batch, columns: 10_000, values: (0..<(batch * 10_000)).map { _ in Float(random.truncatedNormal()) })
    }
    let labels = (0..<batch).map { $0 % 2 }
    let loss = Loss.binaryCrossEntropy(positive: 1, negative: 1)
    var optimizer = Optimizer(.adam, learningRate: 1e-3)
    func step(_ input: Batch) {
        let (_, gradient) = loss.evaluate(network.forward(input, training: true), labels: labels)
        network.backward(gradient)
        optimizer.apply(to: network.parameters)
    }
    for index in 0..<2 { step(batches[index % batches.count]) }  // warm-up: buffers allocated once
    let train = seconds { for index in 0..<trainBatches { step(batches[index]) } }
    _ = network.forward(batches[0], training: false)
    let infer = seconds { for index in 0..<inferBatches { _ = network.forward(batches[index], training: false) } }
    let status = BLASKernelStatus.current
    print(String(format: "{\"train_images_per_s\": %.2f, \"infer_images_per_s\": %.2f, \"train_seconds\": %.3f, \"infer_seconds\": %.3f, "
        + "\"threads\": %d, \"filters\": %d, \"batch\": %d, \"multiply_adds_per_image\": %ld, ",
        Double(trainBatches * batch) / train, Double(inferBatches * batch) / infer, train, infer, threads, filters, batch,
        architecture.multiplyAdds) + "\"blas_kernels\": \"\(LinearAlgebra.blasCoreName)\", \"vector_kernels\": \"\(LinearAlgebra.hasVectorKernels ? "AVX2+FMA" : "off")\", "
        + "\"blas_chosen_by\": \"\(status.source.rawValue)\", \"blas_openblas_choice\": \"\(status.openBLASChoice ?? "")\"}")
}

// Before anything calls BLAS: the same kernel family as `usv` (a re-execution when OpenBLAS fell back to generic kernels).
BLASKernelStartup.run(tool: "usv-bench")

let arguments = CommandLine.arguments
if arguments.count == 3, arguments[1] == "detector-fidelity" {
    do { try benchmarkDetectorFidelity(fixtures: arguments[2]) } catch { print("usv-bench: \(error)"); exit(1) }
    exit(0)
}
if arguments.count == 7, arguments[1] == "cnn", let filters = Int(arguments[2]), let batch = Int(arguments[3]), let threads = Int(arguments[4]),
   let trainBatches = Int(arguments[5]), let inferBatches = Int(arguments[6]), trainBatches > 0, inferBatches > 0, batch > 1 {
    LinearAlgebra.withThreads(threads) {
        benchmarkCNN(filters: filters, batch: batch, threads: threads, trainBatches: trainBatches, inferBatches: inferBatches)
    }
    exit(0)
}
guard arguments.count == 5, arguments[1] == "linear", let samples = Int(arguments[2]), let dimensions = Int(arguments[3]) else {
    FileHandle.standardError.write(Data("usage: usv-bench linear SAMPLES DIMENSIONS OUT_DIR | usv-bench cnn FILTERS BATCH THREADS TRAIN_BATCHES INFER_BATCHES\n".utf8))
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
