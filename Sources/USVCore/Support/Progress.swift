/// Where long-running work reports how far it is. The CLI draws a bar on a terminal and stays silent
/// otherwise; libraries never print.
public protocol ProgressReporter: Sendable {
    /// `done` of `total` units (bytes, frames, files — as `unit` says) are finished.
    func update(phase: String, done: Int64, total: Int64, unit: ProgressUnit)
    /// A line worth telling a person (logged to stderr by the CLI).
    func note(_ message: String)
}

public enum ProgressUnit: Sendable { case bytes, items }

/// Reports nothing.
public struct SilentProgress: ProgressReporter {
    public init() {}
    public func update(phase: String, done: Int64, total: Int64, unit: ProgressUnit) {}
    public func note(_ message: String) {}
}
