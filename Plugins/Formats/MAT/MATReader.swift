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
        guard bytes.count >= 128 else {
            if MAT4Reader.looksLikeVersion4(bytes) {
                throw USVError.malformed(path: path, location: "byte 0", reason: "a MAT v4 file (no 128-byte header) that the MAT v4 reader refused")
            }
            throw fail(0, "shorter than the 128-byte MAT header (\(bytes.count) bytes): not a MAT-file, or truncated")
        }
        if bytes.starts(with: [0x89, 0x48, 0x44, 0x46]) || MAT73.isVersion73(bytes) {
            throw USVError.unsupported(path: path, feature: "MAT v7.3 (HDF5) here", advice: "read it with the HDF5 reader")
        }
        switch (bytes[126], bytes[127]) {
        case (UInt8(ascii: "I"), UInt8(ascii: "M")): swap = false
        case (UInt8(ascii: "M"), UInt8(ascii: "I")): swap = true
        default: throw fail(126, "no 'IM'/'MI' endian indicator: not a MAT v5 file (nor a MAT v4 file, which has no header)")
        }
        let version = swap ? (UInt16(bytes[124]) << 8 | UInt16(bytes[125])) : (UInt16(bytes[125]) << 8 | UInt16(bytes[124]))
        guard version == 0x0100 else {
            if version == 0x0200 { throw USVError.unsupported(path: path, feature: "MAT v7.3", advice: "read it with the HDF5 reader") }
            throw fail(124, "version \(String(version, radix: 16)), expected 0100 (v5)")
        }
    }

    func fail(_ offset: Int, _ reason: String, variable: String? = nil) -> USVError {
        USVError.malformed(path: path, location: "byte \(offset)" + (variable.map { ", variable \($0)" } ?? ""), reason: reason)
    }

    /// All variables of the file, in order. A file with none (the 128-byte header alone), or that ends inside an
    /// element or its tag, is an error: a cut file never reads as a file with fewer variables.
    func variables() throws -> [(name: String, value: MATValue)] {
        var result: [(String, MATValue)] = []
        var offset = 128
        while offset < bytes.count {
            guard offset + 8 <= bytes.count else {
                throw fail(offset, "the file ends inside an element's tag (\(bytes.count - offset) of 8 bytes"
                    + (result.last.map { ", after variable \($0.0)" } ?? "") + "): truncated file?")
            }
            let (type, size, dataStart, next) = try tag(in: bytes, at: offset, base: 0)
            let unnamed = "number \(result.count + 1)" + (result.last.map { " (after \($0.0))" } ?? "")
            if type == Self.miCOMPRESSED {
                let inflated = try inflate(Array(bytes[dataStart..<(dataStart + size)]), at: dataStart, variable: unnamed)
                let inner = try tag(in: inflated, at: 0, base: dataStart, variable: unnamed)
                guard inner.type == Self.miMATRIX else {
                    throw fail(dataStart, "compressed element holds type \(inner.type), not a matrix", variable: unnamed)
                }
                result.append(try matrix(inflated, inner.dataStart, inner.dataStart + inner.size, base: dataStart, variable: nil,
                                         unnamed: unnamed))
            } else if type == Self.miMATRIX {
                result.append(try matrix(bytes, dataStart, dataStart + size, base: 0, variable: nil, unnamed: unnamed))
            } else {
                throw fail(offset, "top-level element of type \(type); expected a matrix", variable: unnamed)
            }
            offset = next
        }
        guard !result.isEmpty else {
            throw USVError.unusable(path: path, reason: "a MAT-file header with no variables after it (\(bytes.count) bytes): empty or truncated")
        }
        return result
    }

    /// A tag at `offset`: type, byte count, where the data starts and where the next element starts.
    func tag(in data: [UInt8], at offset: Int, base: Int, variable: String? = nil) throws -> (type: UInt32, size: Int, dataStart: Int, next: Int) {
        guard offset + 8 <= data.count else { throw fail(base + offset, "truncated element tag", variable: variable) }
        let first = word32(data, offset)
        if first >> 16 != 0 {  // small data element: type and size in one word, data in the next four bytes
            let size = Int(first >> 16)
            guard size <= 4 else { throw fail(base + offset, "small element of \(size) bytes", variable: variable) }
            return (first & 0xFFFF, size, offset + 4, offset + 8)
        }
        let size = Int(word32(data, offset + 4))
        let dataStart = offset + 8
        guard dataStart + size <= data.count else {
            throw fail(base + offset, "element of \(size) bytes runs past the end (\(data.count - dataStart) left): truncated file?",
                       variable: variable)
        }
        let padded = first == Self.miCOMPRESSED ? size : (size + 7) / 8 * 8
        return (first, size, dataStart, min(data.count, dataStart + padded))
    }

    func word32(_ data: [UInt8], _ offset: Int) -> UInt32 {
        let value = UInt32(data[offset]) | UInt32(data[offset + 1]) << 8 | UInt32(data[offset + 2]) << 16 | UInt32(data[offset + 3]) << 24
        return swap ? value.byteSwapped : value
    }

    /// The numbers of a numeric data element, widened to Double.
    func numbers(_ data: [UInt8], type: UInt32, start: Int, size: Int, base: Int, variable: String? = nil) throws -> [Double] {
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
        default: throw fail(base + start, "data type \(type) where numbers were expected", variable: variable)
        }
    }

    /// MATLAB's array classes that are not plain data, by mxClass number.
    static let refusedClasses: [UInt8: String] = [3: "a MATLAB object (class 3)", 16: "a function handle (mxFUNCTION_CLASS)",
                                                   17: "a MATLAB opaque object (mxOPAQUE_CLASS)"]

    /// One miMATRIX element's contents, `start..<end` of `data`. `variable` is the element's path from its top-level
    /// variable (`v.Spec{1}`, `s(2).name`), nil for a top-level variable (named by its own name element; until that is
    /// read, by `unnamed`). Every error names the path.
    func matrix(_ data: [UInt8], _ start: Int, _ end: Int, base: Int, depth: Int = 0, variable: String?,
                unnamed: String = "") throws -> (name: String, value: MATValue) {
        var path = variable ?? unnamed
        func fail(_ offset: Int, _ reason: String) -> USVError { self.fail(offset, reason, variable: path) }
        guard depth < 64 else { throw fail(base + start, "cells or structs nested more than 64 deep") }
        var cursor = start
        func next() throws -> (type: UInt32, size: Int, dataStart: Int) {
            guard cursor < end else { throw fail(base + cursor, "matrix ends early") }
            let element = try tag(in: data, at: cursor, base: base, variable: path)
            guard element.next <= end || element.dataStart + element.size <= end else {
                throw fail(base + cursor, "an element of \(element.size) bytes runs past the end of its matrix")
            }
            cursor = element.next
            return (element.type, element.size, element.dataStart)
        }
        func text(_ element: (type: UInt32, size: Int, dataStart: Int)) -> String {
            String(decoding: data[element.dataStart..<(element.dataStart + element.size)].prefix { $0 != 0 }, as: UTF8.self)
        }
        guard end > start else { return ("", .numeric(.double, dimensions: [0, 0], real: [], imaginary: nil)) }  // empty cell element
        let flags = try next()
        guard flags.type == Self.miUINT32, flags.size >= 8 else { throw fail(base + flags.dataStart, "bad array flags") }
        let flagWord = word32(data, flags.dataStart)
        let classNumber = UInt8(flagWord & 0xFF)
        let complex = flagWord & 0x0800 != 0, logical = flagWord & 0x0200 != 0
        if classNumber == 17 {
            // An opaque object (MATLAB's string, datetime, table, …): name, type system ("MCOS"), class name — and no
            // dimensions, whose place these names take.
            let nameElement = try next()
            if variable == nil { path = text(nameElement) }
            let system = try next()
            let className = try next()
            throw USVError.unsupported(path: self.path(for: base + flags.dataStart),
                                       feature: "MATLAB \(text(system)) object of class '\(text(className))' (variable \(path))",
                                       advice: className.size > 0 && text(className) == "string"
                                           ? "convert MATLAB strings to char arrays (char(s) or cellstr(s)) before saving"
                                           : "convert it to numeric arrays, char arrays, cells or structs before saving")
        }
        let dimensionsElement = try next()
        let dimensions = try numbers(data, type: dimensionsElement.type, start: dimensionsElement.dataStart,
                                     size: dimensionsElement.size, base: base, variable: path).map { Int(exactly: $0) ?? -1 }
        guard dimensions.count >= 2, dimensions.allSatisfy({ $0 >= 0 && $0 < 1 << 31 }) else {
            throw fail(base + dimensionsElement.dataStart, "bad dimensions \(dimensions.prefix(8))")
        }
        let count = try dimensions.reduce(1) { product, dimension in
            let (result, overflow) = product.multipliedReportingOverflow(by: dimension)
            guard !overflow, result < 1 << 31 else { throw fail(base + dimensionsElement.dataStart, "dimensions \(dimensions) are too large") }
            return result
        }
        let nameElement = try next()
        let name = String(decoding: data[nameElement.dataStart..<(nameElement.dataStart + nameElement.size)], as: UTF8.self)
        if variable == nil { path = name }
        switch classNumber {
        case 1:  // cell
            // Every element is a tagged matrix of at least 8 bytes: a count beyond that is a lie.
            guard count <= (end - cursor) / 8 else { throw fail(base + cursor, "a cell of \(count) elements in \(end - cursor) bytes") }
            var values: [MATValue] = []
            for index in 0..<count {
                let element = try next()
                let item = "\(path){\(index + 1)}"
                guard element.type == Self.miMATRIX else { throw self.fail(base + element.dataStart, "cell element is not a matrix", variable: item) }
                values.append(try matrix(data, element.dataStart, element.dataStart + element.size, base: base, depth: depth + 1,
                                         variable: item).value)
            }
            return (name, .cell(dimensions: dimensions, values: values))
        case 2, 3:  // struct; an object is a struct with a class name
            var className: String?
            if classNumber == 3 { className = text(try next()) }
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
            if let className {
                throw USVError.unsupported(path: self.path(for: base + flags.dataStart),
                                           feature: "a MATLAB object of class '\(className)' (variable \(path), fields \(fieldNames.joined(separator: ", ")))",
                                           advice: "save its data with struct(obj) or as plain arrays")
            }
            guard Set(fieldNames).count == fieldNames.count else {
                throw fail(base + namesElement.dataStart, "repeated field names \(fieldNames)")
            }
            guard fieldNames.isEmpty ? count <= 1 << 20 : count <= (end - cursor) / 8 / fieldNames.count else {
                throw fail(base + cursor, "a struct array of \(count) elements × \(fieldNames.count) fields in \(end - cursor) bytes")
            }
            var elements: [[String: MATValue]] = []
            for index in 0..<count {
                var element: [String: MATValue] = [:]
                for field in fieldNames {
                    let item = try next()
                    let fieldPath = count == 1 ? "\(path).\(field)" : "\(path)(\(index + 1)).\(field)"
                    guard item.type == Self.miMATRIX else { throw self.fail(base + item.dataStart, "struct field is not a matrix", variable: fieldPath) }
                    element[field] = try matrix(data, item.dataStart, item.dataStart + item.size, base: base, depth: depth + 1,
                                                variable: fieldPath).value
                }
                elements.append(element)
            }
            return (name, .structure(dimensions: dimensions, fieldNames: fieldNames, elements: elements))
        case 4:  // char
            let element = try next()
            let codes = try numbers(data, type: element.type, start: element.dataStart, size: element.size, base: base, variable: path)
            // Codes that are not characters become U+FFFD rather than stopping the read.
            let text = element.type == Self.miUTF8
                ? String(decoding: codes.map { UInt8(exactly: $0) ?? 0xFF }, as: UTF8.self)
                : String(decoding: codes.map { UInt16(exactly: $0) ?? 0xFFFD }, as: UTF16.self)
            return (name, .char(dimensions: dimensions, text: text))
        case 5:
            throw USVError.unsupported(path: self.path(for: base + flags.dataStart), feature: "sparse matrices (variable \(path))",
                                       advice: "save it with full(...)")
        default:
            guard let numericClass = MATNumericClass(rawValue: classNumber) else {
                if let refused = Self.refusedClasses[classNumber] {
                    throw USVError.unsupported(path: self.path(for: base + flags.dataStart), feature: "\(refused) (variable \(path))",
                                               advice: "save plain numeric arrays, char arrays, cells or structs")
                }
                throw fail(base + flags.dataStart, "unknown array class \(classNumber)")
            }
            let realElement = try next()
            let real = try numbers(data, type: realElement.type, start: realElement.dataStart, size: realElement.size, base: base,
                                   variable: path)
            guard real.count == count else { throw fail(base + realElement.dataStart, "\(real.count) values for \(count) elements") }
            if logical { return (name, .logical(dimensions: dimensions, values: real.map { $0 != 0 })) }
            var imaginary: [Double]?
            if complex {
                let imaginaryElement = try next()
                imaginary = try numbers(data, type: imaginaryElement.type, start: imaginaryElement.dataStart,
                                        size: imaginaryElement.size, base: base, variable: path)
                guard imaginary?.count == count else { throw fail(base + imaginaryElement.dataStart, "imaginary part does not match the real part") }
            }
            return (name, .numeric(numericClass, dimensions: dimensions, real: real, imaginary: imaginary))
        }
    }

    /// The file named with the byte where a refused array starts (for `unsupported` errors, which have no location).
    func path(for offset: Int) -> String { "\(path) (byte \(offset))" }

    /// Inflates a zlib stream (a compressed element), with a size cap against decompression bombs.
    func inflate(_ compressed: [UInt8], at offset: Int, limit: Int = 1 << 31, variable: String? = nil) throws -> [UInt8] {
        func fail(_ offset: Int, _ reason: String) -> USVError { self.fail(offset, reason, variable: variable) }
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
