import CZlib
import Foundation
import USVCore

/// Reads MATLAB v5 MAT-files (the 128-byte header, then tagged data elements, zlib-compressed or not; either
/// byte order). Every error names the file and the byte offset. v7.3 files are HDF5 and go through the HDF5
/// reader; sparse and object arrays are reported as unsupported.
struct MATReader {
    let path: String
    let bytes: [UInt8]
    var swap = false

    // Data types of the v5 format.
    static let miINT8: UInt32 = 1, miUINT8: UInt32 = 2, miINT16: UInt32 = 3, miUINT16: UInt32 = 4, miINT32: UInt32 = 5,
               miUINT32: UInt32 = 6, miSINGLE: UInt32 = 7, miDOUBLE: UInt32 = 9, miINT64: UInt32 = 12, miUINT64: UInt32 = 13,
               miMATRIX: UInt32 = 14, miCOMPRESSED: UInt32 = 15, miUTF8: UInt32 = 16, miUTF16: UInt32 = 17, miUTF32: UInt32 = 18

    init(path: String, bytes: [UInt8]) throws {
        self.path = path
        self.bytes = bytes
        guard bytes.count >= 128 else { throw fail(0, "shorter than the 128-byte MAT header") }
        if bytes.starts(with: [0x89, 0x48, 0x44, 0x46]) || MAT73.isVersion73(bytes) {
            throw USVError.unsupported(path: path, feature: "MAT v7.3 (HDF5) here", advice: "read it with the HDF5 reader")
        }
        switch (bytes[126], bytes[127]) {
        case (UInt8(ascii: "I"), UInt8(ascii: "M")): swap = false
        case (UInt8(ascii: "M"), UInt8(ascii: "I")): swap = true
        default: throw fail(126, "no 'IM'/'MI' endian indicator: not a MAT v5 file")
        }
        let version = swap ? (UInt16(bytes[124]) << 8 | UInt16(bytes[125])) : (UInt16(bytes[125]) << 8 | UInt16(bytes[124]))
        guard version == 0x0100 else {
            if version == 0x0200 { throw USVError.unsupported(path: path, feature: "MAT v7.3", advice: "read it with the HDF5 reader") }
            throw fail(124, "version \(String(version, radix: 16)), expected 0100 (v5)")
        }
    }

    func fail(_ offset: Int, _ reason: String) -> USVError {
        USVError.malformed(path: path, location: "byte \(offset)", reason: reason)
    }

    /// All variables of the file, in order.
    func variables() throws -> [(name: String, value: MATValue)] {
        var result: [(String, MATValue)] = []
        var offset = 128
        while offset + 8 <= bytes.count {
            let (type, size, dataStart, next) = try tag(in: bytes, at: offset, base: 0)
            if type == Self.miCOMPRESSED {
                let inflated = try inflate(Array(bytes[dataStart..<(dataStart + size)]), at: dataStart)
                let inner = try tag(in: inflated, at: 0, base: dataStart)
                guard inner.type == Self.miMATRIX else { throw fail(dataStart, "compressed element holds type \(inner.type), not a matrix") }
                result.append(try matrix(inflated, inner.dataStart, inner.dataStart + inner.size, base: dataStart))
            } else if type == Self.miMATRIX {
                result.append(try matrix(bytes, dataStart, dataStart + size, base: 0))
            } else {
                throw fail(offset, "top-level element of type \(type); expected a matrix")
            }
            offset = next
        }
        return result
    }

    /// A tag at `offset`: type, byte count, where the data starts and where the next element starts.
    func tag(in data: [UInt8], at offset: Int, base: Int) throws -> (type: UInt32, size: Int, dataStart: Int, next: Int) {
        guard offset + 8 <= data.count else { throw fail(base + offset, "truncated element tag") }
        let first = word32(data, offset)
        if first >> 16 != 0 {  // small data element: type and size in one word, data in the next four bytes
            let size = Int(first >> 16)
            guard size <= 4 else { throw fail(base + offset, "small element of \(size) bytes") }
            return (first & 0xFFFF, size, offset + 4, offset + 8)
        }
        let size = Int(word32(data, offset + 4))
        let dataStart = offset + 8
        guard dataStart + size <= data.count else {
            throw fail(base + offset, "element of \(size) bytes runs past the end (\(data.count - dataStart) left): truncated file?")
        }
        let padded = first == Self.miCOMPRESSED ? size : (size + 7) / 8 * 8
        return (first, size, dataStart, min(data.count, dataStart + padded))
    }

