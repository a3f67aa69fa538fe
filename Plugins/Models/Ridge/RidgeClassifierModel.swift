import Foundation
import USVCore
import USVLearn

/// Ridge regression used as a classifier, as in the paper: least squares on one-hot class targets with an
/// L2 penalty λ (default 0.001) and an unpenalised intercept, closed form in double precision — the primal
/// normal equations (XᵀX + λI)w = Xᵀy when there are fewer features than samples, else the dual form
/// w = Xᵀ(XXᵀ + λI)⁻¹y — solved by Cholesky. Two classes: male when the regression output exceeds the
/// threshold (default 0.5).
public struct RidgeClassifierModel: ModelPlugin {
    public static let descriptor = PluginDescriptor(
        id: "model.ridge", version: "1.0.0", kind: .model,
        summary: "Ridge regression classifier (closed form, Cholesky; primal or dual), λ = 0.001, threshold 0.5",
        capabilities: ["train", "predict", "closed-form"],
        parameters: [
            PluginParameter("lambda", type: "double", default: "0.001", "L2 penalty on the weights"),
            PluginParameter("threshold", type: "double", default: "0.5", "two classes: class 1 when the output exceeds this"),
        ])

    public static let tasks = ModelTask.allCases
    public static let inputs = ["scalar-features", "image"]

    public init() {}

    public func fit(_ samples: LabelledSamples, parameters: ParameterValues, seed: UInt64) throws -> any FittedModel {
        let lambda = try parameters.double("lambda")
        let threshold = try parameters.double("threshold")
        guard lambda >= 0 else { throw USVError.usage("lambda must be ≥ 0") }
        // The Gram matrix and the Cholesky factorisation are BLAS 3: let OpenBLAS use every core.
        return try LinearAlgebra.withThreads(ProcessInfo.processInfo.activeProcessorCount) {
            try Self.solve(samples, lambda: lambda, threshold: threshold)
        }
    }

    /// Ridge in closed form: the primal normal equations, or the dual when there are more features than samples.
    static func solve(_ samples: LabelledSamples, lambda: Double, threshold: Double) throws -> FittedRidge {
        let x = samples.x
        let n = x.rows, d = x.columns
        guard n > 0, d > 0 else { throw USVError.unusable(path: "ridge", reason: "no training samples") }
        // Centring X and the targets makes the intercept the means' difference, unpenalised. In the primal the
        // centred Gram matrix is XᵀX − n·μμᵀ and Xcᵀyc = Xᵀyc (Σ yc = 0), so X is never copied; the dual needs
        // the centred rows themselves.
        // Sample weights (class balancing by weighting) make it weighted least squares: weighted means, and
        // rows scaled by √w after centring.
        let sampleWeights = samples.weights
        let means = sampleWeights.map { Self.columnMeans(x, weights: $0) } ?? Self.columnMeans(x)
        let primal = d <= n
        let xc: DesignMatrix
        if primal && sampleWeights == nil {
            xc = x
        } else {
            var centred = x.values
            centred.withUnsafeMutableBufferPointer { values in
                for row in 0..<n {
                    let scale = sampleWeights.map { $0[row].squareRoot() } ?? 1
                    for column in 0..<d { values[row * d + column] = (values[row * d + column] - means[column]) * scale }
                }
            }
            xc = DesignMatrix(rows: n, columns: d, values: centred)
        }
        let outputs = samples.classes == 2 ? 1 : samples.classes
        var weights: [[Double]] = []
        var intercepts: [Double] = []
        let system: [Double] = {
            var s = primal ? LinearAlgebra.gram(xc) : LinearAlgebra.outerGram(xc)
            let size = primal ? d : n
            s.withUnsafeMutableBufferPointer { values in
                if primal && sampleWeights == nil {
                    for row in 0..<d { for column in 0..<d { values[row * d + column] -= Double(n) * means[row] * means[column] } }
                }
                for index in 0..<size { values[index * size + index] += lambda }
            }
            return s
        }()
        for output in 0..<outputs {
            let target = samples.labels.map { Double($0 == (samples.classes == 2 ? 1 : output) ? 1 : 0) }
            let mean = Self.weightedMean(target, sampleWeights)
            let scales = sampleWeights.map { $0.map { $0.squareRoot() } } ?? [Double](repeating: 1, count: n)
            let y = zip(target, scales).map { ($0 - mean) * $1 }
            let w: [Double]
            if primal {
                w = try LinearAlgebra.choleskySolve(system, size: d, LinearAlgebra.multiply(xc, y, transposed: true))
            } else {
                let alpha = try LinearAlgebra.choleskySolve(system, size: n, y)
                w = LinearAlgebra.multiply(xc, alpha, transposed: true)
            }
            weights.append(w)
            intercepts.append(mean - zip(means, w).reduce(0) { $0 + $1.0 * $1.1 })
        }
        return FittedRidge(weights: weights, intercepts: intercepts, classes: samples.classes, threshold: threshold)
    }

