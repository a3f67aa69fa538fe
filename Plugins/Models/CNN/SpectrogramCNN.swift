import Foundation
import USVCore
import USVLearn

/// The paper's spectrogram CNN family: the same trunk (convolutions with kernels 10, 5, 3, 3, 3, 3 and strides
/// 2, 2, 1, 1, 1, 1, SAME padding, conv → batch norm → ReLU; three dense layers of 120 with batch norm, ReLU
/// and dropout) under a head per task, trained with Adam, batch 64 and the class-weighted loss through the
/// three-stage schedule (40 epochs at 1e-3 without dropout, 25 at 1e-4 with 0.5, 25 at 1e-5 with 0.7), on
/// `feature.dnn-input` images with a seeded augmentation. The members differ in their tasks only; every
/// hyper-parameter is a plugin parameter, and two presets fill the ones left at `preset`:
/// - `paper`: 256 filters per layer and the 40/25/25 epochs — the published network, exactly;
/// - `fast`: 8 filters and 2/1/1 epochs, each stage at least 300/100/50 Adam steps — the same shape at about
///   1/500 of the paper's multiply-adds; it trains on `usv synth --scale small` data in under a minute and
///   runs a leave-one-animal-out evaluation of the paper-scale twin's sex recordings in about an hour on two cores.
public protocol SpectrogramCNNModel: ModelPlugin {}

extension SpectrogramCNNModel {
    public static var inputs: [String] { ["image"] }
    public static var inputScaling: InputScaling { .global }

    public func fit(_ samples: LabelledSamples, parameters: ParameterValues, seed: UInt64) throws -> any FittedModel {
        let settings = try CNNSettings(parameters, features: samples.x.columns, classes: samples.classes)
        let (network, dropouts) = settings.architecture.build(seed: seed)
        let x = Batch(rows: samples.x.rows, columns: samples.x.columns, values: samples.x.values.map(Float.init))
        var random = SeededRandom(seed: seed ^ 0xC44_5EED)
        let augmentation = settings.augment ? ImageAugmentation(shape: settings.architecture.input) : nil
        LinearAlgebra.withThreads(settings.threads) {
            network.train(x, labels: samples.labels, loss: .classWeighted(labels: samples.labels, classes: samples.classes),
                          stages: settings.stages(forSamples: samples.labels.count), dropouts: dropouts, batchSize: settings.batch,
                          random: &random,
                          augment: augmentation.map { augmentation in { batch, random in augmentation.apply(to: &batch, random: &random) } })
        }
        return FittedNetwork(network: network, classes: samples.classes, threads: settings.threads)
    }

    public func restore(_ arrays: [String: NamedArray], features: Int, classes: Int, parameters: ParameterValues) throws -> any FittedModel {
        let settings = try CNNSettings(parameters, features: features, classes: classes)
        let (network, _) = settings.architecture.build(seed: 0)
        try network.restore(arrays)
        return FittedNetwork(network: network, classes: classes, threads: settings.threads)
    }

    /// The parameters every member shares.
    static func parameters() -> [PluginParameter] {
        [
            PluginParameter("preset", type: "fast|paper", default: "fast",
                            "fills the parameters left at 'preset': paper = 256 filters, 40/25/25 epochs; fast = 8 filters, 2/1/1 epochs of at least 300/100/50 steps"),
            PluginParameter("filters", type: "int|preset", default: "preset", "filters of every convolution"),
            PluginParameter("kernels", type: "list", default: "10,5,3,3,3,3", "kernel size per convolution"),
            PluginParameter("strides", type: "list", default: "2,2,1,1,1,1", "stride per convolution"),
            PluginParameter("dense", type: "list", default: "120,120,120", "units per dense layer"),
            PluginParameter("epochs", type: "list|preset", default: "preset", "epochs per training stage"),
            PluginParameter("minimum-steps", type: "list|preset", default: "preset",
                            "Adam steps each stage takes at least (its epochs are raised to reach them)"),
            PluginParameter("learning-rates", type: "list", default: "0.001,0.0001,0.00001", "Adam learning rate per stage"),
            PluginParameter("dropouts", type: "list", default: "0,0.5,0.7", "dropout of the dense layers per stage"),
            PluginParameter("batch", type: "int", default: "64", "mini-batch size"),
            PluginParameter("augment", type: "bool", default: "true",
                            "seeded augmentation of every training batch: time shift up to 10 %, gain 0.8-1.25, noise 0.05"),
            PluginParameter("height", type: "int", default: "100", "image height (frequency)"),
            PluginParameter("width", type: "int", default: "100", "image width (time)"),
            PluginParameter("threads", type: "int|preset", default: "preset", "BLAS threads (0: every core; fast 1, paper every core)"),
        ]
    }
}
