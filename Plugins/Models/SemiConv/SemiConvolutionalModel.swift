import Foundation
import USVCore
import USVLearn

/// The paper's semi-convolutional network (its architecture is not published; this is ours): every
/// fixed-length vector among the inputs (`feature.spectral-vectors`: spectral line, time and frequency
/// marginals resampled to 100 points, and the raw frequency marginal of 233 rows) goes through its own 1-D
/// convolutional branch — conv 5 × 8 → batch norm →
/// ReLU → max-pool 2 → conv 5 × 16 → batch norm → ReLU → max-pool 2 → dense `branch-units` — and the scalar
/// features (`feature.extended-24`) pass through unchanged; the concatenation feeds `layers` dense layers of
/// `hidden` units (batch norm, ReLU, dropout) and the output. Trained like the features MLP: Adam, batch 64,
/// class-weighted loss, stages 30 epochs at 1e-3 without dropout then 15 at 1e-4 with 0.5.
/// Train it on `--features feature.extended-24+feature.spectral-vectors`.
public struct SemiConvolutionalModel: ModelPlugin {
    public static let descriptor = PluginDescriptor(
        id: "model.semiconv-sex", version: "1.0.0", kind: .model,
        summary: "Semi-convolutional network: 1-D conv branches over the spectral line and marginals beside the scalar features",
        capabilities: ["train", "predict", "seeded", "gradient-checked"],
        parameters: [
            PluginParameter("filters", type: "list", default: "8,16", "filters of the two 1-D convolutions of each branch"),
            PluginParameter("kernel", type: "int", default: "5", "1-D kernel size"),
            PluginParameter("branch-units", type: "int", default: "32", "dense units closing each vector branch"),
            PluginParameter("hidden", type: "int", default: "64", "units of the dense layers after the concatenation"),
            PluginParameter("layers", type: "int", default: "2", "dense layers after the concatenation"),
            PluginParameter("epochs", type: "list", default: "30,15", "epochs per training stage"),
            PluginParameter("learning-rates", type: "list", default: "0.001,0.0001", "Adam learning rate per stage"),
            PluginParameter("dropouts", type: "list", default: "0,0.5", "dropout per stage"),
            PluginParameter("batch", type: "int", default: "64", "mini-batch size"),
        ])

    public static let tasks = ModelTask.allCases
    public static let inputs = ["scalar-features", "vectors"]

    public init() {}

    public func fit(_ samples: LabelledSamples, parameters: ParameterValues, seed: UInt64) throws -> any FittedModel {
        let layout = InputLayout(featureNames: samples.featureNames)
        guard !layout.vectorLengths.isEmpty else {
            throw USVError.usage("semiconv-sex needs vector inputs: train on --features feature.extended-24+feature.spectral-vectors")
        }
        let (network, dropouts) = try Self.network(layout, classes: samples.classes, parameters: parameters, seed: seed)
        let stages = try TrainingStage.stages(parameters)
        let batch = try parameters.int("batch")
        guard batch > 1 else { throw USVError.usage("semiconv-sex: batch must be at least 2") }
        let x = layout.reordered(samples.x)
        var random = SeededRandom(seed: seed ^ 0x5E31_C0DE)
        LinearAlgebra.withThreads(1) {
            network.train(Batch(rows: x.rows, columns: x.columns, values: x.values.map(Float.init)), labels: samples.labels,
                          loss: .classWeighted(labels: samples.labels, classes: samples.classes), stages: stages, dropouts: dropouts,
                          batchSize: batch, random: &random)
        }
        return FittedSemiConvolutional(network: FittedNetwork(network: network, classes: samples.classes), layout: layout)
    }

    public func restore(_ arrays: [String: NamedArray], features: Int, classes: Int, parameters: ParameterValues) throws -> any FittedModel {
        let order = try arrays.require("input/order", count: features).map { Int($0) }
        let lengths = (arrays["input/vector-lengths"]?.values ?? []).map { Int($0) }
        let layout = InputLayout(order: order, vectorLengths: lengths)
        guard Set(order) == Set(0..<features) else { throw USVError.unusable(path: "model file", reason: "input/order is not a permutation") }
        let (network, _) = try Self.network(layout, classes: classes, parameters: parameters, seed: 0)
        try network.restore(arrays)
        return FittedSemiConvolutional(network: FittedNetwork(network: network, classes: classes), layout: layout)
    }

