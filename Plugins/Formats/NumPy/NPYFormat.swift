import USVCore

/// NumPy .npy files: one array of one of 11 dtypes (bool, int8-64, uint8-64, float32/64; not float16, complex, strings
/// or structured dtypes) in either byte order, C or Fortran order, any shape including 0-d. The array is named after the file (without `.npy`).
public struct NPYFormat: ArrayReading, ArrayWriting {
    public static let descriptor = PluginDescriptor(
        id: "format.npy", version: "0.1.0", kind: .format,
        summary: "NumPy .npy arrays (versions 1.0-3.0; bool, int8-64, uint8-64, float32/64; both byte orders and memory orders)",
        capabilities: ["read", "write", "sniff", "arrays", "archive-members"])
    public static let fileExtensions = ["npy"]

    /// Refuse files larger than this (the array is held in memory).
    public var maximumBytes: Int

    public init(maximumBytes: Int = 1 << 34) {
        self.maximumBytes = maximumBytes
    }

    public func sniff(head: [UInt8], fileName: String) -> SniffConfidence {
        if NPYCodec.hasMagic(head) { return .byContent }
        return fileName.fileExtension == "npy" ? .byExtension : .no
    }

    public func readArrays(from source: ByteSource) throws -> [NDArray] {
        [try readArray(from: source)]
    }

    public func readArray(from source: ByteSource) throws -> NDArray {
        let name = source.fileName.hasSuffix(".npy") ? String(source.fileName.dropLast(4)) : source.fileName
        return try NPYCodec.decode(try source.readAll(limit: maximumBytes), name: name, path: source.description)
    }

    /// Writes exactly one array, atomically.
    public func writeArrays(_ arrays: [NDArray], to path: String) throws {
        guard arrays.count == 1, let array = arrays.first else {
            throw USVError.usage("a .npy file holds one array, not \(arrays.count); write an .npz for several")
        }
        try writeWholeFile(path, bytes: NPYCodec.encode(array))
    }
}
