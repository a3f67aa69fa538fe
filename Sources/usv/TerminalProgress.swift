import Foundation
import USVCore

/// Draws one updating progress line on stderr, only when stderr is a terminal (never in pipes, logs or CI).
final class TerminalProgress: ProgressReporter {
    private struct State {
        var lastDraw = Date.distantPast
        var started = Date()
        var drew = false
    }

    private let state = Locked(State())
    private let enabled: Bool
    private let quiet: Bool

    init(quiet: Bool = false) {
        self.quiet = quiet
        enabled = !quiet && isatty(STDERR_FILENO) != 0
    }

    func update(phase: String, done: Int64, total: Int64, unit: ProgressUnit) {
        guard enabled else { return }
        let now = Date()
        let line: String? = state.withLock { state in
            guard now.timeIntervalSince(state.lastDraw) >= 0.1 || (total > 0 && done >= total) else { return nil }
            state.lastDraw = now
            state.drew = true
            let elapsed = max(now.timeIntervalSince(state.started), 1e-3)
            let rate = Double(done) / elapsed
            var text = "\(phase): "
            switch unit {
            case .bytes:
                text += formatBytes(done) + (total > 0 ? " / " + formatBytes(total) : "") + "  \(formatBytes(Int64(rate)))/s"
            case .items:
                text += "\(done)" + (total > 0 ? " / \(total)" : "")
            }
            if total > 0, done > 0, done < total {
                let remaining = Double(total - done) / max(rate, 1)
                text += String(format: "  ETA %d:%02d", Int(remaining) / 60, Int(remaining) % 60)
            }
            return text
        }
        if let line { FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8)) }
    }

    func note(_ message: String) {
        guard !quiet else { return }
        finish()
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    /// Ends the progress line so that what follows starts on a fresh line.
    func finish() {
        let drew = state.withLock { state -> Bool in
            defer { state.drew = false }
            return state.drew
        }
        if drew { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}

/// "1.23 GB" style sizes (decimal units, as disk sizes and data-set pages state them).
func formatBytes(_ bytes: Int64) -> String {
    let units = ["B", "kB", "MB", "GB", "TB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1000 && unit < units.count - 1 {
        value /= 1000
        unit += 1
    }
    return unit == 0 ? "\(bytes) B" : String(format: "%.2f %@", value, units[unit])
}
