import CHDF5
import Foundation

/// Swift number types HDF5 stores natively. Reading converts from whatever numeric type the file holds.
public protocol HDF5Number: Sendable {
    static var hdf5Type: hid_t { get }
}

extension Double: HDF5Number { public static var hdf5Type: hid_t { usv_h5t_native_double() } }
extension Float: HDF5Number { public static var hdf5Type: hid_t { usv_h5t_native_float() } }
extension Int8: HDF5Number { public static var hdf5Type: hid_t { usv_h5t_native_int8() } }
extension UInt8: HDF5Number { public static var hdf5Type: hid_t { usv_h5t_native_uint8() } }
extension Int16: HDF5Number { public static var hdf5Type: hid_t { usv_h5t_native_int16() } }
extension UInt16: HDF5Number { public static var hdf5Type: hid_t { usv_h5t_native_uint16() } }
extension Int32: HDF5Number { public static var hdf5Type: hid_t { usv_h5t_native_int32() } }
extension UInt32: HDF5Number { public static var hdf5Type: hid_t { usv_h5t_native_uint32() } }
extension Int64: HDF5Number { public static var hdf5Type: hid_t { usv_h5t_native_int64() } }
extension UInt64: HDF5Number { public static var hdf5Type: hid_t { usv_h5t_native_uint64() } }

/// What one element of a dataset or attribute is, as stored in the file.
public enum HDF5ElementType: Sendable, Equatable {
    case integer(bytes: Int, signed: Bool)
    case float(bytes: Int)
    case string
    case objectReference
    /// A compound of named members (MATLAB and h5py store complex numbers as `real`/`imag` or `r`/`i`).
    case compound([String])
    case variableLength
    case other

    init(_ type: hid_t) {
        switch H5Tget_class(type) {
        case H5T_INTEGER: self = .integer(bytes: H5Tget_size(type), signed: H5Tget_sign(type) != H5T_SGN_NONE)
        case H5T_FLOAT: self = .float(bytes: H5Tget_size(type))
        case H5T_STRING: self = .string
        case H5T_REFERENCE: self = .objectReference
        case H5T_VLEN: self = .variableLength
        case H5T_COMPOUND:
            let count = max(0, Int(H5Tget_nmembers(type)))
            self = .compound((0..<count).map { index in
                guard let name = H5Tget_member_name(type, UInt32(index)) else { return "" }
                defer { H5free_memory(name) }
                return String(cString: name)
            })
        default: self = .other
        }
    }
}

/// How a dataset is laid out on disk. Compressed datasets are chunked (about 1 MiB a chunk) and shuffled
/// before deflate, which suits the slowly varying numbers of spectrograms and audio.
public enum HDF5Compression: Sendable, Equatable {
    case none
    case deflate(level: Int)
}

extension HDF5File {
    /// Writes `values` (row-major) with `shape` as dataset `name` (e.g. "weights/dense0"), creating groups.
    public func write<T: HDF5Number>(_ name: String, _ values: [T], shape: [Int], compression: HDF5Compression = .none) throws {
        HDF5File.libraryLock.lock()
        defer { HDF5File.libraryLock.unlock() }
        try checkShape(name, count: values.count, shape: shape)
        try values.withUnsafeBufferPointer { buffer in
            try createAndWrite(name, fileType: T.hdf5Type, memoryType: T.hdf5Type, shape: shape, elementBytes: MemoryLayout<T>.stride,
                               compression: compression, data: buffer.baseAddress)
        }
    }

    /// Writes float64 `values`: the model files' form.
    public func write(_ name: String, values: [Double], shape: [Int]) throws {
        HDF5File.libraryLock.lock()
        defer { HDF5File.libraryLock.unlock() }
        try write(name, values, shape: shape)
    }

