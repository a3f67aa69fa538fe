import USVCore

/// Batch normalisation per feature (per channel after a convolution: every value of a row-major batch whose
/// index is c modulo `features` belongs to feature c, so a batch of N images H × W × C normalises over N·H·W
/// values per channel). Batch statistics while training, running averages (momentum 0.99, ε 0.001,
/// TensorFlow's defaults) at inference.
public final class BatchNormalization: Layer {
    public let features: Int
    public let scale: Parameter
    public let shift: Parameter
    public private(set) var runningMean: [Float]
    public private(set) var runningVariance: [Float]
    public var momentum: Float = 0.99
    public var epsilon: Float = 0.001
    /// Applies max(0, ·) to the output (batch norm → ReLU fused: one pass less over the largest tensors).
    public let fusedReLU: Bool
    private var normalised: [Float] = []
    private var inverseDeviation: [Float]
    private var output = Batch(zeros: 0, 0)
    private var inputGradient = Batch(zeros: 0, 0)

    public init(_ features: Int, fusedReLU: Bool = false) {
        self.features = features
        self.fusedReLU = fusedReLU
        scale = Parameter([Float](repeating: 1, count: features))
        shift = Parameter([Float](repeating: 0, count: features))
        runningMean = [Float](repeating: 0, count: features)
        runningVariance = [Float](repeating: 1, count: features)
        inverseDeviation = runningMean
    }

    public var parameters: [Parameter] { [scale, shift] }

    /// Restores the running statistics of a trained layer (model files).
    public func restoreStatistics(mean: [Float], variance: [Float]) throws {
        guard mean.count == features, variance.count == features else {
            throw USVError.unusable(path: "model file", reason: "batch-norm statistics of \(mean.count) features, expected \(features)")
        }
        runningMean = mean
        runningVariance = variance
    }

    // Locals throughout: the loops must not touch class properties (each access is checked at run time). The
    // passes run over row ranges on every core in feature runs (see `FeatureRuns`), with partial sums per range;
    // the loops are written out inside the per-core closures so that they compile to vector code.

    public func forward(_ input: Batch, training: Bool) -> Batch {
        let count = input.values.count, runs = FeatureRuns(features: features, rows: count / max(1, features))
        let ranges = rowRanges(runs.rows), width = runs.width
        if output.values.count != count { output = input; normalised = input.values }
        output.rows = input.rows
        output.columns = input.columns
        var mean = runningMean, variance = runningVariance
        if training {
            // Two passes: means, then variances (squared deviations from the mean, stabler than Σx² − n·μ²).
            var partial = [Float](repeating: 0, count: ranges.count * width)
            input.values.withUnsafeBufferPointer { x in
                partial.withUnsafeMutableBufferPointer { partial in
                    onEveryCore(ranges.count) { worker in
                        let sum = partial.baseAddress.unsafelyUnwrapped + worker * width
                        runs.walk(ranges[worker]) { base, count in
                            let x = x.baseAddress.unsafelyUnwrapped + base
                            for j in 0..<count { sum[j] += x[j] }
                        }
                    }
                    mean = runs.fold(UnsafeBufferPointer(partial)).map { $0 / Float(max(1, runs.rows)) }
                    partial.update(repeating: 0)
                    runs.tiled([mean]).withUnsafeBufferPointer { tiledMean in
                        onEveryCore(ranges.count) { worker in
                            let sum = partial.baseAddress.unsafelyUnwrapped + worker * width
                            runs.walk(ranges[worker]) { base, count in
                                let (x, mean) = (x.baseAddress.unsafelyUnwrapped + base, tiledMean.baseAddress.unsafelyUnwrapped)
                                for j in 0..<count {
                                    let deviation = x[j] - mean[j]
                                    sum[j] += deviation * deviation
                                }
                            }
                        }
                    }
                    variance = runs.fold(UnsafeBufferPointer(partial)).map { $0 / Float(max(1, runs.rows)) }
                }
            }
            for c in 0..<features {
                runningMean[c] = momentum * runningMean[c] + (1 - momentum) * mean[c]
                runningVariance[c] = momentum * runningVariance[c] + (1 - momentum) * variance[c]
            }
        }
        let inverse = (0..<features).map { 1 / (variance[$0] + epsilon).squareRoot() }
        inverseDeviation = inverse
        // y = γ·x̂ + β = x·a + b with a = γ/σ, b = β − μ·γ/σ.
        let a = (0..<features).map { scale.value[$0] * inverse[$0] }
        let b = (0..<features).map { shift.value[$0] - mean[$0] * a[$0] }
        let floor: Float = fusedReLU ? 0 : -.infinity
        input.values.withUnsafeBufferPointer { x in
            normalised.withUnsafeMutableBufferPointer { xHat in
                output.values.withUnsafeMutableBufferPointer { y in
                    runs.tiled([mean, inverse, a, b]).withUnsafeBufferPointer { tiled in // μ, 1/σ, a, b
                        onEveryCore(ranges.count) { worker in
                            runs.walk(ranges[worker]) { base, count in
                                let (x, xHat, y) = (x.baseAddress.unsafelyUnwrapped + base, xHat.baseAddress.unsafelyUnwrapped + base,
                                                    y.baseAddress.unsafelyUnwrapped + base)
                                let mean = tiled.baseAddress.unsafelyUnwrapped, inverse = mean + width, a = inverse + width, b = a + width
                                for j in 0..<count {
                                    let value = x[j]
                                    xHat[j] = (value - mean[j]) * inverse[j]
                                    y[j] = max(floor, value * a[j] + b[j])
                                }
                            }
                        }
                    }
                }
            }
        }
        return output
    }

