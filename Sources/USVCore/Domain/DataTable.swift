/// One cell of a table. Typed so that a CSV → JSON Lines → CSV trip keeps integers apart from doubles and
/// an empty cell apart from an empty string.
public enum TableCell: Sendable, Hashable, CustomStringConvertible {
    case integer(Int64)
    case double(Double)
    case boolean(Bool)
    case text(String)
    /// No value (an empty unquoted CSV field, a JSON null or an absent JSON key).
    case missing

    public var description: String {
        switch self {
        case .integer(let value): return String(value)
        case .double(let value): return TableCell.text(of: value)
        case .boolean(let value): return value ? "true" : "false"
        case .text(let value): return value
        case .missing: return ""
        }
    }

    /// The numeric value of an integer or double cell.
    public var number: Double? {
        switch self {
        case .integer(let value): return Double(value)
        case .double(let value): return value
        default: return nil
        }
    }

    /// The shortest text that reads back as the same double and is never mistaken for an integer
    /// ("5.0", not "5"), so that re-reading keeps the column's type.
    public static func text(of value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        return "\(value)"
    }

    /// Bitwise equality for doubles, so a NaN cell equals itself after a round trip.
    public static func == (lhs: TableCell, rhs: TableCell) -> Bool {
        switch (lhs, rhs) {
        case (.integer(let a), .integer(let b)): return a == b
        case (.double(let a), .double(let b)): return a.bitPattern == b.bitPattern || a == b
        case (.boolean(let a), .boolean(let b)): return a == b
        case (.text(let a), .text(let b)): return a == b
        case (.missing, .missing): return true
        default: return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .integer(let value): hasher.combine(0); hasher.combine(value)
        case .double(let value): hasher.combine(1); hasher.combine(value == 0 ? 0 : value.bitPattern)
        case .boolean(let value): hasher.combine(2); hasher.combine(value)
        case .text(let value): hasher.combine(3); hasher.combine(value)
        case .missing: hasher.combine(4)
        }
    }
}

/// A table with ordered, named columns and typed cells, row by row: what CSV, TSV and JSON Lines readers
/// produce and writers consume, so a converter needs no knowledge of either side.
public struct DataTable: Sendable, Equatable {
    public private(set) var columns: [String]
    public private(set) var rows: [[TableCell]]
    /// What a reader decided that a person should know (a column kept as text, decimal commas read as decimal,
    /// an empty first header cell taken as an index column). Not part of the table's value: `==` ignores it.
    public var notes: [String] = []

    public static func == (lhs: DataTable, rhs: DataTable) -> Bool { lhs.columns == rhs.columns && lhs.rows == rhs.rows }

    /// A table; every row must have one cell per column and column names must be unique.
    public init(columns: [String], rows: [[TableCell]] = []) throws {
        guard Set(columns).count == columns.count else {
            let repeated = columns.filter { name in columns.filter { $0 == name }.count > 1 }
            throw USVError.usage("table column names must be unique; repeated: \(Set(repeated).sorted().joined(separator: ", "))")
        }
        self.columns = columns
        self.rows = []
        for row in rows { try append(row) }
    }

    /// Adds a row; it must have one cell per column.
    public mutating func append(_ row: [TableCell]) throws {
        guard row.count == columns.count else {
            throw USVError.usage("table row \(rows.count + 1) has \(row.count) cells for \(columns.count) columns")
        }
        rows.append(row)
    }

    /// Adds a row given by column name; columns not named are missing, unknown names are an error.
    public mutating func append(_ values: [String: TableCell]) throws {
        var row = [TableCell](repeating: .missing, count: columns.count)
        for (name, value) in values {
            guard let index = columns.firstIndex(of: name) else { throw USVError.usage("table has no column '\(name)'") }
            row[index] = value
        }
        rows.append(row)
    }

    public var rowCount: Int { rows.count }

    /// The index of column `name`, or nil.
    public func columnIndex(_ name: String) -> Int? { columns.firstIndex(of: name) }

    /// The cell of row `row` in column `name` (nil when there is no such column).
    public func cell(_ row: Int, _ name: String) -> TableCell? {
        guard let index = columnIndex(name), rows.indices.contains(row) else { return nil }
        return rows[row][index]
    }

    /// All cells of column `name`.
    public func column(_ name: String) -> [TableCell]? {
        guard let index = columnIndex(name) else { return nil }
        return rows.map { $0[index] }
    }
}
