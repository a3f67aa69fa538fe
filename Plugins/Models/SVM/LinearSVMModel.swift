import USVCore
import USVLearn

/// A linear support vector machine trained by dual coordinate descent (Hsieh et al. 2008, the liblinear
/// method behind scikit-learn's LinearSVC): L2 penalty, squared hinge loss by default (or hinge), C = 1,
/// the bias learnt as an extra constant feature (as liblinear does, so it is lightly penalised), one
/// classifier per class against the rest for more than two classes. Deterministic for a seed (the order of
/// the coordinate sweeps).
public struct LinearSVMModel: ModelPlugin {
    public static let descriptor = PluginDescriptor(
        id: "model.linear-svm", version: "1.0.0", kind: .model,
        summary: "Linear SVM by dual coordinate descent (liblinear's method): squared hinge, C = 1, one-vs-rest",
        capabilities: ["train", "predict", "seeded"],
        parameters: [
            PluginParameter("c", type: "double", default: "1", "inverse regularisation strength"),
            PluginParameter("loss", type: "squared-hinge|hinge", default: "squared-hinge", "loss function"),
            PluginParameter("tolerance", type: "double", default: "0.0001", "stop when the projected gradient spread falls below this"),
            PluginParameter("max-iterations", type: "int", default: "1000", "sweeps over the data at most"),
        ])

    public static let tasks = ModelTask.allCases
    public static let inputs = ["scalar-features", "image"]

    public init() {}

    public func fit(_ samples: LabelledSamples, parameters: ParameterValues, seed: UInt64) throws -> any FittedModel {
        let c = try parameters.double("c")
        let tolerance = try parameters.double("tolerance")
        let iterations = try parameters.int("max-iterations")
        guard c > 0, tolerance > 0, iterations > 0 else { throw USVError.usage("c, tolerance and max-iterations must be positive") }
        let squared: Bool
        switch parameters["loss"] {
        case "squared-hinge": squared = true
        case "hinge": squared = false
        default: throw USVError.usage("loss must be squared-hinge or hinge")
        }
        let outputs = samples.classes == 2 ? 1 : samples.classes
        var weights: [[Double]] = []
        for output in 0..<outputs {
            let positive = samples.classes == 2 ? 1 : output
            let y = samples.labels.map { $0 == positive ? 1.0 : -1.0 }
            // Class balancing by weighting scales each sample's C, as liblinear's class weights do.
            let costs = samples.weights.map { $0.map { $0 * c } } ?? [Double](repeating: c, count: y.count)
            weights.append(Self.dualCoordinateDescent(samples.x, y: y, costs: costs, squared: squared, tolerance: tolerance,
                                                      iterations: iterations, seed: seed &+ UInt64(output)))
        }
        return FittedLinearSVM(weights: weights, classes: samples.classes)
    }

    public func restore(_ arrays: [String: NamedArray], features: Int, classes: Int, parameters: ParameterValues) throws -> any FittedModel {
        let outputs = classes == 2 ? 1 : classes
        let flat = try arrays.require("weights", count: outputs * (features + 1))
        return FittedLinearSVM(weights: (0..<outputs).map { Array(flat[($0 * (features + 1))..<(($0 + 1) * (features + 1))]) },
                               classes: classes)
    }

    /// Returns the weights with the bias as the last element.
    static func dualCoordinateDescent(_ x: DesignMatrix, y: [Double], costs: [Double], squared: Bool, tolerance: Double,
                                      iterations: Int, seed: UInt64) -> [Double] {
        let n = x.rows, d = x.columns
        // Per sample: the diagonal term of the squared hinge and the box of the hinge, from its C.
        let diagonals = costs.map { squared ? 1 / (2 * $0) : 0 }
        let uppers = costs.map { squared ? Double.infinity : $0 }
        var w = [Double](repeating: 0, count: d + 1)
        var alpha = [Double](repeating: 0, count: n)
        var norms = diagonals.map { 1 + $0 }
        var random = SeededRandom(seed: seed)
        var order = Array(0..<n)
        x.values.withUnsafeBufferPointer { values in
            w.withUnsafeMutableBufferPointer { weights in
                guard let base = values.baseAddress, let weight = weights.baseAddress else { return }
                for i in 0..<n {
                    let row = base + i * d
                    var sum = 0.0
                    for j in 0..<d { sum += row[j] * row[j] }
                    norms[i] += sum
                }
                // Coordinate sweeps with liblinear's shrinking: variables stuck at a bound leave the active
                // set until the remaining ones converge, then everything is checked once more.
                var active = n
                var largestBefore = Double.infinity, smallestBefore = -Double.infinity
                var sweeps = 0
                while sweeps < iterations {
                    var largest = -Double.infinity, smallest = Double.infinity
                    let shuffledActive = random.shuffled(Array(order[0..<active]))
                    order.replaceSubrange(0..<active, with: shuffledActive)
                    var position = 0
                    while position < active {
                        let i = order[position]
                        let row = base + i * d
                        var margin = weight[d]
                        for j in 0..<d { margin += weight[j] * row[j] }
                        let gradient = y[i] * margin - 1 + diagonals[i] * alpha[i]
                        let upper = uppers[i]
                        var projected = 0.0
                        if alpha[i] == 0 {
                            if gradient > largestBefore {
                                active -= 1
                                order.swapAt(position, active)
                                continue
                            }
                            if gradient < 0 { projected = gradient }
                        } else if alpha[i] == upper {
                            if gradient < smallestBefore {
                                active -= 1
                                order.swapAt(position, active)
                                continue
                            }
                            if gradient > 0 { projected = gradient }
                        } else {
                            projected = gradient
                        }
                        largest = max(largest, projected)
                        smallest = min(smallest, projected)
                        if abs(projected) > 1e-12 {
                            let old = alpha[i]
                            alpha[i] = min(max(old - gradient / norms[i], 0), upper)
                            let step = (alpha[i] - old) * y[i]
                            for j in 0..<d { weight[j] += step * row[j] }
                            weight[d] += step
                        }
                        position += 1
                    }
                    sweeps += 1
                    if largest - smallest <= tolerance {
                        if active == n { break }
                        active = n
                        largestBefore = .infinity
                        smallestBefore = -.infinity
                        continue
                    }
                    largestBefore = largest > 0 ? largest : .infinity
                    smallestBefore = smallest < 0 ? smallest : -.infinity
                }
            }
        }
        return w
    }
}

/// A trained linear SVM: decision values per class.
public struct FittedLinearSVM: FittedModel, Codable {
    public var weights: [[Double]]
    public var classes: Int

    public func exportArrays() -> [String: NamedArray] {
        ["weights": NamedArray(weights.flatMap { $0 }, shape: [weights.count, weights.first?.count ?? 0])]
    }

    public func decisions(_ x: DesignMatrix) -> [[Double]] {
        let columns = weights.map { w in LinearAlgebra.multiply(x, Array(w.prefix(x.columns))).map { $0 + w[x.columns] } }
        return (0..<x.rows).map { row in columns.map { $0[row] } }
    }

    public func scores(_ x: DesignMatrix) -> [Double] {
        decisions(x).flatMap { value in classes == 2 ? [-value[0], value[0]] : value }
    }
}