    public func restore(_ arrays: [String: NamedArray], features: Int, classes: Int, parameters: ParameterValues) throws -> any FittedModel {
        let outputs = classes == 2 ? 1 : classes
        let flat = try arrays.require("weights", count: outputs * features)
        let weights = (0..<outputs).map { Array(flat[($0 * features)..<(($0 + 1) * features)]) }
        return FittedRidge(weights: weights, intercepts: try arrays.require("intercepts", count: outputs), classes: classes,
                           threshold: try parameters.double("threshold"))
    }

    static func weightedMean(_ values: [Double], _ weights: [Double]?) -> Double {
        guard let weights else { return values.reduce(0, +) / Double(max(1, values.count)) }
        var sum = 0.0, total = 0.0
        for (value, weight) in zip(values, weights) {
            sum += value * weight
            total += weight
        }
        return sum / max(total, 1e-300)
    }

    static func columnMeans(_ x: DesignMatrix, weights: [Double]) -> [Double] {
        var means = [Double](repeating: 0, count: x.columns)
        let total = weights.reduce(0, +)
        x.values.withUnsafeBufferPointer { values in
            for row in 0..<x.rows { for column in 0..<x.columns { means[column] += weights[row] * values[row * x.columns + column] } }
        }
        return means.map { $0 / max(total, 1e-300) }
    }

    static func columnMeans(_ x: DesignMatrix) -> [Double] {
        var means = [Double](repeating: 0, count: x.columns)
        x.values.withUnsafeBufferPointer { values in
            for row in 0..<x.rows { for column in 0..<x.columns { means[column] += values[row * x.columns + column] } }
        }
        return means.map { $0 / Double(max(1, x.rows)) }
    }
}

/// A trained ridge classifier.
public struct FittedRidge: FittedModel, Codable {
    public var weights: [[Double]]
    public var intercepts: [Double]
    public var classes: Int
    public var threshold: Double

    /// The regression outputs (one per class, or one for two classes), per row.
    public func outputs(_ x: DesignMatrix) -> [[Double]] {
        let columns = weights.map { w in LinearAlgebra.multiply(x, w) }
        return (0..<x.rows).map { row in columns.indices.map { columns[$0][row] + intercepts[$0] } }
    }

    public func exportArrays() -> [String: NamedArray] {
        ["weights": NamedArray(weights.flatMap { $0 }, shape: [weights.count, weights.first?.count ?? 0]),
         "intercepts": NamedArray(intercepts, shape: [intercepts.count])]
    }

    public func scores(_ x: DesignMatrix) -> [Double] {
        outputs(x).flatMap { output -> [Double] in
            // Two classes: shift by the threshold so that class 1 wins exactly when the output exceeds it.
            classes == 2 ? [threshold - output[0], output[0] - threshold] : output
        }
    }
}