    /// Reads dataset `name` as `T` (HDF5 converts from the stored numeric type): values row-major and shape.
    public func read<T: HDF5Number>(_ name: String, as type: T.Type) throws -> (values: [T], shape: [Int]) {
        HDF5File.libraryLock.lock()
        defer { HDF5File.libraryLock.unlock() }
        return try withDataset(name) { dataset, shape, count in
            let stored = H5Dget_type(dataset)
            defer { H5Tclose(stored) }
            switch HDF5ElementType(stored) {
            case .integer, .float: return try readNumbers(dataset, name: name, shape: shape, count: count)
            case let other: throw USVError.malformed(path: path, location: name, reason: "holds \(other), not numbers")
            }
        }
    }

    /// Reads float64 dataset `name`: the model files' form.
    public func read(_ name: String) throws -> (values: [Double], shape: [Int]) { try read(name, as: Double.self) }

    /// The element type and shape of dataset `name`.
    public func datasetInfo(_ name: String) throws -> (type: HDF5ElementType, shape: [Int]) {
        HDF5File.libraryLock.lock()
        defer { HDF5File.libraryLock.unlock() }
        return try withDataset(name) { dataset, shape, _ in
            let type = H5Dget_type(dataset)
            defer { H5Tclose(type) }
            return (HDF5ElementType(type), shape)
        }
    }

    /// Writes `strings` as a dataset of variable-length UTF-8 strings (h5py reads them as `str` with
    /// `.asstr()`, or bytes).
    public func writeStrings(_ name: String, _ strings: [String], shape: [Int]? = nil, compression: HDF5Compression = .none) throws {
        HDF5File.libraryLock.lock()
        defer { HDF5File.libraryLock.unlock() }
        let shape = shape ?? [strings.count]
        try checkShape(name, count: strings.count, shape: shape)
        let type = try variableStringType()
        defer { H5Tclose(type) }
        var pointers = strings.map { strdup($0) }
        defer { pointers.forEach { free($0) } }
        try pointers.withUnsafeMutableBufferPointer { buffer in
            try createAndWrite(name, fileType: type, memoryType: type, shape: shape, elementBytes: MemoryLayout<UnsafeMutablePointer<CChar>?>.stride,
                               compression: compression, data: UnsafeRawPointer(buffer.baseAddress))
        }
    }

    /// Reads a dataset of strings, variable-length or fixed-length (NUL- or space-padded).
    public func readStrings(_ name: String) throws -> (values: [String], shape: [Int]) {
        HDF5File.libraryLock.lock()
        defer { HDF5File.libraryLock.unlock() }
        return try withDataset(name) { dataset, shape, count in
            let stored = H5Dget_type(dataset)
            defer { H5Tclose(stored) }
            guard H5Tget_class(stored) == H5T_STRING else {
                throw USVError.malformed(path: path, location: name, reason: "holds \(HDF5ElementType(stored)), not strings")
            }
            if H5Tis_variable_str(stored) > 0 {
                // In a child process (HDF5Isolation): libhdf5 1.10 can overflow on variable-length data.
                let values = try isolatedVariableValues(.stringDataset, object: name, attribute: nil, location: name)
                guard values.count == count else {
                    throw USVError.malformed(path: path, location: name, reason: "\(values.count) strings for \(count) elements")
                }
                return (values.map { $0 ?? "" }, shape)
            }
            let width = H5Tget_size(stored)
            guard width > 0, width < 1 << 20, count * width < 1 << 31 else {
                throw USVError.malformed(path: path, location: name, reason: "strings of \(width) bytes")
            }
            var bytes = [UInt8](repeating: 0, count: max(1, count * width))
            guard count == 0 || H5Dread(dataset, stored, usv_h5s_all(), usv_h5s_all(), usv_h5p_default(), &bytes) >= 0 else {
                throw USVError.malformed(path: path, location: name, reason: "cannot read the strings")
            }
            return ((0..<count).map { index in
                let slice = bytes[(index * width)..<((index + 1) * width)]
                return String(decoding: slice.prefix { $0 != 0 }, as: UTF8.self)
            }, shape)
        }
    }