    public func backward(_ gradient: Batch) -> Batch {
        let count = gradient.values.count, runs = FeatureRuns(features: features, rows: count / max(1, features))
        let ranges = rowRanges(runs.rows), width = runs.width
        if inputGradient.values.count != count { inputGradient = gradient }
        inputGradient.rows = gradient.rows
        inputGradient.columns = gradient.columns
        let n = Float(runs.rows)
        let factor = (0..<features).map { scale.value[$0] * inverseDeviation[$0] / Float(max(1, runs.rows)) }
        // Gradients pass the fused ReLU where its output was positive (everywhere without it).
        let threshold: Float = fusedReLU ? 0 : -.infinity
        var partial = [Float](repeating: 0, count: 2 * ranges.count * width)
        var sums: [Float] = [], products: [Float] = []
        gradient.values.withUnsafeBufferPointer { dy in
            normalised.withUnsafeBufferPointer { xHat in
                output.values.withUnsafeBufferPointer { y in
                    inputGradient.values.withUnsafeMutableBufferPointer { dx in
                        partial.withUnsafeMutableBufferPointer { partial in
                            // dx first holds dLoss/d(pre-ReLU output), then the input gradient.
                            onEveryCore(ranges.count) { worker in
                                // Every worker's sums first, then every worker's products.
                                let sum = partial.baseAddress.unsafelyUnwrapped + worker * width
                                let product = sum + ranges.count * width
                                runs.walk(ranges[worker]) { base, count in
                                    let (dy, y, xHat) = (dy.baseAddress.unsafelyUnwrapped + base, y.baseAddress.unsafelyUnwrapped + base,
                                                         xHat.baseAddress.unsafelyUnwrapped + base)
                                    let dx = dx.baseAddress.unsafelyUnwrapped + base
                                    // Two loops over the run (still in L1): together they would not vectorise.
                                    for j in 0..<count {
                                        let (g, pass) = (dy[j], y[j] > threshold)  // both loads unconditional: vectorises
                                        dx[j] = pass ? g : 0
                                    }
                                    for j in 0..<count {
                                        sum[j] += dx[j]
                                        product[j] += dx[j] * xHat[j]
                                    }
                                }
                            }
                            let half = ranges.count * width
                            (sums, products) = (runs.fold(UnsafeBufferPointer(rebasing: partial[..<half])),
                                                runs.fold(UnsafeBufferPointer(rebasing: partial[half...])))
                        }
                        runs.tiled([factor, sums, products]).withUnsafeBufferPointer { tiled in // factor, Σg, Σg·x̂
                            onEveryCore(ranges.count) { worker in
                                runs.walk(ranges[worker]) { base, count in
                                    let (dx, xHat) = (dx.baseAddress.unsafelyUnwrapped + base, xHat.baseAddress.unsafelyUnwrapped + base)
                                    let factor = tiled.baseAddress.unsafelyUnwrapped, sum = factor + width, product = sum + width
                                    for j in 0..<count {
                                        dx[j] = factor[j] * (n * dx[j] - sum[j] - xHat[j] * product[j])
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        for c in 0..<features {
            scale.gradient[c] += products[c]
            shift.gradient[c] += sums[c]
        }
        return inputGradient
    }
}

/// The rows of a row-major block (`features` values per row) walked in runs of whole rows at least 64 values
/// long. A per-feature parameter repeated to the run width (`tiled`) lines up with every run, so the inner loops
/// are long and contiguous and vectorise; a loop over, say, 8 channels per row would not.
struct FeatureRuns {
    let features: Int
    let rows: Int
    let rowsPerRun: Int
    var width: Int { rowsPerRun * features }

    init(features: Int, rows: Int) {
        self.features = max(1, features)
        self.rows = rows
        rowsPerRun = max(1, 64 / self.features)
    }

    /// Each of `parameters` (one value per feature) repeated to the run width, one after the other.
    func tiled(_ parameters: [[Float]]) -> [Float] {
        parameters.flatMap { values in (0..<width).map { values[$0 % features] } }
    }

    /// Calls `body(first flat index, value count)` for the runs of `range`; the last run may be shorter.
    @inline(__always)
    func walk(_ range: Range<Int>, _ body: (Int, Int) -> Void) {
        var row = range.lowerBound
        while row + rowsPerRun <= range.upperBound {
            body(row * features, width)
            row += rowsPerRun
        }
        if row < range.upperBound { body(row * features, (range.upperBound - row) * features) }
    }

    /// Per-feature totals of run-wide accumulators laid end to end.
    func fold(_ accumulators: UnsafeBufferPointer<Float>) -> [Float] {
        var totals = [Float](repeating: 0, count: features)
        for (index, value) in accumulators.enumerated() { totals[index % features] += value }
        return totals
    }
}
