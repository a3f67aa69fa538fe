/// An n-dimensional array with its element type, exchanged with NumPy (.npy/.npz) and HDF5. Values are
/// row-major (C order) whatever the file's order. Integers of every width are held as `Int64`/`UInt64` and
/// floats at their own width, so every value of every supported type is exact.
public struct NDArray: Sendable, Equatable {
    /// The element type as stored in the file.
    public enum DType: String, Sendable, Hashable, CaseIterable, Codable {
        case bool, int8, int16, int32, int64, uint8, uint16, uint32, uint64, float32, float64

        /// Bytes per element.
        public var size: Int {
            switch self {
            case .bool, .int8, .uint8: return 1
            case .int16, .uint16: return 2
            case .int32, .uint32, .float32: return 4
            case .int64, .uint64, .float64: return 8
            }
        }

        public var isSigned: Bool { [.int8, .int16, .int32, .int64].contains(self) }
        public var isUnsigned: Bool { [.uint8, .uint16, .uint32, .uint64].contains(self) }

        /// The range a signed integer type holds.
        var signedRange: ClosedRange<Int64> {
            switch self {
            case .int8: return Int64(Int8.min)...Int64(Int8.max)
            case .int16: return Int64(Int16.min)...Int64(Int16.max)
            case .int32: return Int64(Int32.min)...Int64(Int32.max)
            default: return Int64.min...Int64.max
            }
        }

        /// The largest value an unsigned integer type holds.
        var unsignedMaximum: UInt64 {
            switch self {
            case .uint8: return UInt64(UInt8.max)
            case .uint16: return UInt64(UInt16.max)
            case .uint32: return UInt64(UInt32.max)
            default: return UInt64.max
            }
        }
    }

    /// The values, in the widest Swift type of their kind.
    public enum Values: Sendable, Equatable {
        case bool([Bool])
        case signed([Int64])
        case unsigned([UInt64])
        case float32([Float])
        case float64([Double])

        public var count: Int {
            switch self {
            case .bool(let values): return values.count
            case .signed(let values): return values.count
            case .unsigned(let values): return values.count
            case .float32(let values): return values.count
            case .float64(let values): return values.count
            }
        }

        /// Bitwise equality for floats, so NaNs compare equal after a round trip.
        public static func == (lhs: Values, rhs: Values) -> Bool {
            switch (lhs, rhs) {
            case (.bool(let a), .bool(let b)): return a == b
            case (.signed(let a), .signed(let b)): return a == b
            case (.unsigned(let a), .unsigned(let b)): return a == b
            case (.float32(let a), .float32(let b)): return a.map(\.bitPattern) == b.map(\.bitPattern)
            case (.float64(let a), .float64(let b)): return a.map(\.bitPattern) == b.map(\.bitPattern)
            default: return false
            }
        }
    }

    public var name: String
    /// Dimensions, outermost first; `[]` is a 0-d (scalar) array with one value.
    public private(set) var shape: [Int]
    public private(set) var dtype: DType
    public private(set) var values: Values

    /// An array; the value kind must match `dtype`, the count the shape, and integers must fit the type.
    public init(name: String, shape: [Int], dtype: DType, values: Values) throws {
        guard shape.allSatisfy({ $0 >= 0 }) else { throw USVError.usage("array '\(name)': negative dimension in \(shape)") }
        guard let count = NDArray.elementCount(shape) else { throw USVError.usage("array '\(name)': shape \(shape) is too large") }
        guard values.count == count else {
            throw USVError.usage("array '\(name)': shape \(shape) needs \(count) values, got \(values.count)")
        }
        switch (dtype, values) {
        case (.bool, .bool), (.float32, .float32), (.float64, .float64): break
        case (_, .signed(let numbers)) where dtype.isSigned:
            let range = dtype.signedRange
            if let bad = numbers.first(where: { !range.contains($0) }) {
                throw USVError.usage("array '\(name)': \(bad) does not fit \(dtype.rawValue)")
            }
        case (_, .unsigned(let numbers)) where dtype.isUnsigned:
            if let bad = numbers.first(where: { $0 > dtype.unsignedMaximum }) {
                throw USVError.usage("array '\(name)': \(bad) does not fit \(dtype.rawValue)")
            }
        default:
            throw USVError.usage("array '\(name)': values do not match dtype \(dtype.rawValue)")
        }
        self.name = name
        self.shape = shape
        self.dtype = dtype
        self.values = values
    }

    /// Convenience for the common float64 case.
    public init(name: String, shape: [Int], doubles: [Double]) throws {
        try self.init(name: name, shape: shape, dtype: .float64, values: .float64(doubles))
    }

    public var count: Int { values.count }

    /// The product of `shape`, or nil when it overflows.
    public static func elementCount(_ shape: [Int]) -> Int? {
        var product = 1
        for dimension in shape {
            let (result, overflow) = product.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            product = result
        }
        return product
    }

    /// Every value as a double (lossy for integers beyond 2^53), for numeric work that wants one type.
    public var doubles: [Double] {
        switch values {
        case .bool(let values): return values.map { $0 ? 1 : 0 }
        case .signed(let values): return values.map(Double.init)
        case .unsigned(let values): return values.map(Double.init)
        case .float32(let values): return values.map(Double.init)
        case .float64(let values): return values
        }
    }
}