    /// Writes a dataset of object references to `targets` (paths of existing objects): MATLAB's cells.
    public func writeReferences(_ name: String, targets: [String], shape: [Int]) throws {
        HDF5File.libraryLock.lock()
        defer { HDF5File.libraryLock.unlock() }
        try checkShape(name, count: targets.count, shape: shape)
        var references = [hobj_ref_t](repeating: 0, count: targets.count)
        for (index, target) in targets.enumerated() {
            guard H5Rcreate(&references[index], handle, target, H5R_OBJECT, -1) >= 0 else {
                throw USVError.io(path: path, reason: "cannot refer to \(target) from \(name)")
            }
        }
        try references.withUnsafeBufferPointer { buffer in
            try createAndWrite(name, fileType: usv_h5t_std_ref_obj(), memoryType: usv_h5t_std_ref_obj(), shape: shape,
                               elementBytes: MemoryLayout<hobj_ref_t>.stride, compression: .none, data: buffer.baseAddress)
        }
    }

    /// Reads a dataset of object references as the paths of the objects they name.
    public func readReferences(_ name: String) throws -> (targets: [String], shape: [Int]) {
        HDF5File.libraryLock.lock()
        defer { HDF5File.libraryLock.unlock() }
        return try withDataset(name) { dataset, shape, count in
            var references = [hobj_ref_t](repeating: 0, count: count)
            guard count == 0 || H5Dread(dataset, usv_h5t_std_ref_obj(), usv_h5s_all(), usv_h5s_all(), usv_h5p_default(), &references) >= 0 else {
                throw USVError.malformed(path: path, location: name, reason: "cannot read object references")
            }
            return (try references.map { reference in
                var reference = reference
                let length = H5Rget_name(handle, H5R_OBJECT, &reference, nil, 0)
                guard length > 0, length < 1 << 16 else {
                    throw USVError.malformed(path: path, location: name, reason: "a reference to nothing")
                }
                var buffer = [CChar](repeating: 0, count: length + 1)
                H5Rget_name(handle, H5R_OBJECT, &reference, &buffer, buffer.count)
                return String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }, shape)
        }
    }

    /// Writes complex numbers as a compound of float64 `real` and `imag` (MATLAB's and hdf5storage's form).
    public func writeComplex(_ name: String, real: [Double], imaginary: [Double], shape: [Int]) throws {
        HDF5File.libraryLock.lock()
        defer { HDF5File.libraryLock.unlock() }
        try checkShape(name, count: real.count, shape: shape)
        guard imaginary.count == real.count else { throw USVError.usage("HDF5 dataset \(name): real and imaginary parts differ in length") }
        let type = complexType(memberNames: ("real", "imag"))
        defer { H5Tclose(type) }
        var interleaved = [Double](repeating: 0, count: 2 * real.count)
        for index in real.indices {
            interleaved[2 * index] = real[index]
            interleaved[2 * index + 1] = imaginary[index]
        }
        try interleaved.withUnsafeBufferPointer { buffer in
            try createAndWrite(name, fileType: type, memoryType: type, shape: shape, elementBytes: 16, compression: .none, data: buffer.baseAddress)
        }
    }

    /// Reads a compound of two numeric members (`real`/`imag` or `r`/`i`) as complex numbers.
    public func readComplex(_ name: String) throws -> (real: [Double], imaginary: [Double], shape: [Int]) {
        HDF5File.libraryLock.lock()
        defer { HDF5File.libraryLock.unlock() }
        return try withDataset(name) { dataset, shape, count in
            let stored = H5Dget_type(dataset)
            defer { H5Tclose(stored) }
            guard case .compound(let members) = HDF5ElementType(stored), members.count == 2 else {
                throw USVError.malformed(path: path, location: name, reason: "not a complex (two-member compound) dataset")
            }
            let type = complexType(memberNames: (members[0], members[1]))
            defer { H5Tclose(type) }
            var interleaved = [Double](repeating: 0, count: 2 * count)
            guard count == 0 || H5Dread(dataset, type, usv_h5s_all(), usv_h5s_all(), usv_h5p_default(), &interleaved) >= 0 else {
                throw USVError.malformed(path: path, location: name, reason: "cannot read the complex values")
            }
            return (stride(from: 0, to: 2 * count, by: 2).map { interleaved[$0] },
                    stride(from: 1, to: 2 * count, by: 2).map { interleaved[$0] }, shape)
        }
    }

