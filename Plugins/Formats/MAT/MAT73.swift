import Foundation
import USVCore

/// MATLAB v7.3 MAT-files: HDF5 behind a 512-byte user block that holds the MAT header text. Each variable is
/// a root object carrying a `MATLAB_class` attribute; arrays are stored with their dimensions reversed (so
/// HDF5's row-major order is MATLAB's column-major order), char as UTF-16 code units, logical as uint8, cells
/// as object references into `/#refs#`, structs as groups (field order in `MATLAB_fields`), struct arrays as
/// groups whose fields are reference arrays, and empty arrays as their dimensions with `MATLAB_empty` = 1.
/// This is the layout MATLAB's `save -v7.3` and Python's hdf5storage write.
enum MAT73 {
    static let classNames: [MATNumericClass: String] = [
        .double: "double", .single: "single", .int8: "int8", .uint8: "uint8", .int16: "int16", .uint16: "uint16",
        .int32: "int32", .uint32: "uint32", .int64: "int64", .uint64: "uint64",
    ]

    /// Whether `bytes` (at least the first 520) are a v7.3 file: HDF5's signature after the user block.
    static func isVersion73(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 516 && Array(bytes[512..<516]) == [0x89, 0x48, 0x44, 0x46]
    }

    // MARK: Reading

    static func read(path: String) throws -> [(name: String, value: MATValue)] {
        let file = try HDF5File(path: path, mode: .read)
        let variables = try file.children(of: "/").filter { !$0.hasPrefix("#") }.map { name in
            (name, try value(file, at: "/" + name, variable: name))
        }
        guard !variables.isEmpty else { throw USVError.unusable(path: path, reason: "a MAT v7.3 file with no variables") }
        return variables
    }

    /// The value at HDF5 `path`, MATLAB variable path `variable` (`v.Spec{1}`); errors from below name the variable.
    private static func value(_ file: HDF5File, at path: String, variable: String, depth: Int = 0) throws -> MATValue {
        do {
            return try uncheckedValue(file, at: path, variable: variable, depth: depth)
        } catch let error as USVError {
            throw naming(error, variable: variable, file: file.path)
        }
    }

    /// `error` with "variable X" in its location (the innermost variable: a deeper one already named it).
    static func naming(_ error: USVError, variable: String, file: String) -> USVError {
        switch error {
        case .malformed(let named, let location, let reason) where !location.contains("variable "):
            return .malformed(path: named, location: location + ", variable \(variable)", reason: reason)
        case .io(let named, let reason) where !reason.contains("variable "):
            return .malformed(path: named, location: "variable \(variable)", reason: reason)
        case .unusable(let named, let reason) where !reason.contains("variable "):
            return .malformed(path: named, location: "variable \(variable)", reason: reason)
        default:
            return error
        }
    }

    private static func uncheckedValue(_ file: HDF5File, at path: String, variable: String, depth: Int) throws -> MATValue {
        guard depth < 64 else { throw USVError.malformed(path: file.path, location: path, reason: "nested more than 64 deep") }
        let matlabClass = file.hasAttribute("MATLAB_class", on: path) ? try file.attribute("MATLAB_class", on: path) : nil
        if file.hasAttribute("MATLAB_sparse", on: path) {
            throw USVError.unsupported(path: file.path, feature: "the sparse array \(path) (variable \(variable))", advice: "save it with full() in MATLAB first")
        }
        switch file.kind(of: path) {
        case .group?:
            guard matlabClass == nil || matlabClass == "struct" else {
                throw USVError.unsupported(path: file.path, feature: "MATLAB class '\(matlabClass ?? "")' (\(path), variable \(variable))",
                                           advice: "convert it to a struct, cell or numeric array in MATLAB")
            }
            return try structure(file, at: path, variable: variable, depth: depth)
        case .dataset?:
            return try dataset(file, at: path, matlabClass: matlabClass, variable: variable, depth: depth)
        default:
            throw USVError.malformed(path: file.path, location: path, reason: "neither a group nor a dataset")
        }
    }

