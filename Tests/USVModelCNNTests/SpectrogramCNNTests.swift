import Foundation
import Testing
import USVCore
import USVLearn
@testable import USVModelCNN
import USVModelRidge
import USVModelSVM
import USVTestSupport

/// Spectrogram-like images of USVs: a tonal track rising or falling across a 32 × 32 image (height =
/// frequency), starting at a random time and near the animal's own base frequency (±2 rows). A male's calls
/// tremble (the track zigzags by ±1.5 rows from frame to frame) four times in five, a female's one time in
/// five. Where the call lies varies, so no pixel says "male": a linear model on the pixels is near chance
/// while a convolution finds the texture anywhere; the base frequency tells animals apart, so a random split (animals seen in training) can
/// beat leave-one-animal-out.
func syntheticCallImages(animals: Int, callsPerAnimal: Int, seed: UInt64) -> LabelledSamples {
    let side = 32
    var random = SeededRandom(seed: seed)
    var values: [Double] = [], labels: [Int] = [], groups: [Int] = []
    for animal in 0..<animals {
        let sex = animal % 2
        let base = 6 + random.below(14)
        for _ in 0..<callsPerAnimal {
            var image = [Double](repeating: 0, count: side * side)
            let jitter = random.below(5) - 2
            let start = 1 + random.below(8), length = 16 + random.below(8)
            let slope = (random.unit() - 0.5) * 0.5
            let trembles = random.unit() < (sex == 1 ? 0.8 : 0.2)
            for step in 0..<length {
                var row = Double(base + jitter) + slope * Double(step)
                if trembles { row += step % 2 == 0 ? 1.5 : -1.5 }
                let y = min(side - 1, max(0, Int(row.rounded()))), x = start + step
                guard x < side else { break }
                image[y * side + x] = 1
                if y + 1 < side { image[(y + 1) * side + x] = 0.4 }
            }
            values += image.map { $0 + 0.1 * random.truncatedNormal() }
            labels.append(sex)
            groups.append(animal + 1)
        }
    }
    return LabelledSamples(x: DesignMatrix(rows: labels.count, columns: side * side, values: values), labels: labels, groups: groups,
                           classNames: ["female", "male"], featureNames: (0..<(side * side)).map { "image[\($0)]" },
                           usvIDs: (0..<labels.count).map { Int64($0) })
}

@Suite struct SpectrogramCNNTests {
    /// A small member of the family for 32 × 32 images (the fast preset's shape is for 100 × 100).
    func parameters(_ overrides: [String: String] = [:]) throws -> ParameterValues {
        try ParameterValues(defaultsOf: CNNSexClassifier.descriptor, overrides: [
            "filters": "8", "kernels": "5,3,3", "strides": "2,1,1", "dense": "32,32", "epochs": "8,3,1", "minimum-steps": "0,0,0",
            "height": "32", "width": "32", "threads": "1", "batch": "16",
        ].merging(overrides) { $1 })
    }

