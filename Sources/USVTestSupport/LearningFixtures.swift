import Foundation
import USVCore

/// Two Gaussian classes in `dimensions` dimensions whose means differ by `separation` standard deviations
/// along the first `informative` dimensions, spread over `animals` animals with per-animal offsets.
public func gaussianClasses(samples: Int, dimensions: Int, informative: Int = 2, separation: Double = 2,
                            animals: Int = 6, animalSpread: Double = 0, seed: UInt64 = 1) -> LabelledSamples {
    var random = SplitMix64(seed: seed)
    let offsets = (0..<animals).map { _ in (0..<dimensions).map { _ in random.normal() * animalSpread } }
    var values: [Double] = []
    var labels: [Int] = []
    var groups: [Int] = []
    for index in 0..<samples {
        let animal = index % animals
        let label = animal % 2
        for dimension in 0..<dimensions {
            let shift = dimension < informative ? (label == 1 ? separation / 2 : -separation / 2) : 0
            values.append(random.normal() + shift + offsets[animal][dimension])
        }
        labels.append(label)
        groups.append(animal + 1)
    }
    return LabelledSamples(x: DesignMatrix(rows: samples, columns: dimensions, values: values), labels: labels, groups: groups,
                           classNames: ["female", "male"], featureNames: (0..<dimensions).map { "f\($0)" },
                           usvIDs: (0..<samples).map { Int64($0 + 1) })
}