    private static func dataset(_ file: HDF5File, at path: String, matlabClass: String?, variable: String, depth: Int) throws -> MATValue {
        let info = try file.datasetInfo(path)
        var dimensions = Array(info.shape.reversed())
        if dimensions.isEmpty { dimensions = [1, 1] } else if dimensions.count == 1 { dimensions.append(1) }
        if file.hasAttribute("MATLAB_empty", on: path), try file.numericAttribute("MATLAB_empty", on: path, as: UInt8.self).first ?? 0 != 0 {
            // The data are the empty array's dimensions.
            var empty = try file.read(path, as: UInt64.self).values.map { Int(clamping: $0) }
            if empty.count < 2 { empty = [0, 0] }
            return emptyValue(matlabClass ?? "double", dimensions: empty)
        }
        switch matlabClass {
        case "char"?:
            let units = try file.read(path, as: UInt16.self).values
            return .char(dimensions: dimensions, text: String(decoding: units, as: UTF16.self))
        case "logical"?:
            return .logical(dimensions: dimensions, values: try file.read(path, as: UInt8.self).values.map { $0 != 0 })
        case "cell"?:
            let targets = try file.readReferences(path).targets
            return .cell(dimensions: dimensions, values: try targets.enumerated().map { index, target in
                try value(file, at: target, variable: "\(variable){\(index + 1)}", depth: depth + 1)
            })
        default:
            break
        }
        let numericClass: MATNumericClass
        if let matlabClass {
            guard let known = classNames.first(where: { $0.value == matlabClass })?.key else {
                throw USVError.unsupported(path: file.path, feature: "MATLAB class '\(matlabClass)' (\(path), variable \(variable))",
                                           advice: matlabClass == "string" ? "convert MATLAB strings to char arrays (char(s) or cellstr(s)) before saving"
                                               : "convert it to a numeric, char, logical, cell or struct array in MATLAB")
            }
            numericClass = known
        } else {
            // A plain HDF5 dataset (h5py): take the class from the stored type.
            switch info.type {
            case .float(4): numericClass = .single
            case .float: numericClass = .double
            case .integer(1, true): numericClass = .int8
            case .integer(1, false): numericClass = .uint8
            case .integer(2, true): numericClass = .int16
            case .integer(2, false): numericClass = .uint16
            case .integer(4, true): numericClass = .int32
            case .integer(4, false): numericClass = .uint32
            case .integer(_, true): numericClass = .int64
            case .integer(_, false): numericClass = .uint64
            case .string:
                return .char(dimensions: [1, 1], text: try file.readStrings(path).values.joined())
            case .compound: numericClass = .double
            default:
                throw USVError.unsupported(path: file.path, feature: "the dataset \(path) of type \(info.type) (variable \(variable))",
                                           advice: "store numbers, text, cells or structs")
            }
        }
        if case .compound = info.type {
            let complex = try file.readComplex(path)
            return .numeric(numericClass, dimensions: dimensions, real: complex.real, imaginary: complex.imaginary)
        }
        return .numeric(numericClass, dimensions: dimensions, real: try file.read(path, as: Double.self).values, imaginary: nil)
    }

