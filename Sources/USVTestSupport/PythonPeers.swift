import Foundation
import USVCore

/// The Python peers the interoperability tests compare against: `.build-py/`, made by `Benchmarks/peers/setup.sh`
/// (once per test process and group; the script is a no-op when everything is installed).
///
/// A peer test is declared `@Test(.enabled(if: PythonPeers.available()))` and takes its interpreter with
/// `try PythonPeers.python()`:
/// - without `USV_REQUIRE_PEERS=1`, a peer environment that can't be made skips the test (the runner counts it as
///   skipped, and the reason is printed once on stderr);
/// - with `USV_REQUIRE_PEERS=1` (CI), the test runs and fails with the reason: python3-venv missing, the package
///   index unreachable, or the package that failed to install.
///
/// Checks that need no Python belong in tests of their own, without this trait.
public enum PythonPeers {
    public enum Group: String, Sendable {
        /// numpy, scipy, soundfile, scikit-learn, h5py, hdf5storage, crowsetta.
        case standard
        /// The standard peers and TensorFlow (CPU build), which is large.
        case tensorflow
    }

    /// `USV_REQUIRE_PEERS=1`: peers that can't be set up fail their tests instead of skipping them.
    public static var required: Bool { ProcessInfo.processInfo.environment["USV_REQUIRE_PEERS"] == "1" }

    private static let standardEnvironment = setUp(.standard)
    private static let tensorflowEnvironment = setUp(.tensorflow)

    /// The peer environment's python, or why there is none. Sets the environment up on first use.
    public static func environment(_ group: Group = .standard) -> Result<String, PeerUnavailable> {
        switch group {
        case .standard: standardEnvironment
        case .tensorflow: tensorflowEnvironment
        }
    }

    /// The condition of a peer test: true when the peers are there (setting them up if needed), and always true
    /// under `USV_REQUIRE_PEERS=1`, so that the test runs and fails with the reason.
    public static func available(_ group: Group = .standard) -> Bool {
        if required { return true }
        if case .success = environment(group) { return true }
        return false
    }

    /// The peer environment's python; throws why there is none (a test failure).
    public static func python(_ group: Group = .standard) throws -> String {
        try environment(group).get()
    }

    private static func setUp(_ group: Group) -> Result<String, PeerUnavailable> {
        let result = runSetup(group == .tensorflow ? ["tensorflow"] : []).mapError { unavailable in
            PeerUnavailable(reason: "The Python peers (\(group.rawValue)) can't be set up: \(unavailable.reason)")
        }
        if case .failure(let unavailable) = result, !required {
            FileHandle.standardError.write(Data(("\(unavailable.reason)\nThe tests that need the \(group.rawValue) "
                + "Python peers are skipped; USV_REQUIRE_PEERS=1 makes them fail.\n").utf8))
        }
        return result
    }

    private static func runSetup(_ arguments: [String]) -> Result<String, PeerUnavailable> {
        let script = repositoryRoot() + "/Benchmarks/peers/setup.sh"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: repositoryRoot())
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do { try process.run() } catch { return .failure(PeerUnavailable(reason: "cannot run \(script): \(error)")) }
        // stderr is drained on its own thread so that neither pipe fills while the other is read.
        let stderrData = Locked(Data())
        let reader = Thread { stderrData.withLock { $0 = errors.fileHandleForReading.readDataToEndOfFile() } }
        reader.start()
        let path = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        process.waitUntilExit()
        while !reader.isFinished { usleep(1_000) }
        let message = String(decoding: stderrData.value, as: UTF8.self)
        guard process.terminationStatus == 0, !path.isEmpty else {
            // setup.sh's own diagnosis, else the end of whatever it printed.
            let reason = message.split(separator: "\n").last { $0.hasPrefix("usv-peers: ") }
                .map { String($0.dropFirst("usv-peers: ".count)) }
                ?? "Benchmarks/peers/setup.sh \(arguments.joined(separator: " ")) exited with status \(process.terminationStatus): "
                    + String(message.suffix(400))
            return .failure(PeerUnavailable(reason: reason))
        }
        return .success(repositoryRoot() + "/" + path)
    }
}

/// Why the Python peers are not there.
public struct PeerUnavailable: Error, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}

/// The Python peer environment with `extras` (`tensorflow`), or why there is none; set up once per test process.
/// Tests use `PythonPeers` (`.enabled(if: PythonPeers.available())` and `try PythonPeers.python()`).
public func peerPython(with extras: [String] = []) -> Result<String, PeerUnavailable> {
    PythonPeers.environment(extras.contains("tensorflow") ? .tensorflow : .standard)
}