    static func network(_ layout: InputLayout, classes: Int, parameters: ParameterValues, seed: UInt64) throws -> (Sequential, [Dropout]) {
        let filters = try parameters.intList("filters")
        let kernel = try parameters.int("kernel"), branchUnits = try parameters.int("branch-units")
        let hidden = try parameters.int("hidden"), depth = try parameters.int("layers")
        guard !filters.isEmpty, filters.allSatisfy({ $0 > 0 }), kernel > 0, branchUnits > 0, hidden > 0, depth >= 0 else {
            throw USVError.usage("semiconv-sex: filters, kernel, branch-units and hidden must be positive, layers ≥ 0")
        }
        var random = SeededRandom(seed: seed)
        var branches: [Branches.Branch] = []
        for length in layout.vectorLengths {
            var layers: [any Layer] = []
            var shape = ImageShape(height: 1, width: length, channels: 1)
            for count in filters {
                let convolution = Conv2D(input: shape, filters: count, kernel: (1, kernel), stride: (1, 1), bias: false, random: &random)
                let pooling = Pooling2D(.max, input: convolution.output, window: (1, shape.width >= 4 ? 2 : 1))
                layers += [convolution, BatchNormalization(count, fusedReLU: true), pooling]
                shape = pooling.output
            }
            layers.append(Dense(shape.count, branchUnits, random: &random))
            branches.append(Branches.Branch(columns: length, network: Sequential(layers), outputs: branchUnits))
        }
        if layout.scalars > 0 { branches.append(Branches.Branch(columns: layout.scalars, network: Sequential([]), outputs: layout.scalars)) }
        let concatenation = Branches(branches)
        var layers: [any Layer] = [concatenation]
        let dropouts = ClassifierHead.append(to: &layers, inputs: concatenation.outputs, hidden: Array(repeating: hidden, count: depth),
                                             classes: classes, seed: seed, random: &random)
        return (Sequential(layers), dropouts)
    }
}

/// Where the inputs go: columns reordered so that each vector (`name[0]`, `name[1]`, … in the feature
/// names) is one contiguous block, the scalars after them.
struct InputLayout {
    var order: [Int]
    var vectorLengths: [Int]
    var scalars: Int { order.count - vectorLengths.reduce(0, +) }

    init(order: [Int], vectorLengths: [Int]) {
        self.order = order
        self.vectorLengths = vectorLengths
    }

    init(featureNames: [String]) {
        var vectors: [String: [(index: Int, column: Int)]] = [:]
        var scalarColumns: [Int] = []
        for (column, name) in featureNames.enumerated() {
            if name.hasSuffix("]"), let open = name.lastIndex(of: "["),
               let index = Int(name[name.index(after: open)..<name.index(before: name.endIndex)]) {
                vectors[String(name[..<open]), default: []].append((index, column))
            } else {
                scalarColumns.append(column)
            }
        }
        let names = vectors.keys.sorted()
        order = names.flatMap { name in (vectors[name] ?? []).sorted { $0.index < $1.index }.map(\.column) } + scalarColumns
        vectorLengths = names.map { vectors[$0]?.count ?? 0 }
    }

    func reordered(_ x: DesignMatrix) -> DesignMatrix {
        var values = [Double](repeating: 0, count: x.rows * order.count)
        for row in 0..<x.rows {
            for (target, source) in order.enumerated() { values[row * order.count + target] = x.values[row * x.columns + source] }
        }
        return DesignMatrix(rows: x.rows, columns: order.count, values: values)
    }
}

/// A trained semi-convolutional network: the layout travels with the weights.
public struct FittedSemiConvolutional: FittedModel {
    let network: FittedNetwork
    let layout: InputLayout
    public var classes: Int { network.classes }
    public var scoresAreProbabilities: Bool { true }

    public func scores(_ x: DesignMatrix) -> [Double] { network.scores(layout.reordered(x)) }

    public func exportArrays() -> [String: NamedArray] {
        var arrays = network.exportArrays()
        arrays["input/order"] = NamedArray(layout.order.map(Double.init), shape: [layout.order.count])
        arrays["input/vector-lengths"] = NamedArray(layout.vectorLengths.map(Double.init), shape: [layout.vectorLengths.count])
        return arrays
    }
}
