import CHDF5
import Foundation

/// Attributes on groups and datasets: the metadata of the catalog bundle (`layout`, `version`) and the
/// MATLAB v7.3 markers (`MATLAB_class`, `MATLAB_empty`, `MATLAB_fields`).
extension HDF5File {
    /// Sets a fixed-length ASCII/UTF-8 string attribute (MATLAB reads only fixed-length `MATLAB_class`).
    public func setAttribute(_ name: String, _ text: String, on object: String = "/") throws {
        HDF5File.libraryLock.lock()
        defer { HDF5File.libraryLock.unlock() }
        let bytes = Array(text.utf8)
        let type = H5Tcopy(usv_h5t_c_s1())
        defer { H5Tclose(type) }
        H5Tset_size(type, max(1, bytes.count))
        try writeAttribute(name, on: object, type: type, count: nil) { attribute in
            (bytes.isEmpty ? [0] : bytes).withUnsafeBufferPointer { H5Awrite(attribute, type, $0.baseAddress) }
        }
    }

    /// Sets a numeric attribute: a scalar for one value, a 1-D array otherwise.
    public func setAttribute<T: HDF5Number>(_ name: String, _ values: [T], on object: String = "/") throws {
        HDF5File.libraryLock.lock()
        defer { HDF5File.libraryLock.unlock() }
        try writeAttribute(name, on: object, type: T.hdf5Type, count: values.count == 1 ? nil : values.count) { attribute in
            values.withUnsafeBufferPointer { H5Awrite(attribute, T.hdf5Type, $0.baseAddress) }
        }
    }

    /// Sets an attribute that is a list of variable-length character sequences: MATLAB's `MATLAB_fields`.
    public func setCharacterSequences(_ name: String, _ texts: [String], on object: String = "/") throws {
        HDF5File.libraryLock.lock()
        defer { HDF5File.libraryLock.unlock() }
        let character = H5Tcopy(usv_h5t_c_s1())
        defer { H5Tclose(character) }
        H5Tset_size(character, 1)
        H5Tset_strpad(character, H5T_STR_NULLPAD)  // one byte per character, no terminator (h5py's 'S1')
        let type = H5Tvlen_create(character)
        defer { H5Tclose(type) }
        var storage = texts.map { Array($0.utf8) }
        var sequences = [hvl_t](repeating: hvl_t(), count: texts.count)
        try storage.withUnsafeMutableBufferPointer { buffers in
            for index in buffers.indices {
                sequences[index] = buffers[index].withUnsafeMutableBufferPointer { hvl_t(len: $0.count, p: UnsafeMutableRawPointer($0.baseAddress)) }
            }
            try writeAttribute(name, on: object, type: type, count: texts.count) { attribute in
                H5Awrite(attribute, type, &sequences)
            }
        }
    }

