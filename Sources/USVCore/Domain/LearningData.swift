/// A dense row-major matrix of Doubles: one row per sample (USV), one column per feature.
public struct DesignMatrix: Sendable, Equatable {
    public var rows: Int
    public var columns: Int
    public var values: [Double]

    public init(rows: Int, columns: Int, values: [Double]) {
        precondition(values.count == rows * columns, "DesignMatrix: \(values.count) values for \(rows) × \(columns)")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    public subscript(row: Int, column: Int) -> Double { values[row * columns + column] }

    /// The rows at `indices`, in that order.
    public func selecting(rows indices: [Int]) -> DesignMatrix {
        var picked: [Double] = []
        picked.reserveCapacity(indices.count * columns)
        for index in indices { picked += values[(index * columns)..<((index + 1) * columns)] }
        return DesignMatrix(rows: indices.count, columns: columns, values: picked)
    }
}

/// Samples with class labels (0 … classes − 1) and groups (the animal of each sample, for leave-one-animal-out).
public struct LabelledSamples: Sendable {
    public var x: DesignMatrix
    public var labels: [Int]
    public var groups: [Int]
    public var classNames: [String]
    public var featureNames: [String]
    /// Catalog ids of the samples' USVs.
    public var usvIDs: [Int64]
    /// Per-sample weights (nil: all 1), e.g. inverse class frequencies to balance classes by weighting.
    public var weights: [Double]?
    /// How people name each group (animal): "Rfem01 (female)" for data-set animal 1. Reports use it, so an
    /// animal has one identity everywhere (the names `usv ls` shows); ids without a name fall back to "animal N".
    public var groupNames: [Int: String] = [:]
    /// What the selection held and why some of it is not here (nil when the samples were not read from a catalog).
    public var selection: SelectionSummary?

    /// The name of group `group` for reports: its name with its data-set id, or "animal N".
    public func groupName(_ group: Int) -> String {
        groupNames[group].map { "\($0), id \(group)" } ?? "animal \(group)"
    }

    public init(x: DesignMatrix, labels: [Int], groups: [Int], classNames: [String], featureNames: [String], usvIDs: [Int64],
                weights: [Double]? = nil) {
        self.x = x
        self.labels = labels
        self.groups = groups
        self.classNames = classNames
        self.featureNames = featureNames
        self.usvIDs = usvIDs
        self.weights = weights
    }

    /// n / (classes · n_class) for each sample: every class then weighs the same in total.
    public var classBalancingWeights: [Double] {
        let counts = Dictionary(grouping: labels, by: { $0 }).mapValues(\.count)
        return labels.map { Double(labels.count) / (Double(max(1, counts.count)) * Double(counts[$0] ?? 1)) }
    }

    public var classes: Int { classNames.count }

    public func selecting(_ indices: [Int]) -> LabelledSamples {
        LabelledSamples(x: x.selecting(rows: indices), labels: indices.map { labels[$0] }, groups: indices.map { groups[$0] },
                        classNames: classNames, featureNames: featureNames, usvIDs: indices.map { usvIDs[$0] },
                        weights: weights.map { all in indices.map { all[$0] } })
    }
}

/// A named array of a trained model (weights, biases, running statistics), row-major with its shape.
public struct NamedArray: Sendable, Equatable {
    public var values: [Double]
    public var shape: [Int]

    public init(_ values: [Double], shape: [Int]) {
        self.values = values
        self.shape = shape
    }
}

/// A trained classifier: scores per class for new samples.
public protocol FittedModel: Sendable {
    /// One score per class for each row (larger = more likely); row-major rows × classes.
    func scores(_ x: DesignMatrix) -> [Double]
    var classes: Int { get }
    /// Everything needed to restore the model (with the plugin's `restore`), by name.
    func exportArrays() -> [String: NamedArray]
    /// True when `scores` are class probabilities (a softmax or sigmoid output), not just decision values.
    var scoresAreProbabilities: Bool { get }
}

extension FittedModel {
    public var scoresAreProbabilities: Bool { false }
}

extension FittedModel {
    /// The class with the largest score, per row.
    public func predict(_ x: DesignMatrix) -> [Int] {
        let all = scores(x)
        return (0..<x.rows).map { row in
            let slice = all[(row * classes)..<((row + 1) * classes)]
            return slice.indices.max { all[$0] < all[$1] }.map { $0 - row * classes } ?? 0
        }
    }
}

/// How a catalog selection became samples: how many USVs the filter selected and why the others were left out,
/// so that no command subsets silently.
public struct SelectionSummary: Sendable, Codable, Hashable {
    /// USVs the filter (and the feature source) selected.
    public var selected: Int
    /// Of those, left out for lack of one or more feature values.
    public var withoutFeatures: Int
    /// … for lack of a label for the task (no sex, no annotation, not a strain recording).
    public var withoutLabel: Int
    /// … for lack of an animal.
    public var withoutAnimal: Int

    public init(selected: Int, withoutFeatures: Int, withoutLabel: Int, withoutAnimal: Int) {
        self.selected = selected
        self.withoutFeatures = withoutFeatures
        self.withoutLabel = withoutLabel
        self.withoutAnimal = withoutAnimal
    }

    public var leftOut: Int { withoutFeatures + withoutLabel + withoutAnimal }
}

extension LabelledSamples {
    /// "used 308 USVs of 6 animals (154 female, 154 male); left out 26 of the 334 selected: 26 without complete
    /// deposited features" — what a command used and what it left out, for stderr.
    public func usageLine(features: String, task: String) -> String {
        let perClass = classNames.indices.map { label in "\(labels.filter { $0 == label }.count) \(classNames[label])" }
        var line = "used \(labels.count) USVs of \(Set(groups).count) animals (" + perClass.joined(separator: ", ") + ")"
        guard let selection, selection.leftOut > 0 else { return line + (selection == nil ? "" : "; nothing left out") }
        var reasons: [String] = []
        if selection.withoutFeatures > 0 { reasons.append("\(selection.withoutFeatures) without complete \(features) features") }
        if selection.withoutLabel > 0 { reasons.append("\(selection.withoutLabel) without a \(task) label") }
        if selection.withoutAnimal > 0 { reasons.append("\(selection.withoutAnimal) without an animal") }
        line += "; left out \(selection.leftOut) of the \(selection.selected) selected: " + reasons.joined(separator: ", ")
        return line
    }
}