    private static func structure(_ file: HDF5File, at path: String, variable: String, depth: Int) throws -> MATValue {
        let members = try file.children(of: path)
        let fieldNames = file.hasAttribute("MATLAB_fields", on: path)
            ? try file.characterSequences("MATLAB_fields", on: path).filter(members.contains) : members
        // A struct array stores each field as an array of references without a MATLAB_class of its own.
        let arrayField = try fieldNames.first { name in
            let field = path + "/" + name
            guard file.kind(of: field) == .dataset, !file.hasAttribute("MATLAB_class", on: field) else { return false }
            return try file.datasetInfo(field).type == .objectReference
        }
        guard let arrayField else {
            var element: [String: MATValue] = [:]
            for name in fieldNames { element[name] = try value(file, at: path + "/" + name, variable: "\(variable).\(name)", depth: depth + 1) }
            return .structure(dimensions: [1, 1], fieldNames: fieldNames, elements: [element])
        }
        let shape = try file.datasetInfo(path + "/" + arrayField).shape
        var dimensions = Array(shape.reversed())
        if dimensions.count == 1 { dimensions.append(1) }
        let count = try shape.reduce(1) { product, extent in
            let (result, overflow) = product.multipliedReportingOverflow(by: extent)
            guard !overflow, result <= 1 << 24 else {
                throw USVError.malformed(path: file.path, location: path + "/" + arrayField, reason: "a struct array of shape \(shape) is too large")
            }
            return result
        }
        var elements = [[String: MATValue]](repeating: [:], count: count)
        for name in fieldNames {
            let targets = try file.readReferences(path + "/" + name).targets
            guard targets.count == count else {
                throw USVError.malformed(path: file.path, location: path + "/" + name, reason: "\(targets.count) elements, expected \(count)")
            }
            for (index, target) in targets.enumerated() {
                elements[index][name] = try value(file, at: target, variable: count == 1 ? "\(variable).\(name)" : "\(variable)(\(index + 1)).\(name)",
                                                  depth: depth + 1)
            }
        }
        return .structure(dimensions: dimensions, fieldNames: fieldNames, elements: elements)
    }

    private static func emptyValue(_ matlabClass: String, dimensions: [Int]) -> MATValue {
        switch matlabClass {
        case "char": return .char(dimensions: dimensions, text: "")
        case "logical": return .logical(dimensions: dimensions, values: [])
        case "cell": return .cell(dimensions: dimensions, values: [])
        case "struct": return .structure(dimensions: dimensions, fieldNames: [], elements: [])
        default:
            let numericClass = classNames.first { $0.value == matlabClass }?.key ?? .double
            return .numeric(numericClass, dimensions: dimensions, real: [], imaginary: nil)
        }
    }

    // MARK: Writing

    /// Writes `variables` as a v7.3 MAT-file at `path`, atomically.
    static func write(_ variables: [(name: String, value: MATValue)], to path: String) throws {
        try writeAtomically(path) { temporary in
            do {
                let file = try HDF5File(path: temporary, mode: .create, userBlock: 512)
                var writer = Writer(file: file)
                for (name, value) in variables { try writer.write(value, at: "/" + name) }
                file.close()
            }
            guard let handle = FileHandle(forWritingAtPath: temporary) else {
                throw USVError.io(path: path, reason: "cannot reopen to write the MAT header")
            }
            defer { try? handle.close() }
            try handle.write(contentsOf: Data(header()))
        }
    }

    /// The 128-byte MAT header in the user block: text, subsystem offset, version 0x0200, 'IM'.
    static func header(date: Date = Date()) -> [UInt8] {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "EEE MMM d HH:mm:ss yyyy"
        formatter.timeZone = TimeZone(identifier: "UTC")
        let text = "MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: \(formatter.string(from: date)) HDF5 schema 1.00 ."
        var bytes = Array(text.utf8.prefix(116))
        bytes += [UInt8](repeating: 0x20, count: 116 - bytes.count)
        bytes += [UInt8](repeating: 0, count: 8)
        bytes += [0x00, 0x02, UInt8(ascii: "I"), UInt8(ascii: "M")]
        return bytes
    }

    private struct Writer {
        let file: HDF5File
        var referenceCount = 0

