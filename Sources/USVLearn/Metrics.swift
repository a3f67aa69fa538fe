import Foundation

/// Classification quality in the form of the paper: balanced accuracy (mean of per-class accuracies),
/// per-class accuracy and the confusion matrix.
public struct ClassificationScore: Codable, Sendable, Hashable {
    /// confusion[truth][prediction]
    public var confusion: [[Int]]

    public init(truth: [Int], predicted: [Int], classes: Int) {
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        for (actual, guess) in zip(truth, predicted) where actual < classes && guess < classes { confusion[actual][guess] += 1 }
        self.confusion = confusion
    }

    /// Accuracy within each class present (nil for classes absent from the truth).
    public var perClassAccuracy: [Double?] {
        confusion.enumerated().map { index, row in
            let total = row.reduce(0, +)
            return total > 0 ? Double(row[index]) / Double(total) : nil
        }
    }

    /// Mean of the per-class accuracies over the classes present. With one class present (a single animal's
    /// fold in leave-one-animal-out) this is that class's accuracy, as the paper reports per animal.
    public var balancedAccuracy: Double {
        let present = perClassAccuracy.compactMap { $0 }
        return present.isEmpty ? .nan : present.reduce(0, +) / Double(present.count)
    }

    public var accuracy: Double {
        let total = confusion.flatMap { $0 }.reduce(0, +)
        let right = confusion.indices.reduce(0) { $0 + confusion[$1][$1] }
        return total > 0 ? Double(right) / Double(total) : .nan
    }
}

/// Mean and sample standard deviation.
public func meanAndDeviation(_ values: [Double]) -> (mean: Double, deviation: Double) {
    let finite = values.filter(\.isFinite)
    guard !finite.isEmpty else { return (.nan, .nan) }
    let mean = finite.reduce(0, +) / Double(finite.count)
    guard finite.count > 1 else { return (mean, 0) }
    let variance = finite.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(finite.count - 1)
    return (mean, variance.squareRoot())
}
