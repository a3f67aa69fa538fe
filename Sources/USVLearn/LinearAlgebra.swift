import CBLAS
import Foundation
import USVCore

/// Dense linear algebra on OpenBLAS (BLAS 3 and LAPACK's Cholesky), in double precision: the closed-form
/// models (ridge) solve normal equations whose conditioning float32 would not survive at λ = 0.001.
public enum LinearAlgebra {
    /// Runs `body` with `count` threads (at least 1) for OpenBLAS and the engine's own work splits, which
    /// never add threads on top of it. OpenBLAS's thread count is one setting for the whole process and results
    /// depend on it (one and two threads round the same sgemm differently), so work that must be reproducible
    /// for a seed holds the setting for its whole duration: other callers wait (nested calls may change it).
    @discardableResult
    public static func withThreads<Result>(_ count: Int, _ body: () throws -> Result) rethrows -> Result {
        threadSetting.lock()
        defer { threadSetting.unlock() }
        let previous = usv_blas_get_threads()
        usv_blas_set_threads(Int32(max(1, count)))
        defer { usv_blas_set_threads(previous) }
        return try body()
    }

    private static let threadSetting = NSRecursiveLock()

    /// The kernel family OpenBLAS chose for this CPU (or `OPENBLAS_CORETYPE` forced), for benchmark reports.
    public static var blasCoreName: String { usv_blas_core_name().map { String(cString: $0) } ?? "unknown" }

    /// Whether the convolutions may use the AVX2 + FMA kernels of `USVVectorKernels` on this CPU (reports).
    public static var hasVectorKernels: Bool { vectorKernelsAvailable }

    /// C = Aᵀ·A (columns × columns, symmetric, full) for a row-major A (rows × columns).
    public static func gram(_ a: DesignMatrix) -> [Double] {
        var c = [Double](repeating: 0, count: a.columns * a.columns)
        guard a.rows > 0, a.columns > 0 else { return c }
        a.values.withUnsafeBufferPointer { source in
            c.withUnsafeMutableBufferPointer { target in
                cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(a.columns), Int32(a.rows), 1, source.baseAddress,
                            Int32(a.columns), 0, target.baseAddress, Int32(a.columns))
            }
        }
        symmetrise(&c, size: a.columns)
        return c
    }

    /// C = A·Aᵀ (rows × rows) for a row-major A: the kernel of the dual form when rows < columns.
    public static func outerGram(_ a: DesignMatrix) -> [Double] {
        var c = [Double](repeating: 0, count: a.rows * a.rows)
        guard a.rows > 0, a.columns > 0 else { return c }
        a.values.withUnsafeBufferPointer { source in
            c.withUnsafeMutableBufferPointer { target in
                cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, Int32(a.rows), Int32(a.columns), 1, source.baseAddress,
                            Int32(a.columns), 0, target.baseAddress, Int32(a.rows))
            }
        }
        symmetrise(&c, size: a.rows)
        return c
    }

    /// y = A·x (transposed: Aᵀ·x) for a row-major A.
    public static func multiply(_ a: DesignMatrix, _ x: [Double], transposed: Bool = false) -> [Double] {
        var y = [Double](repeating: 0, count: transposed ? a.columns : a.rows)
        guard a.rows > 0, a.columns > 0 else { return y }
        a.values.withUnsafeBufferPointer { matrix in
            x.withUnsafeBufferPointer { vector in
                y.withUnsafeMutableBufferPointer { result in
                    cblas_dgemv(CblasRowMajor, transposed ? CblasTrans : CblasNoTrans, Int32(a.rows), Int32(a.columns), 1,
                                matrix.baseAddress, Int32(a.columns), vector.baseAddress, 1, 0, result.baseAddress, 1)
                }
            }
        }
        return y
    }

    /// Solves S·x = b for a symmetric positive definite S (size × size) by Cholesky (LAPACK dpotrf/dpotrs).
    /// Throws when S is not positive definite (e.g. λ = 0 with collinear features).
    public static func choleskySolve(_ s: [Double], size: Int, _ b: [Double]) throws -> [Double] {
        var matrix = s
        var rhs = b
        var n = Int32(size), leading = Int32(size), leadingB = Int32(size), one = Int32(1), info = Int32(0)
        var upper = CChar(UInt8(ascii: "U"))
        // Row-major symmetric S is its own column-major transpose, so LAPACK's column-major routines apply.
        matrix.withUnsafeMutableBufferPointer { _ = dpotrf_(&upper, &n, $0.baseAddress, &leading, &info) }
        guard info == 0 else {
            throw USVError.unusable(path: "ridge", reason: "the regularised Gram matrix is not positive definite (LAPACK dpotrf info \(info)); increase lambda")
        }
        matrix.withUnsafeMutableBufferPointer { factor in
            rhs.withUnsafeMutableBufferPointer { _ = dpotrs_(&upper, &n, &one, factor.baseAddress, &leading, $0.baseAddress, &leadingB, &info) }
        }
        guard info == 0 else { throw USVError.unusable(path: "ridge", reason: "LAPACK dpotrs failed (info \(info))") }
        return rhs
    }

    private static func symmetrise(_ c: inout [Double], size: Int) {
        c.withUnsafeMutableBufferPointer { values in
            for row in 0..<size {
                for column in 0..<row { values[row * size + column] = values[column * size + row] }
            }
        }
    }
}

/// Z-scoring with the training data's means and deviations (features of zero spread are left centred).
public struct Standardizer: Sendable, Codable {
    public var means: [Double]
    public var deviations: [Double]

    /// Fitted on `x` as `scaling` says: per column, or one mean and deviation for every column.
    public init(fitting x: DesignMatrix, scaling: InputScaling) {
        switch scaling {
        case .perFeature: self.init(fitting: x)
        case .global:
            let count = Double(max(1, x.values.count))
            let mean = x.values.reduce(0, +) / count
            let deviation = (x.values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / count).squareRoot()
            self.init(means: [Double](repeating: mean, count: x.columns), deviations: [Double](repeating: deviation, count: x.columns))
        }
    }

    public init(fitting x: DesignMatrix) {
        var means = [Double](repeating: 0, count: x.columns)
        var squares = [Double](repeating: 0, count: x.columns)
        for row in 0..<x.rows {
            for column in 0..<x.columns { means[column] += x[row, column] }
        }
        for column in 0..<x.columns { means[column] /= Double(max(1, x.rows)) }
        for row in 0..<x.rows {
            for column in 0..<x.columns {
                let d = x[row, column] - means[column]
                squares[column] += d * d
            }
        }
        self.means = means
        deviations = squares.map { ($0 / Double(max(1, x.rows))).squareRoot() }
    }

    public func apply(_ x: DesignMatrix) -> DesignMatrix {
        var values = x.values
        for row in 0..<x.rows {
            for column in 0..<x.columns {
                let deviation = deviations[column]
                values[row * x.columns + column] = (values[row * x.columns + column] - means[column]) / (deviation > 1e-12 ? deviation : 1)
            }
        }
        return DesignMatrix(rows: x.rows, columns: x.columns, values: values)
    }
}