    /// Reads a string attribute, fixed- or variable-length.
    public func attribute(_ name: String, on object: String = "/") throws -> String {
        HDF5File.libraryLock.lock()
        defer { HDF5File.libraryLock.unlock() }
        return try readAttribute(name, on: object) { attribute, type, count in
            guard H5Tget_class(type) == H5T_STRING, count == 1 else {
                throw USVError.malformed(path: path, location: "\(object) attribute \(name)", reason: "not a string")
            }
            if H5Tis_variable_str(type) > 0 {
                // In a child process (HDF5Isolation): libhdf5 1.10 can overflow on variable-length data.
                return try isolatedVariableValues(.stringAttribute, object: object, attribute: name,
                                                  location: "\(object) attribute \(name)").first.flatMap { $0 } ?? ""
            }
            let size = H5Tget_size(type)
            guard size > 0, size < 1 << 26 else {
                throw USVError.malformed(path: path, location: "\(object) attribute \(name)", reason: "a string of \(size) bytes")
            }
            var buffer = [UInt8](repeating: 0, count: size)
            guard H5Aread(attribute, type, &buffer) >= 0 else {
                throw USVError.malformed(path: path, location: "\(object) attribute \(name)", reason: "cannot read")
            }
            return String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    /// Reads a numeric attribute (scalar or array) as `T`.
    public func numericAttribute<T: HDF5Number>(_ name: String, on object: String = "/", as type: T.Type) throws -> [T] {
        HDF5File.libraryLock.lock()
        defer { HDF5File.libraryLock.unlock() }
        return try readAttribute(name, on: object) { attribute, stored, count in
            let storedClass = H5Tget_class(stored)
            guard storedClass == H5T_INTEGER || storedClass == H5T_FLOAT else {
                throw USVError.malformed(path: path, location: "\(object) attribute \(name)", reason: "not numeric")
            }
            return try [T](unsafeUninitializedCapacity: count) { buffer, initialised in
                guard H5Aread(attribute, T.hdf5Type, buffer.baseAddress) >= 0 else {
                    throw USVError.malformed(path: path, location: "\(object) attribute \(name)", reason: "cannot read as \(T.self)")
                }
                initialised = count
            }
        }
    }

    /// Reads a list of variable-length character sequences (MATLAB's `MATLAB_fields`) or of strings.
    public func characterSequences(_ name: String, on object: String = "/") throws -> [String] {
        HDF5File.libraryLock.lock()
        defer { HDF5File.libraryLock.unlock() }
        return try readAttribute(name, on: object) { attribute, stored, count in
            if H5Tget_class(stored) == H5T_STRING, count == 1 { return [try self.attribute(name, on: object)] }
            guard H5Tget_class(stored) == H5T_VLEN else {
                throw USVError.malformed(path: path, location: "\(object) attribute \(name)", reason: "not a list of character sequences")
            }
            // Variable-length data is read in a child process (HDF5Isolation): libhdf5 1.10 can overflow on it.
            return try isolatedVariableValues(.characterSequencesAttribute, object: object, attribute: name,
                                              location: "\(object) attribute \(name)").map { $0 ?? "" }
        }
    }

    /// Whether `object` has attribute `name`.
    public func hasAttribute(_ name: String, on object: String = "/") -> Bool {
        HDF5File.libraryLock.lock()
        defer { HDF5File.libraryLock.unlock() }
        guard let holder = try? openObject(object) else { return false }
        defer { H5Oclose(holder) }
        return H5Aexists(holder, name) > 0
    }

    private func writeAttribute(_ name: String, on object: String, type: hid_t, count: Int?, write: (hid_t) -> herr_t) throws {
        let holder = try openObject(object)
        defer { H5Oclose(holder) }
        if H5Aexists(holder, name) > 0 { H5Adelete(holder, name) }
        var dimensions = [hsize_t(count ?? 1)]
        let space = count == nil ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dimensions, nil)
        defer { H5Sclose(space) }
        let attribute = H5Acreate2(holder, name, type, space, usv_h5p_default(), usv_h5p_default())
        guard attribute >= 0 else { throw USVError.io(path: path, reason: "cannot create attribute \(name) on \(object)") }
        defer { H5Aclose(attribute) }
        guard write(attribute) >= 0 else { throw USVError.io(path: path, reason: "cannot write attribute \(name) on \(object)") }
    }

    private func readAttribute<R>(_ name: String, on object: String, _ body: (hid_t, hid_t, Int) throws -> R) throws -> R {
        let holder = try openObject(object)
        defer { H5Oclose(holder) }
        guard H5Aexists(holder, name) > 0 else {
            throw USVError.malformed(path: path, location: "\(object) attribute \(name)", reason: "missing")
        }
        let attribute = H5Aopen(holder, name, usv_h5p_default())
        guard attribute >= 0 else { throw USVError.malformed(path: path, location: "\(object) attribute \(name)", reason: "cannot open") }
        defer { H5Aclose(attribute) }
        let type = H5Aget_type(attribute)
        defer { H5Tclose(type) }
        let space = H5Aget_space(attribute)
        defer { H5Sclose(space) }
        let count = Int(H5Sget_simple_extent_npoints(space))
        guard count >= 0, count < 1 << 24 else {
            throw USVError.malformed(path: path, location: "\(object) attribute \(name)", reason: "\(count) values")
        }
        return try body(attribute, type, count)
    }
}