    @Test func everyMemberConformsAndTheFamilyIsRegistered() throws {
        let members: [any ModelPlugin] = [CNNSexClassifier(), CNNStrainClassifier(), CNNAnimalClassifier(), CNNPropertyClassifier()]
        for member in members {
            #expect(checkPluginDescriptor(member) == [])
            let settings = try CNNSettings(try ParameterValues(defaultsOf: member.descriptor), features: 10_000, classes: 2)
            #expect(settings.architecture.convolutions.map(\.kernel) == [10, 5, 3, 3, 3, 3])
            #expect(settings.architecture.convolutions.map(\.stride) == [2, 2, 1, 1, 1, 1])
            #expect(settings.architecture.dense == [120, 120, 120])
            #expect(settings.batch == 64)
        }
        let paper = try CNNSettings(try ParameterValues(defaultsOf: CNNSexClassifier.descriptor, overrides: ["preset": "paper"]),
                                    features: 10_000, classes: 2)
        #expect(paper.architecture.convolutions.allSatisfy { $0.filters == 256 })
        #expect(paper.stages(forSamples: 100) == paper.stages)
        // The fast preset raises its 2/1/1 epochs to 300/100/50 steps on 640 samples (10 batches of 64).
        let fast = try CNNSettings(try ParameterValues(defaultsOf: CNNSexClassifier.descriptor), features: 10_000, classes: 2)
        #expect(fast.stages(forSamples: 640).map(\.epochs) == [30, 10, 5])
        #expect(fast.stages(forSamples: 64_000).map(\.epochs) == [2, 1, 1])
        #expect(paper.stages == [TrainingStage(epochs: 40, learningRate: 1e-3, dropout: 0), TrainingStage(epochs: 25, learningRate: 1e-4, dropout: 0.5),
                                 TrainingStage(epochs: 25, learningRate: 1e-5, dropout: 0.7)])
        // 100 × 100 → 50 → 25 → 25 … with 256 filters: 160,000 values into the first dense layer.
        let (network, dropouts) = paper.architecture.build(seed: 0)
        #expect((network.layers.compactMap { $0 as? Conv2D }.last?.output) == ImageShape(height: 25, width: 25, channels: 256))
        #expect(dropouts.count == 3)
        #expect(CNNAnimalClassifier.tasks == [.animal] && CNNStrainClassifier.tasks.contains(.genotype))
        #expect(throws: USVError.self) { try CNNSettings(try parameters(), features: 1000, classes: 2) }
        #expect(throws: USVError.self) { try CNNSettings(try parameters(["preset": "huge"]), features: 1024, classes: 2) }
        // A value that is not a number is an error, never silently the preset's or dropped from a list.
        #expect(throws: USVError.self) { try CNNSettings(try parameters(["filters": "many"]), features: 1024, classes: 2) }
        #expect(throws: USVError.self) { try CNNSettings(try parameters(["kernels": "5,x,3"]), features: 1024, classes: 2) }
        #expect(throws: USVError.self) { try CNNSettings(try parameters(["threads": "all"]), features: 1024, classes: 2) }
        // A fourth, broken stage must not vanish and leave three stages that match the other lists.
        #expect(throws: USVError.self) { try CNNSettings(try parameters(["epochs": "8,3,1,x"]), features: 1024, classes: 2) }
        #expect(throws: USVError.self) {
            try CNNSettings(try parameters(["learning-rates": "0.001,0.0001,0.00001,fast"]), features: 1024, classes: 2)
        }
        #expect(throws: USVError.self) { try CNNSettings(try parameters(["epochs": "8,3.5,1"]), features: 1024, classes: 2) }
    }

    @Test func beatsRidgeAndSVMUnderLeaveOneAnimalOutAndRandomSplitsScoreHigher() throws {
        let data = syntheticCallImages(animals: 10, callsPerAnimal: 40, seed: 1)
        let evaluator = Evaluator(seed: 0)
        let quick = try parameters()
        let cnn = try evaluator.evaluate(CNNSexClassifier(), parameters: quick, samples: data, protocol: .leaveOneAnimalOut, task: "sex")
        let ridge = try evaluator.evaluate(RidgeClassifierModel(), parameters: ParameterValues(defaultsOf: RidgeClassifierModel.descriptor),
                                           samples: data, protocol: .leaveOneAnimalOut, task: "sex")
        let svm = try evaluator.evaluate(LinearSVMModel(), parameters: ParameterValues(defaultsOf: LinearSVMModel.descriptor),
                                         samples: data, protocol: .leaveOneAnimalOut, task: "sex")
        let random = try evaluator.evaluate(CNNSexClassifier(), parameters: quick, samples: data,
                                            protocol: .randomKFold(folds: 4, seed: 0), task: "sex")
        print(String(format: "CNN on synthetic call images, leave-one-animal-out: %.3f (shuffled %.3f); ridge %.3f, SVM %.3f; random 4-fold %.3f",
                     cnn.meanBalancedAccuracy, cnn.shuffledMeanBalancedAccuracy, ridge.meanBalancedAccuracy, svm.meanBalancedAccuracy,
                     random.meanBalancedAccuracy))
        #expect(cnn.meanBalancedAccuracy > 0.6)  // the texture says the sex of 80 % of the calls
        #expect(cnn.meanBalancedAccuracy > max(ridge.meanBalancedAccuracy, svm.meanBalancedAccuracy) + 0.1)
        #expect(abs(cnn.shuffledMeanBalancedAccuracy - 0.5) < 0.15)
        #expect(random.meanBalancedAccuracy > cnn.meanBalancedAccuracy)
    }

    @Test func savedWeightsRestoreTheSameNetworkAndTrainingIsDeterministic() throws {
        let data = syntheticCallImages(animals: 4, callsPerAnimal: 30, seed: 2)
        let small = try parameters(["epochs": "2,1,1"])
        let fitted = try CNNSexClassifier().fit(data, parameters: small, seed: 5)
        let restored = try CNNSexClassifier().restore(fitted.exportArrays(), features: 1024, classes: 2, parameters: small)
        #expect(restored.scores(data.x) == fitted.scores(data.x))
        #expect(try CNNSexClassifier().fit(data, parameters: small, seed: 5).scores(data.x) == fitted.scores(data.x))
        var missing = fitted.exportArrays()
        missing.removeValue(forKey: "layer0/parameter0")
        #expect(throws: USVError.self) { try CNNSexClassifier().restore(missing, features: 1024, classes: 2, parameters: small) }
    }

    @Test func animalIdentityIsASoftmaxOverAnimals() throws {
        var data = syntheticCallImages(animals: 4, callsPerAnimal: 40, seed: 3)
        data.labels = data.groups.map { $0 - 1 }
        data.classNames = (1...4).map { "animal \($0)" }
        let fitted = try CNNAnimalClassifier().fit(data, parameters: parameters(["epochs": "6,2,1"]), seed: 0)
        #expect(fitted.classes == 4)
        let scores = fitted.scores(data.x)
        #expect(scores.count == data.labels.count * 4)
        #expect(abs(scores[0..<4].reduce(0, +) - 1) < 1e-5)
        // Each animal has its own base frequency: identity is learnable from the images.
        let accuracy = ClassificationScore(truth: data.labels, predicted: fitted.predict(data.x), classes: 4).balancedAccuracy
        #expect(accuracy > 0.6, "\(accuracy)")
    }
}

@Suite struct ImageAugmentationTests {
    @Test func shiftsInTimeScalesAndAddsNoiseReproducibly() {
        let shape = ImageShape(height: 4, width: 20, channels: 1)
        var image = [Float](repeating: 0, count: shape.count)
        for y in 0..<4 { image[y * 20 + 10] = 1 }  // a vertical line at time 10
        var batch = Batch(rows: 1, columns: shape.count, values: image)
        var random = SeededRandom(seed: 3)
        ImageAugmentation(shape: shape).apply(to: &batch, random: &random)
        // The line moved by at most 2 columns (a tenth of 20) and kept its shape; the rest is small noise.
        let column = (0..<20).max { batch.values[$0] < batch.values[$1] } ?? -1
        #expect(abs(column - 10) <= 2)
        #expect((0..<4).allSatisfy { batch.values[$0 * 20 + column] > 0.5 })
        #expect(batch.values.filter { abs($0) > 0.3 }.count == 4)
        var again = Batch(rows: 1, columns: shape.count, values: image)
        var same = SeededRandom(seed: 3)
        ImageAugmentation(shape: shape).apply(to: &again, random: &same)
        #expect(again == batch)
    }
}