    func word32(_ data: [UInt8], _ offset: Int) -> UInt32 {
        let value = UInt32(data[offset]) | UInt32(data[offset + 1]) << 8 | UInt32(data[offset + 2]) << 16 | UInt32(data[offset + 3]) << 24
        return swap ? value.byteSwapped : value
    }

    /// The numbers of a numeric data element, widened to Double.
    func numbers(_ data: [UInt8], type: UInt32, start: Int, size: Int, base: Int) throws -> [Double] {
        /// Raw little/big-endian words (floating-point bit patterns must not go through Double).
        func bits<T: FixedWidthInteger & UnsignedInteger>(_: T.Type) -> [T] {
            let width = MemoryLayout<T>.size
            return stride(from: start, to: start + size - width + 1, by: width).map { position in
                var raw: T = 0
                for byte in 0..<width { raw |= T(data[position + byte]) << (8 * byte) }
                return swap ? raw.byteSwapped : raw
            }
        }
        func load<T: FixedWidthInteger>(_: T.Type) -> [Double] {
            let width = MemoryLayout<T>.size
            return stride(from: start, to: start + size - width + 1, by: width).map { position in
                var raw: T = 0
                for byte in 0..<width { raw |= T(truncatingIfNeeded: data[position + byte]) << (8 * byte) }
                if swap { raw = raw.byteSwapped }
                return Double(raw)
            }
        }
        switch type {
        case Self.miINT8: return load(Int8.self)
        case Self.miUINT8, Self.miUTF8: return load(UInt8.self)
        case Self.miINT16: return load(Int16.self)
        case Self.miUINT16, Self.miUTF16: return load(UInt16.self)
        case Self.miINT32: return load(Int32.self)
        case Self.miUINT32, Self.miUTF32: return load(UInt32.self)
        case Self.miINT64: return load(Int64.self)
        case Self.miUINT64: return load(UInt64.self)
        case Self.miSINGLE: return bits(UInt32.self).map { Double(Float(bitPattern: $0)) }
        case Self.miDOUBLE: return bits(UInt64.self).map { Double(bitPattern: $0) }
        default: throw fail(base + start, "data type \(type) where numbers were expected")
        }
    }

