import CBLAS
import Dispatch

/// Runs `body` for 0..<count, spread over as many threads as BLAS uses (one: a plain loop). The copies and
/// element-wise passes of big layers (im2col, col2im, batch norm) would otherwise run on one core while the
/// others, which BLAS uses for the matrix products, wait. `body` must write disjoint memory per index.
func onEveryCore(_ count: Int, _ body: (Int) -> Void) {
    let threads = min(count, Int(usv_blas_get_threads()))
    guard threads > 1 else {
        for index in 0..<count { body(index) }
        return
    }
    withoutActuallyEscaping(body) { body in
        // Safe: the threads write disjoint memory and concurrentPerform returns only when all are done.
        let shared = UncheckedSendable(body)
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            for index in stride(from: thread, to: count, by: threads) { shared.value(index) }
        }
    }
}

/// Row ranges for `onEveryCore`: one contiguous range per worker, at least `minimum` rows each, so that small
/// batches stay on one thread. Workers write partial results at their own index.
func rowRanges(_ rows: Int, minimum: Int = 2048) -> [Range<Int>] {
    let workers = max(1, min(Int(usv_blas_get_threads()), rows / max(1, minimum)))
    return (0..<workers).map { worker in (worker * rows / workers)..<((worker + 1) * rows / workers) }
}

/// A value handed to worker threads whose safety the caller guarantees (see `onEveryCore`).
private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
