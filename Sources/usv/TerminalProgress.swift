import ArgumentParser
import Foundation
import USVCore

/// How progress is shown: `bar` redraws one line on a terminal; `plain` writes a line every few seconds (and
/// at each finished step), for logs and tmux; `none` is silent; `auto` is `bar` on a terminal, else `plain`.
enum ProgressMode: String, ExpressibleByArgument, CaseIterable {
    case auto, bar, plain, none
}

/// `--progress auto|bar|plain|none` for commands that run long.
struct ProgressOptions: ParsableArguments {
    @Option(help: "Progress on stderr: bar (one updating line), plain (a line every few seconds), none, or auto (bar on a terminal, else plain).")
    var progress: ProgressMode = .auto
}

/// Progress on stderr: a bar on a terminal, or plain periodic lines (with rate and ETA either way).
final class TerminalProgress: ProgressReporter {
    private struct State {
        var lastDraw = Date.distantPast
        var started = Date()
        var drew = false
        var lastPhase = ""
    }

    private let state = Locked(State())
    private let enabled: Bool
    private let quiet: Bool
    /// One redrawn line (true) or plain lines (false).
    private let redraws: Bool
    /// Seconds between plain lines.
    static let plainInterval = 5.0

    /// `quiet` silences everything but notes' absence (`--quiet`); otherwise a bar on a terminal only, as before.
    init(quiet: Bool = false) {
        self.quiet = quiet
        enabled = !quiet && isatty(STDERR_FILENO) != 0
        redraws = true
    }

    init(mode: ProgressMode) {
        let terminal = isatty(STDERR_FILENO) != 0
        quiet = mode == .none
        enabled = mode != .none
        redraws = mode == .bar || (mode == .auto && terminal)
    }

    func update(phase: String, done: Int64, total: Int64, unit: ProgressUnit) {
        guard enabled else { return }
        let now = Date()
        let line: String? = state.withLock { state in
            let finishedStep = phase != state.lastPhase || (total > 0 && done >= total)
            let interval = redraws ? 0.1 : Self.plainInterval
            guard now.timeIntervalSince(state.lastDraw) >= interval || finishedStep else { return nil }
            state.lastDraw = now
            state.lastPhase = phase
            state.drew = redraws
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
                let remaining = Double(total - done) / max(rate, 1e-9)
                text += "  ETA " + Self.clock(remaining)
            }
            if !redraws { text += "  (" + Self.clock(elapsed) + " elapsed)" }
            return text
        }
        if let line { FileHandle.standardError.write(Data(((redraws ? "\r\u{1B}[K" : "") + line + (redraws ? "" : "\n")).utf8)) }
    }

    /// "m:ss", or "h:mm:ss" from an hour on.
    static func clock(_ seconds: Double) -> String {
        let whole = Int(max(0, min(seconds, 1e7)))
        return whole >= 3_600 ? String(format: "%d:%02d:%02d", whole / 3_600, whole / 60 % 60, whole % 60)
            : String(format: "%d:%02d", whole / 60, whole % 60)
    }

    /// Runs `body` (one long step that reports nothing itself, such as fitting a network) while a line says what
    /// runs and for how long: redrawn every second on a terminal, every few seconds in plain mode.
    func whileRunning<T>(_ phase: String, _ body: () throws -> T) rethrows -> T {
        guard enabled else { return try body() }
        let started = Date()
        let running = Locked(true)
        let thread = Thread { [self] in
            while running.value {
                Thread.sleep(forTimeInterval: 1)
                guard running.value else { return }
                tick(phase, elapsed: Date().timeIntervalSince(started))
            }
        }
        thread.start()
        defer { running.withLock { $0 = false } }
        let result = try body()
        running.withLock { $0 = false }
        finish()
        return result
    }

    private func tick(_ phase: String, elapsed: Double) {
        let line: String? = state.withLock { state in
            let interval = redraws ? 1.0 : Self.plainInterval * 2
            guard Date().timeIntervalSince(state.lastDraw) >= interval - 0.05 else { return nil }
            state.lastDraw = Date()
            state.drew = redraws
            return "\(phase): " + Self.clock(elapsed) + " elapsed"
        }
        if let line { FileHandle.standardError.write(Data(((redraws ? "\r\u{1B}[K" : "") + line + (redraws ? "" : "\n")).utf8)) }
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