    // MARK: Shared steps

    private func checkShape(_ name: String, count: Int, shape: [Int]) throws {
        guard shape.allSatisfy({ $0 >= 0 }), shape.reduce(1, *) == count else {
            throw USVError.usage("HDF5 dataset \(name): \(count) values do not fill shape \(shape)")
        }
    }

    private func createAndWrite(_ name: String, fileType: hid_t, memoryType: hid_t, shape: [Int], elementBytes: Int,
                                compression: HDF5Compression, data: UnsafeRawPointer?) throws {
        try makeGroups(for: name)
        var dimensions = shape.map { hsize_t($0) }
        let space = shape.isEmpty ? H5Screate(H5S_SCALAR) : H5Screate_simple(Int32(dimensions.count), &dimensions, nil)
        guard space >= 0 else { throw USVError.io(path: path, reason: "cannot make a dataspace for \(name)") }
        defer { H5Sclose(space) }
        let properties = H5Pcreate(usv_h5p_dataset_create())
        defer { H5Pclose(properties) }
        let count = shape.reduce(1, *)
        if case .deflate(let level) = compression, count > 0, !shape.isEmpty {
            var chunk = Self.chunkShape(shape, elementBytes: elementBytes).map { hsize_t($0) }
            H5Pset_chunk(properties, Int32(chunk.count), &chunk)
            if elementBytes > 1 { H5Pset_shuffle(properties) }
            H5Pset_deflate(properties, UInt32(min(max(level, 0), 9)))
        }
        let dataset = H5Dcreate2(handle, name, fileType, space, usv_h5p_default(), properties, usv_h5p_default())
        guard dataset >= 0 else { throw USVError.io(path: path, reason: "cannot create dataset \(name) (does it exist already?)") }
        defer { H5Dclose(dataset) }
        guard count == 0 || H5Dwrite(dataset, memoryType, usv_h5s_all(), usv_h5s_all(), usv_h5p_default(), data) >= 0 else {
            throw USVError.io(path: path, reason: "cannot write dataset \(name)")
        }
    }

    /// Chunks of about 1 MiB: whole trailing dimensions, as many leading rows as fit.
    static func chunkShape(_ shape: [Int], elementBytes: Int) -> [Int] {
        var chunk = shape.map { max(1, $0) }
        var bytes = chunk.reduce(elementBytes, *)
        var axis = 0
        while bytes > 1 << 20, axis < chunk.count {
            let shrink = min(chunk[axis], max(1, (bytes + (1 << 20) - 1) / (1 << 20)))
            let reduced = max(1, chunk[axis] / shrink)
            bytes = bytes / chunk[axis] * reduced
            chunk[axis] = reduced
            axis += 1
        }
        return chunk
    }

    private func withDataset<R>(_ name: String, _ body: (hid_t, [Int], Int) throws -> R) throws -> R {
        guard exists(name) else { throw USVError.malformed(path: path, location: name, reason: "no such dataset") }
        let dataset = H5Dopen2(handle, name, usv_h5p_default())
        guard dataset >= 0 else { throw USVError.malformed(path: path, location: name, reason: "not a dataset") }
        defer { H5Dclose(dataset) }
        let space = H5Dget_space(dataset)
        defer { H5Sclose(space) }
        let rank = Int(H5Sget_simple_extent_ndims(space))
        guard rank >= 0, rank <= 32 else { throw USVError.malformed(path: path, location: name, reason: "bad rank \(rank)") }
        var dimensions = [hsize_t](repeating: 0, count: max(1, rank))
        H5Sget_simple_extent_dims(space, &dimensions, nil)
        let shape = dimensions.prefix(rank).map { Int(clamping: $0) }
        let count = shape.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
        guard count <= 1 << 31 else { throw USVError.malformed(path: path, location: name, reason: "too large (\(count) values)") }
        return try body(dataset, shape, count)
    }

