import CHDF5
import Foundation

/// libhdf5 1.10.8 (Debian's) copies past a buffer (`H5HG_read` under `H5T__conv_vlen`) when a file's variable-length
/// data points at a global-heap object larger than the sequence it declares — `make fuzz` found it through MAT v7.3
/// files (`MATLAB_fields`) and catalog bundles (text columns); newer HDF5 releases check. A damaged or hostile file then
/// takes the whole process down, or corrupts its memory without a sign. So variable-length data is never converted in
/// this process: `usv_h5_read_variable_isolated` (the CHDF5 shim) reads it in a forked child that runs C code only,
/// opens the file anew, and sends the values back through a pipe; a child that dies makes the read an error naming the
/// file and the object, and this process's memory is untouched whatever the file holds.
extension HDF5File {
    enum VariableData: Int32 {
        /// An attribute of variable-length sequences of 1-byte characters (MATLAB's `MATLAB_fields`).
        case characterSequencesAttribute = 0
        /// An attribute of variable-length strings.
        case stringAttribute = 1
        /// A dataset of variable-length strings.
        case stringDataset = 2
    }

    /// Why the reading child gave up, by its exit status (`usv_h5__child_read`).
    static let childFailures: [Int32: String] = [
        11: "no stdio file driver", 12: "the file does not open", 13: "no such object", 14: "no such attribute",
        15: "an impossible dataspace", 16: "no datatype", 17: "no memory type for it", 18: "out of memory",
        19: "the HDF5 library refused to read it", 20: "the reply could not be sent",
    ]

    /// How long the reading child may stay silent before it is stopped: libhdf5 loops forever on some damaged files
    /// (`make fuzz` found one), and a real column of strings is read in well under a second.
    static let childTimeoutSeconds: Int32 = 30

    /// At most this many bytes of variable-length data come back from one object.
    static let variableDataLimit = 1 << 30

    /// The values of variable-length `kind` data at `object` (attribute `attribute`), read in a child process; nil
    /// elements are null strings. `location` names the data in errors.
    func isolatedVariableValues(_ kind: VariableData, object: String, attribute: String?, location: String) throws -> [String?] {
        let result = usv_h5_read_variable_isolated(path, object, attribute ?? "", kind.rawValue, Self.variableDataLimit,
                                                   Self.childTimeoutSeconds)
        defer { free(result.bytes) }
        if result.signal > 0 {
            throw USVError.malformed(path: path, location: location,
                                     reason: "the HDF5 library crashed (signal \(result.signal)) reading its variable-length data: the file is "
                                        + "damaged, or written to break readers (libhdf5 1.10 does not check every size a file states)")
        }
        switch result.status {
        case 0: break
        case 4: throw USVError.malformed(path: path, location: location,
                                         reason: "over \(Self.variableDataLimit) bytes of variable-length data, or none within \(Self.childTimeoutSeconds) s "
                                            + "(libhdf5 can loop forever on a damaged file; the reading process was stopped)")
        case -1: throw USVError.io(path: path, reason: "cannot start the process that reads \(location)")
        default: throw USVError.malformed(path: path, location: location, reason: "cannot read the variable-length data: "
                                            + (Self.childFailures[result.status] ?? "the reading process ended with status \(result.status)"))
        }
        var values: [String?] = []
        var offset = 0
        let size = result.size
        guard let bytes = result.bytes else { return values }
        while offset < size {
            guard size - offset >= 8 else { throw USVError.malformed(path: path, location: location, reason: "a cut reply from the reading process") }
            var length: UInt64 = 0
            withUnsafeMutableBytes(of: &length) { $0.copyMemory(from: UnsafeRawBufferPointer(start: bytes + offset, count: 8)) }
            offset += 8
            if length == UInt64.max {
                values.append(nil)
                continue
            }
            guard length <= UInt64(size - offset) else {
                throw USVError.malformed(path: path, location: location, reason: "a cut reply from the reading process")
            }
            values.append(String(decoding: UnsafeBufferPointer(start: bytes + offset, count: Int(length)), as: UTF8.self))
            offset += Int(length)
        }
        return values
    }
}
