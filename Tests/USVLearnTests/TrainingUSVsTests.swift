import Foundation
import Testing
import USVCore
@testable import USVLearn
import USVTestSupport

/// The model card's list of training USVs: compact runs that say which scored USVs a model was trained on, and a
/// card with many of them still fits the model file.
@Suite struct TrainingUSVsTests {
    @Test func idsAreStoredAsRunsAndFoundAgain() throws {
        let training = TrainingUSVs(catalog: "/c.sqlite", ids: [5, 1, 2, 3, 9, 10, 3, 12])
        #expect(training.ids == "1-3,5,9-10,12")
        #expect(try training.members(of: [1, 4, 5, 10, 11, 12, 99]) == [1, 5, 10, 12])
        #expect(TrainingUSVs(catalog: "c", ids: []).ids == "")
        #expect(throws: USVError.self) { try TrainingUSVs(catalog: "c", ids: []).with(ids: "3-1").members(of: [2]) }
        #expect(throws: USVError.self) { try TrainingUSVs(catalog: "c", ids: []).with(ids: "a-b").members(of: [2]) }
    }

    /// 40,000 scattered ids (a subsampled training set) in the card: written and read back.
    @Test func aCardWithManyTrainingUSVsFitsTheModelFile() throws {
        let directory = try TemporaryDirectory("card-usvs")
        defer { directory.remove() }
        var random = SplitMix64(seed: 3)
        let ids = (0..<40_000).map { _ in Int64(random.next() % 200_000) + 1 }
        let card = ModelCard(plugin: "model.ridge", pluginVersion: "1", task: "sex", classes: ["female", "male"], featureSource: "deposited",
                             features: ["duration"], parameters: [:], seed: 0, balance: "subsample", trainingSamples: ids.count,
                             trainingAnimals: [1, 2], dataSet: nil, dataSetRoot: nil, manifestSHA256: nil, trainingBalancedAccuracy: 0.5,
                             createdAt: Date(timeIntervalSince1970: 0), arrays: [], trainingUSVs: TrainingUSVs(catalog: "/c.sqlite", ids: ids))
        try ModelFile.write(directory.file("m.h5"), card: card, standardizer: Standardizer(means: [0], deviations: [1]), arrays: [:])
        let back = try ModelFile.read(directory.file("m.h5")).card
        #expect(back.trainingUSVs == card.trainingUSVs)
        #expect(try back.trainingUSVs?.members(of: Set(ids.prefix(10))).count == Set(ids.prefix(10)).count)
    }
}

extension TrainingUSVs {
    func with(ids text: String) -> TrainingUSVs {
        var copy = self
        copy.ids = text
        return copy
    }
}
