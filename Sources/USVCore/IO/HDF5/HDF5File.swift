import CHDF5
import Foundation

/// An HDF5 file: groups, typed datasets (numbers, strings, object references, complex pairs) and
/// attributes on any object. The file handle closes on deinit; every other handle is closed before a call
/// returns. Used by model files, the catalog bundle and MAT v7.3 files.
public final class HDF5File {
    let handle: hid_t
    public let path: String

    /// Every call into libhdf5 holds this lock (recursive: public methods call each other). Debian builds HDF5
    /// thread-safe, behind one global mutex of its own; the lock is for `HDF5Isolation`, which forks a child that reads
    /// variable-length data: a child forked while another thread held HDF5's mutex would wait for it forever.
    public static let libraryLock = NSRecursiveLock()

    public enum Mode { case create, read }

    /// What a path inside the file names.
    public enum ObjectKind: Sendable, Equatable { case group, dataset, other }

    /// Opens or creates `path`. `userBlock` (0, or a power of two ≥ 512) reserves bytes at the start of a
    /// new file for a foreign header, as MATLAB's v7.3 MAT-files do.
    public init(path: String, mode: Mode, userBlock: Int = 0) throws {
        HDF5File.libraryLock.lock()
        defer { HDF5File.libraryLock.unlock() }
        usv_h5_silence_errors()
        self.path = path
        switch mode {
        case .create:
            let properties = H5Pcreate(usv_h5p_file_create())
            defer { H5Pclose(properties) }
            if userBlock > 0 { H5Pset_userblock(properties, hsize_t(userBlock)) }
            // The 1.8 file format (read by every HDF5 since 2008, h5py and MATLAB included) stores attributes
            // over 64 KB, such as a model card naming 10,000 image inputs; the 1.6 format cannot.
            let access = H5Pcreate(usv_h5p_file_access())
            defer { H5Pclose(access) }
            H5Pset_libver_bounds(access, H5F_LIBVER_V18, usv_h5f_libver_latest())
            handle = H5Fcreate(path, usv_h5f_acc_trunc(), properties, access)
        case .read:
            handle = H5Fopen(path, usv_h5f_acc_rdonly(), usv_h5p_default())
        }
        guard handle >= 0 else {
            throw USVError.io(path: path, reason: mode == .create ? "cannot create the HDF5 file" : "not a readable HDF5 file")
        }
    }

    private var isOpen = true

    deinit { close() }

    /// Closes the file now (deinit does otherwise): needed before other code touches its bytes.
    public func close() {
        HDF5File.libraryLock.lock()
        defer { HDF5File.libraryLock.unlock() }
        guard isOpen else { return }
        isOpen = false
        H5Fclose(handle)
    }

    /// Makes sure everything written so far is on disk.
    public func flush() throws {
        HDF5File.libraryLock.lock()
        defer { HDF5File.libraryLock.unlock() }
        guard H5Fflush(handle, H5F_SCOPE_GLOBAL) >= 0 else { throw USVError.io(path: path, reason: "cannot flush the HDF5 file") }
    }

    // MARK: Groups and names

    /// Whether `name` exists (every group on the way must exist too).
    public func exists(_ name: String) -> Bool {
        HDF5File.libraryLock.lock()
        defer { HDF5File.libraryLock.unlock() }
        var current = ""
        for part in name.split(separator: "/") {
            current += "/" + part
            if H5Lexists(handle, current, usv_h5p_default()) <= 0 { return false }
        }
        return true
    }

    /// Whether `name` is a group or a dataset; nil when it does not exist.
    public func kind(of name: String) -> ObjectKind? {
        HDF5File.libraryLock.lock()
        defer { HDF5File.libraryLock.unlock() }
        guard exists(name) || name == "/" else { return nil }
        let object = H5Oopen(handle, name, usv_h5p_default())
        guard object >= 0 else { return nil }
        defer { H5Oclose(object) }
        switch H5Iget_type(object) {
        case H5I_GROUP: return .group
        case H5I_DATASET: return .dataset
        default: return .other
        }
    }

    /// Creates group `name` and any missing groups on the way.
    public func createGroup(_ name: String) throws {
        HDF5File.libraryLock.lock()
        defer { HDF5File.libraryLock.unlock() }
        try makeGroups(for: name + "/x")
    }

    /// The names of the members of group `name`, in name order.
    public func children(of name: String) throws -> [String] {
        HDF5File.libraryLock.lock()
        defer { HDF5File.libraryLock.unlock() }
        let group = H5Gopen2(handle, name, usv_h5p_default())
        guard group >= 0 else { throw USVError.malformed(path: path, location: name, reason: "no such group") }
        defer { H5Gclose(group) }
        var info = H5G_info_t()
        guard H5Gget_info(group, &info) >= 0 else { throw USVError.malformed(path: path, location: name, reason: "cannot list the group") }
        guard info.nlinks < 1 << 24 else { throw USVError.malformed(path: path, location: name, reason: "\(info.nlinks) members") }
        return try (0..<info.nlinks).map { index in
            let length = H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, usv_h5p_default())
            guard length >= 0 else { throw USVError.malformed(path: path, location: name, reason: "cannot read member \(index)'s name") }
            var buffer = [CChar](repeating: 0, count: Int(length) + 1)
            H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, index, &buffer, buffer.count, usv_h5p_default())
            return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    /// Creates the groups on the way to dataset or attribute holder `name`.
    func makeGroups(for name: String) throws {
        let parts = name.split(separator: "/").dropLast()
        var current = ""
        for part in parts {
            current += "/" + part
            if H5Lexists(handle, current, usv_h5p_default()) > 0 { continue }
            let group = H5Gcreate2(handle, current, usv_h5p_default(), usv_h5p_default(), usv_h5p_default())
            guard group >= 0 else { throw USVError.io(path: path, reason: "cannot create group \(current)") }
            H5Gclose(group)
        }
    }

    /// Opens an object (group or dataset) for attribute access; the caller closes it with `H5Oclose`.
    func openObject(_ name: String) throws -> hid_t {
        let object = H5Oopen(handle, name, usv_h5p_default())
        guard object >= 0 else { throw USVError.malformed(path: path, location: name, reason: "no such group or dataset") }
        return object
    }
}
