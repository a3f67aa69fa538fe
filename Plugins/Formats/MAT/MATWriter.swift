import Foundation
import USVCore

/// Writes MATLAB v5 MAT-files (uncompressed, little-endian) that MATLAB and scipy.io.loadmat read.
struct MATWriter {
    private(set) var bytes: [UInt8] = []

    init(description: String = "MATLAB 5.0 MAT-file, written by USVKit") {
        var header = Array(description.utf8.prefix(116))
        header += [UInt8](repeating: 0x20, count: 116 - header.count)
        header += [UInt8](repeating: 0, count: 8)  // no subsystem data
        header += [0x00, 0x01, UInt8(ascii: "I"), UInt8(ascii: "M")]  // version 0x0100, little-endian
        bytes = header
    }

    mutating func add(_ name: String, _ value: MATValue) throws {
        try Self.checkVariableName(name)
        bytes += try Self.matrix(name, value)
    }

    static func checkVariableName(_ name: String) throws {
        guard name.range(of: "^[A-Za-z][A-Za-z0-9_]{0,62}$", options: .regularExpression) != nil else {
            throw USVError.usage("'\(name)' is not a MATLAB variable name")
        }
    }

    /// A tagged data element padded to 8 bytes.
    static func element(_ type: UInt32, _ payload: [UInt8]) -> [UInt8] {
        var out = word32(type) + word32(UInt32(payload.count)) + payload
        while out.count % 8 != 0 { out.append(0) }
        return out
    }

    static func word32(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }

    static func matrix(_ name: String, _ value: MATValue) throws -> [UInt8] {
        var body: [UInt8] = []
        func flags(_ classNumber: UInt8, complex: Bool = false, logical: Bool = false) -> [UInt8] {
            let word = UInt32(classNumber) | (complex ? 0x0800 : 0) | (logical ? 0x0200 : 0)
            return element(MATReader.miUINT32, word32(word) + word32(0))
        }
        let dimensions = value.dimensions
        let dimensionBytes = element(MATReader.miINT32, dimensions.flatMap { word32(UInt32(truncatingIfNeeded: Int32(clamping: $0))) })
        let nameBytes = element(MATReader.miINT8, Array(name.utf8))
        switch value {
        case .numeric(let numericClass, _, let real, let imaginary):
            body = flags(numericClass.rawValue, complex: imaginary != nil) + dimensionBytes + nameBytes + numbers(real, numericClass)
            if let imaginary { body += numbers(imaginary, numericClass) }
        case .logical(_, let values):
            body = flags(MATNumericClass.uint8.rawValue, logical: true) + dimensionBytes + nameBytes
                + element(MATReader.miUINT8, values.map { $0 ? 1 : 0 })
        case .char(_, let text):
            // ASCII as MATLAB writes it (miUINT16); other text as UTF-8 (miUTF8), as scipy.io writes it: scipy.io.loadmat
            // decodes miUINT16 characters with a one-byte codec by default, which turns non-ASCII into mojibake.
            let data = text.unicodeScalars.allSatisfy(\.isASCII)
                ? element(MATReader.miUINT16, text.utf16.flatMap { withUnsafeBytes(of: $0.littleEndian) { Array($0) } })
                : element(MATReader.miUTF8, Array(text.utf8))
            body = flags(4) + dimensionBytes + nameBytes + data
        case .cell(_, let values):
            body = flags(1) + dimensionBytes + nameBytes
            for item in values { body += try matrix("", item) }
        case .structure(_, let fieldNames, let elements):
            let width = 32
            for field in fieldNames where field.utf8.count >= width {
                throw USVError.usage("struct field name '\(field)' is longer than 31 characters")
            }
            body = flags(2) + dimensionBytes + nameBytes + element(MATReader.miINT32, word32(UInt32(width)))
                + element(MATReader.miINT8, fieldNames.flatMap { Array($0.utf8) + [UInt8](repeating: 0, count: width - $0.utf8.count) })
            for item in elements {
                for field in fieldNames {
                    body += try matrix("", item[field] ?? .numeric(.double, dimensions: [0, 0], real: [], imaginary: nil))
                }
            }
        }
        return word32(MATReader.miMATRIX) + word32(UInt32(body.count)) + body
    }

    /// Values stored in the class's own type.
    static func numbers(_ values: [Double], _ numericClass: MATNumericClass) -> [UInt8] {
        func pack<T>(_ type: UInt32, _ convert: (Double) -> T) -> [UInt8] {
            element(type, values.flatMap { value in withUnsafeBytes(of: convert(value)) { Array($0) } })
        }
        switch numericClass {
        case .double: return pack(MATReader.miDOUBLE) { $0 }
        case .single: return pack(MATReader.miSINGLE) { Float($0) }
        case .int8: return pack(MATReader.miINT8) { Int8(clamping: Int64($0)) }
        case .uint8: return pack(MATReader.miUINT8) { UInt8(clamping: Int64($0)) }
        case .int16: return pack(MATReader.miINT16) { Int16(clamping: Int64($0)) }
        case .uint16: return pack(MATReader.miUINT16) { UInt16(clamping: Int64($0)) }
        case .int32: return pack(MATReader.miINT32) { Int32(clamping: Int64($0)) }
        case .uint32: return pack(MATReader.miUINT32) { UInt32(clamping: Int64($0)) }
        case .int64: return pack(MATReader.miINT64) { Int64($0) }
        case .uint64: return pack(MATReader.miUINT64) { UInt64(max(0, $0)) }
        }
    }
}
