import Foundation
import USVCore

/// Two Gaussian classes in `dimensions` dimensions whose means differ by `separation` standard deviations
/// along the first `informative` dimensions, spread over `animals` animals with per-animal offsets.
public func gaussianClasses(samples: Int, dimensions: Int, informative: Int = 2, separation: Double = 2,
                            animals: Int = 6, animalSpread: Double = 0, seed: UInt64 = 1) -> LabelledSamples {
    var random = SplitMixTestRandom(seed: seed)
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

struct SplitMixTestRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
    mutating func normal() -> Double {
        let u = max(uniform(), 1e-300), v = uniform()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }
}
