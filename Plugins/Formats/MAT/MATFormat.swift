import Foundation
import USVCore

/// MATLAB MAT-files, version 5 (the per-USV `dataNNNNNNNNN.mat` files of the Donders data set hold a struct
/// `v` with `Sound{1}`, `Spec{1}`, `Start`, `Stop`, `Duration`, `F`, `SRSound`, `SRSpec`, `Filename`, …):
/// read numeric arrays of every class, char, logical, cell and struct arrays, zlib-compressed or not, either
/// byte order; v7.3 (HDF5, as MATLAB's `save -v7.3` and hdf5storage write them); and v4 (numeric and text
/// matrices, either byte order). Writes v5 or v7.3. Sparse arrays, objects (MATLAB strings among them) and function
/// handles are refused naming their class and variable.
public struct MATFormat: MATLABReading, MATLABWriting {
    public static let descriptor = PluginDescriptor(
        id: "format.mat", version: "0.1.0", kind: .format,
        summary: "MATLAB MAT-files v5 (compressed or not), v7.3 (HDF5) and v4 (read): numeric, char, logical, cell and struct arrays (read, write)",
        capabilities: ["read", "write", "sniff", "matlab-v5", "matlab-v7.3"])

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
        let bytes = try source.readAll(limit: 1 << 32)
        if MAT4Reader.looksLikeVersion4(bytes) { return try MAT4Reader(path: source.description, bytes: bytes).variables() }
        guard MAT73.isVersion73(bytes) else { return try MATReader(path: source.description, bytes: bytes).variables() }
        if case .file(let path) = source { return try MAT73.read(path: path) }
        // HDF5 opens files by name: a member of an archive goes through a private temporary copy.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("usv-mat73-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(at: directory) }
        let copy = directory.appendingPathComponent("variables.mat").path
        try writeWholeFile(copy, bytes: bytes)
        do {
            return try MAT73.read(path: copy)
        } catch let error as USVError {
            throw error.replacingPath(copy, with: source.description)
        }
    }

    public func readMATLAB(_ source: ByteSource) throws -> [(name: String, value: MATValue)] { try read(source) }

    /// MAT-file versions this plugin writes.
    public enum Version: String, Sendable, CaseIterable {
        /// Readable by every MATLAB since 7 and by scipy.io; at most 2 GB per variable.
        case v5
        /// HDF5-based: large variables, and h5py/hdf5storage read it.
        case v73 = "v7.3"
    }

    public static let matlabVersions = Version.allCases.map(\.rawValue)

    public func writeMATLAB(_ variables: [(name: String, value: MATValue)], to path: String, version: String) throws {
        guard let chosen = Version(rawValue: version) else {
            throw USVError.usage("MAT-file version \(version): choose one of \(Self.matlabVersions.joined(separator: ", "))")
        }
        try write(variables, to: path, version: chosen)
    }

    /// Writes `variables` as a MAT-file at `path` (atomically).
    public func write(_ variables: [(name: String, value: MATValue)], to path: String, version: Version = .v5) throws {
        switch version {
        case .v5:
            var writer = MATWriter()
            for (name, value) in variables { try writer.add(name, value) }
            try writeWholeFile(path, bytes: writer.bytes)
        case .v73:
            for (name, _) in variables { try MATWriter.checkVariableName(name) }
            try MAT73.write(variables, to: path)
        }
    }
}
