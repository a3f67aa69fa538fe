#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Named points in long work where a test can have the process killed with SIGKILL, to check what a crash
/// leaves behind (`KillAndResumeTests`): `USV_TEST_KILL_AT=NAME` kills the process the first time it passes
/// NAME, `USV_TEST_KILL_AT=NAME:N` the N-th time. Without the variable a pass does nothing but compare a name.
///
/// Points: `verify.hashed` (a file hashed, before the verify cache is written), `ingest.recording.detected` (a
/// recording's USVs detected and measured, nothing stored yet), `catalog.recording.usv-stored` (inside the
/// recording's transaction, after one USV row), `ingest.recording.done` (a recording committed and reported),
/// `ingest.table.done` (a deposited table committed and reported).
public enum KillPoint {
    private static let target: (name: Substring, count: Int)? = {
        guard let value = ProcessInfo.processInfo.environment["USV_TEST_KILL_AT"], !value.isEmpty else { return nil }
        let parts = value.split(separator: ":", maxSplits: 1)
        return (parts[0], parts.count > 1 ? max(1, Int(parts[1]) ?? 1) : 1)
    }()
    private static let passes = Locked([String: Int]())

    /// Kills the process here when `USV_TEST_KILL_AT` names this point and pass.
    public static func pass(_ name: String) {
        guard let target, target.name == name else { return }
        let count = passes.withLock { counts -> Int in
            counts[name, default: 0] += 1
            return counts[name, default: 0]
        }
        if count == target.count { kill(getpid(), SIGKILL) }
    }
}
