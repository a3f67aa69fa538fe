import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// libhdf5 1.10 (Debian's) trusts the sizes a file states in places: a damaged or hostile file makes it copy past a
/// buffer while reading variable-length data (`H5HG_read` under `H5T__conv_vlen`, found by `make fuzz` on MAT v7.3 files
/// and catalog bundles; newer HDF5 releases check), which takes the whole process down. So a read of an HDF5 file
/// from elsewhere (MAT v7.3, bundles, model files) first runs in a forked child: a child that dies by a signal makes
/// the read an error naming the file, and only then does the caller read the file itself.
public enum HDF5Isolation {
    /// How long a child may take before it is abandoned (the read then goes ahead in this process, unprotected:
    /// a child can only stall on a lock another thread held when it was forked, or on a huge file).
    public static let childTimeout: TimeInterval = 60

    /// Runs `read` in a forked child first; throws when the child dies by a signal, and returns when it exited (with
    /// or without an error of its own: the caller's own read reports that one).
    public static func check(_ path: String, what: String, read: () throws -> Void) throws {
        let child = fork()
        if child == 0 {
            // The child: read, and leave without running exit handlers or flushing the parent's buffered output.
            do {
                try read()
                _exit(0)
            } catch {
                _exit(1)
            }
        }
        guard child > 0 else { return }  // no child could be made: read unprotected
        let deadline = Date().addingTimeInterval(childTimeout)
        var status: Int32 = 0
        while true {
            let done = waitpid(child, &status, WNOHANG)
            if done == child { break }
            if done < 0 && errno != EINTR { return }
            if Date() > deadline {
                kill(child, SIGKILL)
                _ = waitpid(child, &status, 0)
                return
            }
            usleep(done == 0 ? 2_000 : 0)
        }
        // WIFSIGNALED: the low 7 bits hold the signal, and are neither 0 (exited) nor 0x7f (stopped).
        let signal = status & 0x7F
        if signal != 0 && signal != 0x7F {
            throw USVError.malformed(path: path, location: what,
                                     reason: "the HDF5 library crashed (signal \(signal)) reading it: the file is damaged, or written to "
                                        + "break readers; it was not read (libhdf5 1.10 does not check every size a file states)")
        }
    }
}