    /// One miMATRIX element's contents, `start..<end` of `data`.
    func matrix(_ data: [UInt8], _ start: Int, _ end: Int, base: Int, depth: Int = 0) throws -> (name: String, value: MATValue) {
        guard depth < 64 else { throw fail(base + start, "cells or structs nested more than 64 deep") }
        var cursor = start
        func next() throws -> (type: UInt32, size: Int, dataStart: Int) {
            guard cursor < end else { throw fail(base + cursor, "matrix ends early") }
            let element = try tag(in: data, at: cursor, base: base)
            cursor = element.next
            return (element.type, element.size, element.dataStart)
        }
        guard end > start else { return ("", .numeric(.double, dimensions: [0, 0], real: [], imaginary: nil)) }  // empty cell element
        let flags = try next()
        guard flags.type == Self.miUINT32, flags.size >= 8 else { throw fail(base + flags.dataStart, "bad array flags") }
        let flagWord = word32(data, flags.dataStart)
        let classNumber = UInt8(flagWord & 0xFF)
        let complex = flagWord & 0x0800 != 0, logical = flagWord & 0x0200 != 0
        let dimensionsElement = try next()
        let dimensions = try numbers(data, type: dimensionsElement.type, start: dimensionsElement.dataStart,
                                     size: dimensionsElement.size, base: base).map { Int(exactly: $0) ?? -1 }
        guard dimensions.count >= 2, dimensions.allSatisfy({ $0 >= 0 && $0 < 1 << 31 }) else {
            throw fail(base + dimensionsElement.dataStart, "bad dimensions")
        }
        let count = try dimensions.reduce(1) { product, dimension in
            let (result, overflow) = product.multipliedReportingOverflow(by: dimension)
            guard !overflow, result < 1 << 31 else { throw fail(base + dimensionsElement.dataStart, "dimensions \(dimensions) are too large") }
            return result
        }
        let nameElement = try next()
        let name = String(decoding: data[nameElement.dataStart..<(nameElement.dataStart + nameElement.size)], as: UTF8.self)
        switch classNumber {
        case 1:  // cell
            // Every element is a tagged matrix of at least 8 bytes: a count beyond that is a lie.
            guard count <= (end - cursor) / 8 else { throw fail(base + cursor, "a cell of \(count) elements in \(end - cursor) bytes") }
            var values: [MATValue] = []
            for _ in 0..<count {
                let element = try next()
                guard element.type == Self.miMATRIX else { throw fail(base + element.dataStart, "cell element is not a matrix") }
                values.append(try matrix(data, element.dataStart, element.dataStart + element.size, base: base, depth: depth + 1).value)
            }
            return (name, .cell(dimensions: dimensions, values: values))
        case 2:  // struct
            let lengthElement = try next()
            guard lengthElement.size >= 4 else { throw fail(base + lengthElement.dataStart, "no field name length") }
            let length = Int(word32(data, lengthElement.dataStart))
            let namesElement = try next()
            guard length > 0 else { throw fail(base + lengthElement.dataStart, "field name length 0") }
            let fieldCount = namesElement.size / length
            let fieldNames = (0..<fieldCount).map { index -> String in
                let slice = data[(namesElement.dataStart + index * length)..<(namesElement.dataStart + (index + 1) * length)]
                return String(decoding: slice.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard fieldNames.isEmpty ? count <= 1 << 20 : count <= (end - cursor) / 8 / fieldNames.count else {
                throw fail(base + cursor, "a struct array of \(count) elements × \(fieldNames.count) fields in \(end - cursor) bytes")
            }
            var elements: [[String: MATValue]] = []
            for _ in 0..<count {
                var element: [String: MATValue] = [:]
                for field in fieldNames {
                    let item = try next()
                    guard item.type == Self.miMATRIX else { throw fail(base + item.dataStart, "struct field \(field) is not a matrix") }
                    element[field] = try matrix(data, item.dataStart, item.dataStart + item.size, base: base, depth: depth + 1).value
                }
                elements.append(element)
            }
            return (name, .structure(dimensions: dimensions, fieldNames: fieldNames, elements: elements))
        case 3:
            throw USVError.unsupported(path: path, feature: "MATLAB objects (variable '\(name)')", advice: "save the data as plain arrays or structs")
        case 4:  // char
            let element = try next()
            let codes = try numbers(data, type: element.type, start: element.dataStart, size: element.size, base: base)
            // Codes that are not characters become U+FFFD rather than stopping the read.
            let text = element.type == Self.miUTF8
                ? String(decoding: codes.map { UInt8(exactly: $0) ?? 0xFF }, as: UTF8.self)
                : String(decoding: codes.map { UInt16(exactly: $0) ?? 0xFFFD }, as: UTF16.self)
            return (name, .char(dimensions: dimensions, text: text))
        case 5:
            throw USVError.unsupported(path: path, feature: "sparse matrices (variable '\(name)')", advice: "save it with full(...)")
        default:
            guard let numericClass = MATNumericClass(rawValue: classNumber) else {
                throw fail(base + flags.dataStart, "unknown array class \(classNumber)")
            }
            let realElement = try next()
            let real = try numbers(data, type: realElement.type, start: realElement.dataStart, size: realElement.size, base: base)
            guard real.count == count else { throw fail(base + realElement.dataStart, "\(real.count) values for \(count) elements") }
            if logical { return (name, .logical(dimensions: dimensions, values: real.map { $0 != 0 })) }
            var imaginary: [Double]?
            if complex {
                let imaginaryElement = try next()
                imaginary = try numbers(data, type: imaginaryElement.type, start: imaginaryElement.dataStart,
                                        size: imaginaryElement.size, base: base)
                guard imaginary?.count == count else { throw fail(base + imaginaryElement.dataStart, "imaginary part does not match the real part") }
            }
            return (name, .numeric(numericClass, dimensions: dimensions, real: real, imaginary: imaginary))
        }
    }

    /// Inflates a zlib stream (a compressed element), with a size cap against decompression bombs.
    func inflate(_ compressed: [UInt8], at offset: Int, limit: Int = 1 << 31) throws -> [UInt8] {
        var stream = z_stream()
        guard usv_inflate_init(&stream) == Z_OK else { throw fail(offset, "zlib could not start") }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var input = compressed
        let status: Int32 = input.withUnsafeMutableBufferPointer { source -> Int32 in
            stream.next_in = source.baseAddress
            stream.avail_in = uInt(source.count)
            while true {
                let result = chunk.withUnsafeMutableBufferPointer { target -> Int32 in
                    stream.next_out = target.baseAddress
                    stream.avail_out = uInt(target.count)
                    return CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk.count - Int(stream.avail_out)
                output.append(contentsOf: chunk[0..<produced])
                if result == Z_STREAM_END { return Z_STREAM_END }
                if result != Z_OK || output.count > limit || (produced == 0 && stream.avail_in == 0) { return result == Z_OK ? Z_DATA_ERROR : result }
            }
        }
        guard status == Z_STREAM_END else {
            throw fail(offset + Int(stream.total_in), output.count > limit ? "compressed element inflates past \(limit) bytes"
                : "bad zlib stream (zlib status \(status))")
        }
        return output
    }
}
