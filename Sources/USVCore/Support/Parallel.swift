import Foundation
import Synchronization

/// Runs `body(worker)` on `workers` dedicated threads and waits for all of them. Threads rather than the
/// global concurrent queue so that I/O-bound work gets exactly the parallelism asked for (`--jobs`).
public func runOnThreads(_ workers: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let count = max(1, workers)
    if count == 1 { body(0); return }
    let group = DispatchGroup()
    for worker in 0..<count {
        group.enter()
        let thread = Thread {
            body(worker)
            group.leave()
        }
        thread.stackSize = 1 << 22
        thread.start()
    }
    group.wait()
}

/// A value shared between threads behind a lock.
public final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    public init(_ value: Value) { mutex = Mutex(value) }

    public func withLock<R: Sendable>(_ body: (inout Value) throws -> R) rethrows -> R {
        try mutex.withLock { try body(&$0) }
    }

    public var value: Value { mutex.withLock { $0 } }
}
