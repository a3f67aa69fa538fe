/// A MATLAB value as a v5 MAT-file stores it. Arrays are column-major, as MATLAB keeps them; `dimensions`
/// has at least two entries.
public indirect enum MATValue: Sendable, Equatable {
    /// Numeric arrays of every class; values widened to Double (int64 beyond 2^53 loses precision), the
    /// class kept so that a write gives the same class back.
    case numeric(MATNumericClass, dimensions: [Int], real: [Double], imaginary: [Double]?)
    case logical(dimensions: [Int], values: [Bool])
    /// A char array, as text (rows of a 2-D char matrix are interleaved column-major in MATLAB; a 1 × n row
    /// is the usual string).
    case char(dimensions: [Int], text: String)
    case cell(dimensions: [Int], values: [MATValue])
    /// A struct array: field names in order, one dictionary per element (column-major).
    case structure(dimensions: [Int], fieldNames: [String], elements: [[String: MATValue]])

    public var dimensions: [Int] {
        switch self {
        case .numeric(_, let dimensions, _, _), .logical(let dimensions, _), .char(let dimensions, _), .cell(let dimensions, _),
             .structure(let dimensions, _, _):
            return dimensions
        }
    }

    /// A real double array from row-major `values` of `rows` × `columns` (converted to column-major).
    public static func matrix(rows: Int, columns: Int, rowMajor values: [Double]) -> MATValue {
        var columnMajor = [Double](repeating: 0, count: rows * columns)
        for row in 0..<rows { for column in 0..<columns { columnMajor[column * rows + row] = values[row * columns + column] } }
        return .numeric(.double, dimensions: [rows, columns], real: columnMajor, imaginary: nil)
    }

    public static func scalar(_ value: Double) -> MATValue { .numeric(.double, dimensions: [1, 1], real: [value], imaginary: nil) }

    public static func string(_ text: String) -> MATValue { .char(dimensions: [1, text.utf16.count], text: text) }

    /// The real values, when numeric.
    public var doubles: [Double]? {
        if case .numeric(_, _, let real, _) = self { return real }
        return nil
    }

    /// The field of a 1 × 1 struct.
    public subscript(field: String) -> MATValue? {
        if case .structure(_, _, let elements) = self, elements.count == 1 { return elements[0][field] }
        return nil
    }

    /// A 1 × 1 cell's content (the per-USV files of the data set wrap Sound and Spec in cells).
    public var unwrappedCell: MATValue {
        if case .cell(_, let values) = self, values.count == 1 { return values[0].unwrappedCell }
        return self
    }
}

/// MATLAB's numeric classes with their mxClass numbers.
public enum MATNumericClass: UInt8, Sendable, CaseIterable {
    case double = 6, single = 7, int8 = 8, uint8 = 9, int16 = 10, uint16 = 11, int32 = 12, uint32 = 13, int64 = 14, uint64 = 15
}
