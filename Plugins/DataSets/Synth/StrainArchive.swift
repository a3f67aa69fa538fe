import Synchronization
import USVCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Builds `RecordingsCortexless.zip` while the recordings are still being rendered in parallel: each finished
/// temporary WAV is handed in, and members are appended strictly in plan order (so the zip's bytes do not
/// depend on which thread finished first), each temporary file deleted as soon as it is copied.
final class StrainArchiveAssembler: Sendable {
    private struct State {
        var writer: ArchiveWriter
        var ready: [Int: String] = [:]
        var next = 0
        var finished = false
    }

    private let state: Mutex<State>
    let path: String
    let memberNames: [String]

    init(path: String, memberNames: [String]) throws {
        self.path = path
        self.memberNames = memberNames
        let writer = try ArchiveWriter(path: path, format: .zip(compress: false))
        state = Mutex(State(writer: writer))
    }

    /// Hands in member `index`'s temporary file. Returns true when this call completed and closed the archive.
    func submit(index: Int, temporaryPath: String) throws -> Bool {
        try state.withLock { state throws -> Bool in
            state.ready[index] = temporaryPath
            while let next = state.ready[state.next] {
                try state.writer.add(member: memberNames[state.next], copying: next)
                guard unlink(next) == 0 else {
                    throw USVError.io(path: next, reason: "cannot delete the temporary recording: \(systemErrorText(errno))")
                }
                state.ready[state.next] = nil
                state.next += 1
            }
            guard state.next == memberNames.count, !state.finished else { return false }
            state.finished = true
            try state.writer.close()
            return true
        }
    }

    /// Temporary files handed in but not yet archived (to delete after a failure).
    var pendingTemporaryFiles: [String] { state.withLock { Array($0.ready.values).sorted() } }
}