        mutating func write(_ value: MATValue, at path: String) throws {
            let shape = Array(value.dimensions.reversed())
            switch value {
            case .numeric(let numericClass, let dimensions, let real, let imaginary):
                let name = classNames[numericClass] ?? "double"
                if real.isEmpty { return try writeEmpty(name, dimensions: dimensions, at: path) }
                if let imaginary {
                    try file.writeComplex(path, real: real, imaginary: imaginary, shape: shape)
                } else {
                    try writeNumbers(real, as: numericClass, at: path, shape: shape)
                }
                try file.setAttribute("MATLAB_class", name, on: path)
            case .logical(let dimensions, let values):
                if values.isEmpty { return try writeEmpty("logical", dimensions: dimensions, at: path) }
                try file.write(path, values.map { UInt8($0 ? 1 : 0) }, shape: shape)
                try file.setAttribute("MATLAB_class", "logical", on: path)
            case .char(let dimensions, let text):
                let units = Array(text.utf16)
                if units.isEmpty { return try writeEmpty("char", dimensions: dimensions, at: path) }
                try file.write(path, units, shape: units.count == dimensions.reduce(1, *) ? shape : [units.count, 1])
                try file.setAttribute("MATLAB_class", "char", on: path)
                try file.setAttribute("MATLAB_int_decode", [Int32(2)], on: path)
            case .cell(let dimensions, let values):
                if values.isEmpty { return try writeEmpty("cell", dimensions: dimensions, at: path) }
                let targets = try values.map { try writeReferenced($0) }
                try file.writeReferences(path, targets: targets, shape: shape)
                try file.setAttribute("MATLAB_class", "cell", on: path)
            case .structure(let dimensions, let fieldNames, let elements):
                try file.createGroup(path)
                try file.setAttribute("MATLAB_class", "struct", on: path)
                try file.setCharacterSequences("MATLAB_fields", fieldNames, on: path)
                if elements.count == 1, dimensions.allSatisfy({ $0 == 1 }) {
                    for name in fieldNames { if let field = elements[0][name] { try write(field, at: path + "/" + name) } }
                } else {
                    for name in fieldNames {
                        let targets = try elements.map { try writeReferenced($0[name] ?? .numeric(.double, dimensions: [0, 0], real: [], imaginary: nil)) }
                        try file.writeReferences(path + "/" + name, targets: targets, shape: shape)
                    }
                }
            }
        }

        /// Writes a cell element or struct-array field under `/#refs#` and returns its path.
        private mutating func writeReferenced(_ value: MATValue) throws -> String {
            let path = "/#refs#/r\(referenceCount)"
            referenceCount += 1
            try write(value, at: path)
            return path
        }

        private func writeEmpty(_ matlabClass: String, dimensions: [Int], at path: String) throws {
            try file.write(path, dimensions.map { UInt64(max(0, $0)) }, shape: [dimensions.count])
            try file.setAttribute("MATLAB_class", matlabClass, on: path)
            try file.setAttribute("MATLAB_empty", [UInt8(1)], on: path)
        }

        private func writeNumbers(_ values: [Double], as numericClass: MATNumericClass, at path: String, shape: [Int]) throws {
            switch numericClass {
            case .double: try file.write(path, values, shape: shape)
            case .single: try file.write(path, values.map { Float($0) }, shape: shape)
            case .int8: try file.write(path, values.map { clamped($0) as Int8 }, shape: shape)
            case .uint8: try file.write(path, values.map { clamped($0) as UInt8 }, shape: shape)
            case .int16: try file.write(path, values.map { clamped($0) as Int16 }, shape: shape)
            case .uint16: try file.write(path, values.map { clamped($0) as UInt16 }, shape: shape)
            case .int32: try file.write(path, values.map { clamped($0) as Int32 }, shape: shape)
            case .uint32: try file.write(path, values.map { clamped($0) as UInt32 }, shape: shape)
            case .int64: try file.write(path, values.map { clamped($0) as Int64 }, shape: shape)
            case .uint64: try file.write(path, values.map { clamped($0) as UInt64 }, shape: shape)
            }
        }

        /// The nearest integer of type `I` (NaN as 0): MATValue keeps integers as Double.
        private func clamped<I: FixedWidthInteger>(_ value: Double) -> I {
            if value.isNaN { return 0 }
            if value <= Double(I.min) { return I.min }
            if value >= Double(I.max) { return I.max }
            return I(value.rounded())
        }
    }
}
