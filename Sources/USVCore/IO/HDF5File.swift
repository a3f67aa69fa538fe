import CHDF5

/// A small HDF5 file wrapper: float64 datasets of any shape and string attributes, in groups created on the
/// way. Handles close on deinit. Used for model files (and by the HDF5 format of the formats issue).
public final class HDF5File {
    private let handle: hid_t
    public let path: String

    public enum Mode { case create, read }

    public init(path: String, mode: Mode) throws {
        usv_h5_silence_errors()
        self.path = path
        switch mode {
        case .create: handle = H5Fcreate(path, usv_h5f_acc_trunc(), usv_h5p_default(), usv_h5p_default())
        case .read: handle = H5Fopen(path, usv_h5f_acc_rdonly(), usv_h5p_default())
        }
        guard handle >= 0 else {
            throw USVError.io(path: path, reason: mode == .create ? "cannot create the HDF5 file" : "not a readable HDF5 file")
        }
    }

    deinit { H5Fclose(handle) }

    /// Writes `values` (row-major) with `shape` as dataset `name` (e.g. "weights/dense0"), creating groups.
    public func write(_ name: String, values: [Double], shape: [Int]) throws {
        guard shape.reduce(1, *) == values.count else {
            throw USVError.usage("HDF5 dataset \(name): \(values.count) values do not fill shape \(shape)")
        }
        try makeGroups(for: name)
        var dimensions = shape.map { hsize_t($0) }
        let space = H5Screate_simple(Int32(dimensions.count), &dimensions, nil)
        guard space >= 0 else { throw USVError.io(path: path, reason: "cannot make a dataspace for \(name)") }
        defer { H5Sclose(space) }
        let dataset = H5Dcreate2(handle, name, usv_h5t_native_double(), space, usv_h5p_default(), usv_h5p_default(), usv_h5p_default())
        guard dataset >= 0 else { throw USVError.io(path: path, reason: "cannot create dataset \(name)") }
        defer { H5Dclose(dataset) }
        let status = values.withUnsafeBufferPointer {
            H5Dwrite(dataset, usv_h5t_native_double(), usv_h5s_all(), usv_h5s_all(), usv_h5p_default(), $0.baseAddress)
        }
        guard status >= 0 else { throw USVError.io(path: path, reason: "cannot write dataset \(name)") }
    }

    /// Reads float64 dataset `name`: its values (row-major) and shape.
    public func read(_ name: String) throws -> (values: [Double], shape: [Int]) {
        let dataset = H5Dopen2(handle, name, usv_h5p_default())
        guard dataset >= 0 else { throw USVError.malformed(path: path, location: name, reason: "no such dataset") }
        defer { H5Dclose(dataset) }
        let space = H5Dget_space(dataset)
        defer { H5Sclose(space) }
        let rank = Int(H5Sget_simple_extent_ndims(space))
        guard rank >= 0, rank <= 8 else { throw USVError.malformed(path: path, location: name, reason: "bad rank \(rank)") }
        var dimensions = [hsize_t](repeating: 0, count: max(1, rank))
        H5Sget_simple_extent_dims(space, &dimensions, nil)
        let shape = dimensions.prefix(rank).map { Int($0) }
        let count = shape.reduce(1, *)
        guard count <= 1 << 31 else { throw USVError.malformed(path: path, location: name, reason: "too large (\(count) values)") }
        var values = [Double](repeating: 0, count: count)
        let status = values.withUnsafeMutableBufferPointer {
            H5Dread(dataset, usv_h5t_native_double(), usv_h5s_all(), usv_h5s_all(), usv_h5p_default(), $0.baseAddress)
        }
        guard status >= 0 else { throw USVError.malformed(path: path, location: name, reason: "cannot read as float64") }
        return (values, shape)
    }

    /// Sets a fixed-length string attribute on the root group.
    public func setAttribute(_ name: String, _ text: String) throws {
        let bytes = Array(text.utf8)
        let type = H5Tcopy(usv_h5t_c_s1())
        defer { H5Tclose(type) }
        H5Tset_size(type, max(1, bytes.count))
        let space = H5Screate(H5S_SCALAR)
        defer { H5Sclose(space) }
        let attribute = H5Acreate2(handle, name, type, space, usv_h5p_default(), usv_h5p_default())
        guard attribute >= 0 else { throw USVError.io(path: path, reason: "cannot create attribute \(name)") }
        defer { H5Aclose(attribute) }
        let status = (bytes.isEmpty ? [0] : bytes).withUnsafeBufferPointer { H5Awrite(attribute, type, $0.baseAddress) }
        guard status >= 0 else { throw USVError.io(path: path, reason: "cannot write attribute \(name)") }
    }

    /// Reads a fixed-length string attribute of the root group.
    public func attribute(_ name: String) throws -> String {
        let attribute = H5Aopen(handle, name, usv_h5p_default())
        guard attribute >= 0 else { throw USVError.malformed(path: path, location: "attribute \(name)", reason: "missing") }
        defer { H5Aclose(attribute) }
        let type = H5Aget_type(attribute)
        defer { H5Tclose(type) }
        let size = H5Tget_size(type)
        guard size > 0, size < 1 << 26, H5Tis_variable_str(type) == 0 else {
            throw USVError.malformed(path: path, location: "attribute \(name)", reason: "not a fixed-length string")
        }
        var buffer = [UInt8](repeating: 0, count: size)
        guard buffer.withUnsafeMutableBufferPointer({ H5Aread(attribute, type, $0.baseAddress) }) >= 0 else {
            throw USVError.malformed(path: path, location: "attribute \(name)", reason: "cannot read")
        }
        return String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self)
    }

    private func makeGroups(for name: String) throws {
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
}