    private func readNumbers<T: HDF5Number>(_ dataset: hid_t, name: String, shape: [Int], count: Int) throws -> (values: [T], shape: [Int]) {
        let values = try [T](unsafeUninitializedCapacity: count) { buffer, initialised in
            let status = count == 0 ? 0 : H5Dread(dataset, T.hdf5Type, usv_h5s_all(), usv_h5s_all(), usv_h5p_default(), buffer.baseAddress)
            guard status >= 0 else { throw USVError.malformed(path: path, location: name, reason: "cannot read as \(T.self)") }
            initialised = count
        }
        return (values, shape)
    }

    func variableStringType() throws -> hid_t {
        let type = H5Tcopy(usv_h5t_c_s1())
        guard type >= 0 else { throw USVError.io(path: path, reason: "cannot make a string type") }
        H5Tset_size(type, usv_h5t_variable())
        H5Tset_cset(type, H5T_CSET_UTF8)
        return type
    }

    private func complexType(memberNames: (String, String)) -> hid_t {
        let type = H5Tcreate(H5T_COMPOUND, 16)
        H5Tinsert(type, memberNames.0, 0, usv_h5t_native_double())
        H5Tinsert(type, memberNames.1, 8, usv_h5t_native_double())
        return type
    }
}

/// A 1-D dataset that grows as values arrive (chunked, unlimited, optionally compressed): ragged arrays
/// such as every USV's audio one after the other are written without holding them all in memory.
public final class HDF5Appender<T: HDF5Number> {
    private let file: HDF5File
    private let dataset: hid_t
    public let name: String
    public private(set) var count = 0

    public init(_ file: HDF5File, _ name: String, chunk: Int = 1 << 16, compression: HDF5Compression = .deflate(level: 4)) throws {
        HDF5File.libraryLock.lock()
        defer { HDF5File.libraryLock.unlock() }
        self.file = file
        self.name = name
        try file.makeGroups(for: name)
        var dimensions: [hsize_t] = [0]
        var maximum: [hsize_t] = [usv_h5s_unlimited()]
        let space = H5Screate_simple(1, &dimensions, &maximum)
        defer { H5Sclose(space) }
        let properties = H5Pcreate(usv_h5p_dataset_create())
        defer { H5Pclose(properties) }
        var chunkSize: [hsize_t] = [hsize_t(max(1, chunk))]
        H5Pset_chunk(properties, 1, &chunkSize)
        if case .deflate(let level) = compression {
            if MemoryLayout<T>.stride > 1 { H5Pset_shuffle(properties) }
            H5Pset_deflate(properties, UInt32(min(max(level, 0), 9)))
        }
        dataset = H5Dcreate2(file.handle, name, T.hdf5Type, space, usv_h5p_default(), properties, usv_h5p_default())
        guard dataset >= 0 else { throw USVError.io(path: file.path, reason: "cannot create dataset \(name)") }
    }

    deinit {
        HDF5File.libraryLock.lock()
        defer { HDF5File.libraryLock.unlock() }
        H5Dclose(dataset)
    }

    public func append(_ values: [T]) throws {
        HDF5File.libraryLock.lock()
        defer { HDF5File.libraryLock.unlock() }
        guard !values.isEmpty else { return }
        var newSize: [hsize_t] = [hsize_t(count + values.count)]
        guard H5Dset_extent(dataset, &newSize) >= 0 else { throw USVError.io(path: file.path, reason: "cannot extend \(name)") }
        let fileSpace = H5Dget_space(dataset)
        defer { H5Sclose(fileSpace) }
        var start: [hsize_t] = [hsize_t(count)]
        var length: [hsize_t] = [hsize_t(values.count)]
        H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, &start, nil, &length, nil)
        let memorySpace = H5Screate_simple(1, &length, nil)
        defer { H5Sclose(memorySpace) }
        let status = values.withUnsafeBufferPointer { H5Dwrite(dataset, T.hdf5Type, memorySpace, fileSpace, usv_h5p_default(), $0.baseAddress) }
        guard status >= 0 else { throw USVError.io(path: file.path, reason: "cannot append to \(name)") }
        count += values.count
    }
}
