import USVCore

/// Reads MATLAB v4 MAT-files (MATLAB 4 and `save -v4`, scipy's `format='4'`): no file header, one 20-byte matrix
/// header per variable (type code MOPT, rows, columns, imaginary flag, name length), the name, then the real and
/// imaginary values column-major. Full numeric matrices (double, single, int32, int16, uint16, uint8; real or
/// complex) and text matrices are read; sparse matrices and VAX/Cray number formats are refused naming "MAT v4".
/// Every error names the file, the byte and the variable.
struct MAT4Reader {
    let path: String
    let bytes: [UInt8]

    /// The header of one matrix: byte order, MOPT digits, shape and name length.
    struct Header {
        var bigEndian: Bool
        var precision: Int
        var type: Int
        var rows: Int
        var columns: Int
        var complex: Bool
        var nameLength: Int
    }

    /// Element sizes and classes by the P digit of MOPT.
    static let precisions: [(size: Int, numericClass: MATNumericClass)] = [
        (8, .double), (4, .single), (4, .int32), (2, .int16), (2, .uint16), (1, .uint8),
    ]

    /// The first four bytes hold a zero (scipy's test: v5 and v7.3 files start with header text) and the first
    /// matrix header is plausible.
    static func looksLikeVersion4(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 20, bytes.prefix(4).contains(0) else { return false }
        return (try? header(bytes, at: 0, path: "")) != nil
    }

    static func int32(_ bytes: [UInt8], _ offset: Int, bigEndian: Bool) -> Int {
        let raw = (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32(bigEndian ? 3 - $1 : $1)) }
        return Int(Int32(bitPattern: raw))
    }

    /// The matrix header at `offset`; its byte order is the one in which MOPT's machine digit says so (0: little-endian
    /// IEEE, 1: big-endian IEEE).
    static func header(_ bytes: [UInt8], at offset: Int, path: String) throws -> Header {
        func fail(_ reason: String) -> USVError { USVError.malformed(path: path, location: "byte \(offset)", reason: "MAT v4: " + reason) }
        guard offset + 20 <= bytes.count else { throw fail("the file ends inside a matrix header (\(bytes.count - offset) of 20 bytes): truncated file?") }
        let little = int32(bytes, offset, bigEndian: false)
        let big = int32(bytes, offset, bigEndian: true)
        let bigEndian: Bool
        let mopt: Int
        if (0..<1000).contains(little) {
            (bigEndian, mopt) = (false, little)
        } else if (1000..<2000).contains(big) {
            (bigEndian, mopt) = (true, big)
        } else if (2000..<5000).contains(little) || (2000..<5000).contains(big) {
            throw USVError.unsupported(path: path, feature: "MAT v4 files in VAX or Cray number formats (byte \(offset))",
                                       advice: "save the file again on an IEEE machine, or as MAT v5")
        } else {
            throw fail("type code \(little) is not a MAT v4 matrix type (MOPT)")
        }
        let (other, precision, type) = (mopt / 100 % 10, mopt / 10 % 10, mopt % 10)
        guard other == 0, precision < precisions.count, type <= 2 else { throw fail("type code \(mopt) is not a MAT v4 matrix type (MOPT)") }
        let rows = int32(bytes, offset + 4, bigEndian: bigEndian)
        let columns = int32(bytes, offset + 8, bigEndian: bigEndian)
        let imaginary = int32(bytes, offset + 12, bigEndian: bigEndian)
        let nameLength = int32(bytes, offset + 16, bigEndian: bigEndian)
        guard rows >= 0, columns >= 0, imaginary == 0 || imaginary == 1, (1...65_536).contains(nameLength) else {
            throw fail("impossible header: \(rows) × \(columns), imaginary flag \(imaginary), name of \(nameLength) bytes")
        }
        return Header(bigEndian: bigEndian, precision: precision, type: type, rows: rows, columns: columns, complex: imaginary == 1,
                      nameLength: nameLength)
    }

    /// All variables of the file, in order; a file that ends inside a matrix is an error.
    func variables() throws -> [(name: String, value: MATValue)] {
        var result: [(name: String, value: MATValue)] = []
        var offset = 0
        while offset < bytes.count {
            let header = try Self.header(bytes, at: offset, path: path)
            let nameStart = offset + 20
            guard nameStart + header.nameLength <= bytes.count else {
                throw USVError.malformed(path: path, location: "byte \(nameStart)", reason: "MAT v4: the file ends inside a variable name: truncated file?")
            }
            let name = String(decoding: bytes[nameStart..<(nameStart + header.nameLength)].prefix { $0 != 0 }, as: UTF8.self)
            func fail(_ at: Int, _ reason: String) -> USVError {
                USVError.malformed(path: path, location: "byte \(at), variable \(name)", reason: "MAT v4: " + reason)
            }
            if header.type == 2 {
                throw USVError.unsupported(path: "\(path) (byte \(offset))", feature: "MAT v4 sparse matrices (variable \(name))",
                                           advice: "save it with full(...), or as MAT v5")
            }
            let (size, numericClass) = Self.precisions[header.precision]
            let (count, countOverflow) = header.rows.multipliedReportingOverflow(by: header.columns)
            let (partBytes, bytesOverflow) = count.multipliedReportingOverflow(by: size)
            let parts = header.complex ? 2 : 1
            let dataStart = nameStart + header.nameLength
            guard !countOverflow, !bytesOverflow, count < 1 << 31, partBytes <= (bytes.count - dataStart) / parts else {
                throw fail(dataStart, "\(header.rows) × \(header.columns) values of \(size) bytes\(header.complex ? " (complex)" : "") "
                    + "need more than the \(bytes.count - dataStart) bytes left: truncated file?")
            }
            let real = values(at: dataStart, count: count, header: header)
            let imaginary = header.complex ? values(at: dataStart + partBytes, count: count, header: header) : nil
            let dimensions = [header.rows, header.columns]
            if header.type == 1 {
                // Text: one character code per element, column-major.
                let codes = real.map { UInt16(exactly: $0) ?? 0xFFFD }
                result.append((name, .char(dimensions: dimensions, text: String(decoding: codes, as: UTF16.self))))
            } else {
                result.append((name, .numeric(numericClass, dimensions: dimensions, real: real, imaginary: imaginary)))
            }
            offset = dataStart + partBytes * parts
        }
        guard !result.isEmpty else { throw USVError.unusable(path: path, reason: "MAT v4: no variables") }
        return result
    }

    /// `count` values of the header's precision and byte order from `start`, widened to Double.
    func values(at start: Int, count: Int, header: Header) -> [Double] {
        let size = Self.precisions[header.precision].size
        return bytes.withUnsafeBytes { raw in
            (0..<count).map { index -> Double in
                var bits: UInt64 = 0
                for byte in 0..<size {
                    let value = UInt64(raw[start + index * size + byte])
                    bits |= value << (8 * UInt64(header.bigEndian ? size - 1 - byte : byte))
                }
                switch header.precision {
                case 0: return Double(bitPattern: bits)
                case 1: return Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits)))
                case 2: return Double(Int32(truncatingIfNeeded: bits))
                case 3: return Double(Int16(truncatingIfNeeded: bits))
                case 4: return Double(UInt16(truncatingIfNeeded: bits))
                default: return Double(UInt8(truncatingIfNeeded: bits))
                }
            }
        }
    }
}
