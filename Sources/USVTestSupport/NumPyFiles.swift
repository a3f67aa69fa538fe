import Foundation
import USVCore

/// Minimal NumPy `.npy`/`.npz` writing and reading of float64 arrays, for exchanging data with the Python
/// peers in tests and benchmarks (the formats plugin of the formats issue is the full implementation).
public enum NumPyFiles {
    public static func npy(_ values: [Double], shape: [Int]) -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f8', 'fortran_order': False, 'shape': \(shapeText), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        bytes += [UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
        bytes += Array(header.utf8)
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
        return bytes
    }

    public static func writeNPZ(_ path: String, _ arrays: [String: (values: [Double], shape: [Int])]) throws {
        let writer = try ArchiveWriter(path: path, format: .zip(compress: false))
        for (name, array) in arrays.sorted(by: { $0.key < $1.key }) {
            try writer.add(member: name + ".npy", bytes: npy(array.values, shape: array.shape))
        }
        try writer.close()
    }

    /// Float64 arrays of an `.npz`, by name (without `.npy`).
    public static func readNPZ(_ path: String) throws -> [String: [Double]] {
        let reader = try ArchiveReader(path: path)
        var arrays: [String: [Double]] = [:]
        while let member = try reader.nextMember() {
            let bytes = try reader.readAll(limit: 1 << 30)
            guard bytes.count > 10, bytes.starts(with: [0x93] + Array("NUMPY".utf8)) else { continue }
            let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            let header = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
            guard header.contains("'<f8'") else {
                throw USVError.unsupported(path: member.path, feature: "dtype other than <f8", advice: "write float64")
            }
            let body = Array(bytes[(10 + headerLength)...])
            arrays[String(member.path.dropLast(4))] = stride(from: 0, to: body.count - 7, by: 8).map { offset in
                var bits: UInt64 = 0
                for byte in 0..<8 { bits |= UInt64(body[offset + byte]) << (8 * byte) }
                return Double(bitPattern: UInt64(littleEndian: bits))
            }
        }
        return arrays
    }
}

/// Runs a Python peer script with arguments; returns its stdout, throws with its stderr on failure.
public func runPeer(_ python: String, script: String, arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = [repositoryRoot() + "/Benchmarks/peers/" + script] + arguments
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw PeerUnavailable(reason: "\(script) failed: \(message.suffix(500))") }
    return text
}
