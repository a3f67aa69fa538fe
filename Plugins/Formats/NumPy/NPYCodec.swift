import USVCore

/// The .npy format (NumPy's own description of it: magic `\x93NUMPY`, version, header length, a dict
/// literal header padded to 64 bytes, then the raw values). Reads versions 1.0, 2.0 and 3.0, both byte
/// orders and Fortran order; writes version 1.0, or 2.0 when the header is too long for 1.0.
public enum NPYCodec {
    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    /// True when `head` starts with the .npy magic.
    public static func hasMagic(_ head: [UInt8]) -> Bool { head.starts(with: magic) }

    /// Decodes one array. `path` names the file (or archive member) in errors. The declared size is checked
    /// against the bytes present before anything is allocated for the values.
    public static func decode(_ bytes: [UInt8], name: String, path: String) throws -> NDArray {
        func malformed(_ location: String, _ reason: String) -> USVError {
            USVError.malformed(path: path, location: location, reason: reason)
        }
        guard bytes.count >= 10 else { throw malformed("byte 0", "only \(bytes.count) bytes; a .npy file starts with a 10-byte preamble") }
        guard hasMagic(bytes) else { throw malformed("byte 0", "no .npy magic (\\x93NUMPY); not a NumPy array file") }
        let major = bytes[6]
        let minor = bytes[7]
        guard (1...3).contains(major), minor == 0 else {
            throw USVError.unsupported(path: path, feature: ".npy format version \(major).\(minor)", advice: "save with NumPy's default format (1.0)")
        }
        let headerLength: Int
        let headerStart: Int
        if major == 1 {
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        } else {
            guard bytes.count >= 12 else { throw malformed("byte 8", "the file ends inside the header length") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        }
        let dataStart = headerStart + headerLength
        guard dataStart <= bytes.count else {
            throw malformed("byte \(headerStart)", "the header declares \(headerLength) bytes but only \(bytes.count - headerStart) follow (truncated file)")
        }
        let headerBytes = bytes[headerStart..<dataStart]
        let headerText: String
        if major == 3 {
            guard let text = String(validating: headerBytes, as: UTF8.self) else { throw malformed("byte \(headerStart)", "the header is not UTF-8") }
            headerText = text
        } else {
            headerText = String(String.UnicodeScalarView(headerBytes.map { Unicode.Scalar($0) }))
        }
        let header: NPYHeader
        do {
            header = try NPYHeader.parse(headerText)
        } catch {
            throw malformed("byte \(headerStart) (header)", error.reason)
        }
        let (dtype, bigEndian) = try dataType(header.descr, path: path)
        guard let count = NDArray.elementCount(header.shape) else {
            throw malformed("header", "shape \(header.shape) has more elements than can be addressed")
        }
        let (needed, overflow) = count.multipliedReportingOverflow(by: dtype.size)
        let present = bytes.count - dataStart
        guard !overflow, needed <= present else {
            throw malformed("byte \(dataStart)", "shape \(header.shape) of \(header.descr) needs \(overflow ? "more than \(Int.max)" : String(needed)) bytes of data but \(present) are present (truncated file or wrong shape)")
        }
        guard needed == present else {
            throw malformed("byte \(dataStart + needed)", "\(present - needed) bytes after the \(needed) that shape \(header.shape) of \(header.descr) needs")
        }
        var values = decodeValues(bytes, from: dataStart, count: count, dtype: dtype, bigEndian: bigEndian)
        if header.fortranOrder && header.shape.count > 1 { values = reorder(values, columnMajorShape: header.shape) }
        return try NDArray(name: name, shape: header.shape, dtype: dtype, values: values)
    }

    /// The element type and byte order of a descr such as `<f8`, `>i4`, `|b1`.
    static func dataType(_ descr: String, path: String) throws -> (NDArray.DType, bigEndian: Bool) {
        let types: [String: NDArray.DType] = ["b1": .bool, "?": .bool, "i1": .int8, "i2": .int16, "i4": .int32, "i8": .int64,
                                              "u1": .uint8, "u2": .uint16, "u4": .uint32, "u8": .uint64, "f4": .float32, "f8": .float64]
        var code = Substring(descr)
        var bigEndian = false
        if let first = code.first, "<>|=".contains(first) {
            bigEndian = first == ">"
            code = code.dropFirst()
        }
        guard let dtype = types[String(code)] else {
            throw USVError.unsupported(path: path, feature: "NumPy dtype '\(descr)'",
                                       advice: "convert to bool, int8…int64, uint8…uint64, float32 or float64 before saving")
        }
        return (dtype, bigEndian)
    }

    static func decodeValues(_ bytes: [UInt8], from start: Int, count: Int, dtype: NDArray.DType, bigEndian: Bool) -> NDArray.Values {
        bytes.withUnsafeBytes { raw in
            let size = dtype.size
            func bits<T: FixedWidthInteger>(_ index: Int, as type: T.Type) -> T {
                let value = raw.loadUnaligned(fromByteOffset: start + index * size, as: T.self)
                return bigEndian ? T(bigEndian: value) : T(littleEndian: value)
            }
            switch dtype {
            case .bool: return .bool((0..<count).map { raw[start + $0] != 0 })
            case .int8: return .signed((0..<count).map { Int64(Int8(bitPattern: raw[start + $0])) })
            case .int16: return .signed((0..<count).map { Int64(bits($0, as: Int16.self)) })
            case .int32: return .signed((0..<count).map { Int64(bits($0, as: Int32.self)) })
            case .int64: return .signed((0..<count).map { bits($0, as: Int64.self) })
            case .uint8: return .unsigned((0..<count).map { UInt64(raw[start + $0]) })
            case .uint16: return .unsigned((0..<count).map { UInt64(bits($0, as: UInt16.self)) })
            case .uint32: return .unsigned((0..<count).map { UInt64(bits($0, as: UInt32.self)) })
            case .uint64: return .unsigned((0..<count).map { bits($0, as: UInt64.self) })
            case .float32: return .float32((0..<count).map { Float(bitPattern: bits($0, as: UInt32.self)) })
            case .float64: return .float64((0..<count).map { Double(bitPattern: bits($0, as: UInt64.self)) })
            }
        }
    }

    /// Values stored first-axis-fastest (Fortran order) rearranged row-major.
    static func reorder(_ values: NDArray.Values, columnMajorShape shape: [Int]) -> NDArray.Values {
        let count = values.count
        // Row-major strides; walk the file order with an odometer over the first axis fastest.
        var strides = [Int](repeating: 1, count: shape.count)
        for axis in stride(from: shape.count - 2, through: 0, by: -1) { strides[axis] = strides[axis + 1] * shape[axis + 1] }
        var target = [Int](repeating: 0, count: count)
        var position = [Int](repeating: 0, count: shape.count)
        var offset = 0
        for index in 0..<count {
            target[index] = offset
            for axis in 0..<shape.count {
                position[axis] += 1
                offset += strides[axis]
                if position[axis] < shape[axis] { break }
                offset -= strides[axis] * shape[axis]
                position[axis] = 0
            }
        }
        func place<T>(_ source: [T]) -> [T] {
            var out = source
            for index in 0..<count { out[target[index]] = source[index] }
            return out
        }
        switch values {
        case .bool(let values): return .bool(place(values))
        case .signed(let values): return .signed(place(values))
        case .unsigned(let values): return .unsigned(place(values))
        case .float32(let values): return .float32(place(values))
        case .float64(let values): return .float64(place(values))
        }
    }

    /// The descr NumPy writes for `dtype` in little-endian order.
    static func descr(_ dtype: NDArray.DType) -> String {
        switch dtype {
        case .bool: return "|b1"
        case .int8: return "|i1"
        case .uint8: return "|u1"
        case .int16: return "<i2"
        case .int32: return "<i4"
        case .int64: return "<i8"
        case .uint16: return "<u2"
        case .uint32: return "<u4"
        case .uint64: return "<u8"
        case .float32: return "<f4"
        case .float64: return "<f8"
        }
    }

    /// Encodes `array` as a C-order, little-endian .npy file.
    public static func encode(_ array: NDArray) -> [UInt8] {
        let dict = NPYHeader(descr: descr(array.dtype), fortranOrder: false, shape: array.shape).text
        // The preamble plus the header (ended by a newline) is padded with spaces to a multiple of 64 bytes.
        func padded(preamble: Int) -> String {
            let unpadded = preamble + dict.utf8.count + 1
            return dict + String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        }
        var header = padded(preamble: 10)
        var bytes = magic
        if header.utf8.count <= 0xFFFF {
            bytes += [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
        } else {
            header = padded(preamble: 12)
            let length = UInt32(header.utf8.count)
            bytes += [2, 0] + (0..<4).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) }
        }
        bytes += Array(header.utf8)
        bytes.reserveCapacity(bytes.count + array.count * array.dtype.size)
        func append<T: FixedWidthInteger>(_ value: T) {
            withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
        }
        switch array.values {
        case .bool(let values): bytes += values.map { $0 ? 1 : 0 }
        case .signed(let values):
            for value in values {
                switch array.dtype.size {
                case 1: append(Int8(truncatingIfNeeded: value))
                case 2: append(Int16(truncatingIfNeeded: value))
                case 4: append(Int32(truncatingIfNeeded: value))
                default: append(value)
                }
            }
        case .unsigned(let values):
            for value in values {
                switch array.dtype.size {
                case 1: append(UInt8(truncatingIfNeeded: value))
                case 2: append(UInt16(truncatingIfNeeded: value))
                case 4: append(UInt32(truncatingIfNeeded: value))
                default: append(value)
                }
            }
        case .float32(let values): for value in values { append(value.bitPattern) }
        case .float64(let values): for value in values { append(value.bitPattern) }
        }
        return bytes
    }
}
