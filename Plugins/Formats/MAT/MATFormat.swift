import USVCore

/// MATLAB MAT-files, version 5 (the per-USV `dataNNNNNNNNN.mat` files of the Donders data set hold a struct
/// `v` with `Sound{1}`, `Spec{1}`, `Start`, `Stop`, `Duration`, `F`, `SRSound`, `SRSpec`, `Filename`, …):
/// read numeric arrays of every class, char, logical, cell and struct arrays, zlib-compressed or not, either
/// byte order; write v5. v7.3 files are HDF5 (read through the HDF5 path); sparse arrays and objects are
/// reported as unsupported.
public struct MATFormat: MATLABReading {
    public static let descriptor = PluginDescriptor(
        id: "format.mat", version: "0.1.0", kind: .format,
        summary: "MATLAB MAT-file v5: numeric, char, logical, cell and struct arrays, compressed or not (read); v5 (write)",
        capabilities: ["read", "write", "sniff", "matlab-v5"])

    public static let fileExtensions = ["mat"]

    public init() {}

    public func sniff(head: [UInt8], fileName: String) -> SniffConfidence {
        // The header text of v5 and v7.3 files starts so (the endian indicator at byte 126 may lie beyond `head`).
        if head.starts(with: Array("MATLAB 5.0 MAT-file".utf8)) || head.starts(with: Array("MATLAB 7.3 MAT-file".utf8)) {
            return .byContent
        }
        return fileName.fileExtension == "mat" ? .byExtension : .no
    }

    /// The variables of a MAT-file, in order.
    public func read(_ source: ByteSource) throws -> [(name: String, value: MATValue)] {
        try MATReader(path: source.description, bytes: try source.readAll(limit: 1 << 32)).variables()
    }

    public func readMATLAB(_ source: ByteSource) throws -> [(name: String, value: MATValue)] { try read(source) }

    /// Writes `variables` as a v5 MAT-file at `path` (atomically).
    public func write(_ variables: [(name: String, value: MATValue)], to path: String) throws {
        var writer = MATWriter()
        for (name, value) in variables { try writer.add(name, value) }
        try writeWholeFile(path, bytes: writer.bytes)
    }
}
