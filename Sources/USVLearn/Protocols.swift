import USVCore

/// How samples are split into training and test sets.
public enum EvaluationProtocol: Sendable, Hashable, Codable {
    /// Leave one animal out: each fold tests all USVs of one animal (the paper's primary protocol).
    case leaveOneAnimalOut
    /// Random k-fold over USVs with a seed: the same animals appear in training and test.
    case randomKFold(folds: Int, seed: UInt64)
    /// Train on every other animal, test on these.
    case heldOutAnimals([Int])

    public var name: String {
        switch self {
        case .leaveOneAnimalOut: return "loao"
        case .randomKFold(let folds, let seed): return "kfold-\(folds)-seed\(seed)"
        case .heldOutAnimals(let animals): return "heldout-" + animals.map(String.init).joined(separator: ",")
        }
    }
}

/// One train/test split.
public struct Fold: Sendable, Hashable {
    public var name: String
    public var train: [Int]
    public var test: [Int]
}

extension EvaluationProtocol {
    /// The folds over `samples` (indices into them). Animal-wise protocols never put a test animal's USVs
    /// into training.
    public func folds(for samples: LabelledSamples) throws -> [Fold] {
        let indices = Array(0..<samples.labels.count)
        switch self {
        case .leaveOneAnimalOut:
            return Set(samples.groups).sorted().map { animal in
                Fold(name: samples.groupName(animal), train: indices.filter { samples.groups[$0] != animal },
                     test: indices.filter { samples.groups[$0] == animal })
            }
        case .randomKFold(let count, let seed):
            guard count >= 2, count <= indices.count else { throw USVError.usage("k-fold needs 2 ≤ k ≤ \(indices.count), got \(count)") }
            var random = SeededRandom(seed: seed)
            let order = random.shuffled(indices)
            return (0..<count).map { fold in
                let test = order.enumerated().filter { $0.offset % count == fold }.map(\.element).sorted()
                let testSet = Set(test)
                return Fold(name: "fold \(fold + 1)", train: indices.filter { !testSet.contains($0) }, test: test)
            }
        case .heldOutAnimals(let animals):
            let held = Set(animals)
            let unknown = held.subtracting(samples.groups)
            guard unknown.isEmpty else { throw USVError.usage("no USVs of animals \(unknown.sorted()) to hold out") }
            return [Fold(name: "held out \(animals)", train: indices.filter { !held.contains(samples.groups[$0]) },
                         test: indices.filter { held.contains(samples.groups[$0]) })]
        }
    }
}

/// A small seeded generator (SplitMix64) for shuffles, subsampling and label permutations: the same seed
/// gives the same stream on every machine.
public struct SeededRandom: Sendable {
    private var generator: SplitMix64

    public init(seed: UInt64) { generator = SplitMix64(seed: seed ^ 0x5DEE_CE66_D1CE_4E5B) }

    public mutating func next() -> UInt64 { generator.next() }

    /// Uniform integer in 0..<bound.
    public mutating func below(_ bound: Int) -> Int { bound <= 1 ? 0 : Int(next() % UInt64(bound)) }

    /// Fisher–Yates shuffle.
    public mutating func shuffled<T>(_ values: [T]) -> [T] {
        var copy = values
        for index in stride(from: copy.count - 1, to: 0, by: -1) { copy.swapAt(index, below(index + 1)) }
        return copy
    }
}

/// How training sets are balanced between classes.
public enum ClassBalance: String, Sendable, Codable, CaseIterable {
    /// Every class subsampled to the smallest class's size, as in the paper.
    case subsample
    /// All samples kept, weighted by inverse class frequency (ridge: weighted least squares; SVM: per-sample
    /// C; the MLP's loss is class-weighted in any case).
    case weight
    /// All samples, unweighted.
    case none

    /// The training indices and samples to fit on.
    public func apply(_ indices: [Int], to samples: LabelledSamples, seed: UInt64) -> LabelledSamples {
        switch self {
        case .subsample: return samples.selecting(balancedBySubsampling(indices, labels: samples.labels, seed: seed))
        case .none: return samples.selecting(indices)
        case .weight:
            var selected = samples.selecting(indices)
            selected.weights = selected.classBalancingWeights
            return selected
        }
    }
}

/// Training-set balancing as in the paper: every class subsampled to the smallest class's size.
public func balancedBySubsampling(_ indices: [Int], labels: [Int], seed: UInt64) -> [Int] {
    let byClass = Dictionary(grouping: indices) { labels[$0] }
    guard let smallest = byClass.values.map(\.count).min(), smallest > 0 else { return indices }
    var random = SeededRandom(seed: seed)
    return byClass.keys.sorted().flatMap { label in Array(random.shuffled(byClass[label] ?? []).prefix(smallest)) }.sorted()
}
