/// Annotation intervals as a plain table (one row per interval), for CSV and JSON Lines export and import.
/// The columns and their types are those of `schemas/annotation-interval.schema.json`.
extension AnnotatedInterval {
    public static let tableColumns = ["recording", "onset", "offset", "label", "lowFrequency", "highFrequency", "channel",
                                      "onsetSample", "offsetSample"]

    public var tableCells: [TableCell] {
        [.text(recording), .double(onset), .double(offset), .text(label), lowFrequency.map(TableCell.double) ?? .missing,
         highFrequency.map(TableCell.double) ?? .missing, .integer(Int64(channel)), onsetSample.map(TableCell.integer) ?? .missing,
         offsetSample.map(TableCell.integer) ?? .missing]
    }

    /// The intervals of a table with (at least) the recording, onset, offset and label columns; `path`
    /// names the table in errors, which give the 1-based row.
    public static func intervals(from table: DataTable, path: String) throws -> [AnnotatedInterval] {
        for required in ["recording", "onset", "offset", "label"] where table.columnIndex(required) == nil {
            throw USVError.malformed(path: path, location: "header", reason: "no '\(required)' column; an interval table needs recording, onset, offset and label")
        }
        return try (0..<table.rowCount).map { row in
            func number(_ name: String) throws -> Double? {
                switch table.cell(row, name) {
                case nil, .missing?: return nil
                case let cell?:
                    guard let value = cell.number else {
                        throw USVError.malformed(path: path, location: "row \(row + 1)", reason: "\(name) '\(cell)' is not a number")
                    }
                    return value
                }
            }
            func integer(_ name: String) throws -> Int64? {
                guard let value = try number(name) else { return nil }
                guard let exact = Int64(exactly: value) else {
                    throw USVError.malformed(path: path, location: "row \(row + 1)", reason: "\(name) \(value) is not a whole number")
                }
                return exact
            }
            guard let onset = try number("onset"), let offset = try number("offset") else {
                throw USVError.malformed(path: path, location: "row \(row + 1)", reason: "onset and offset are required")
            }
            return AnnotatedInterval(
                recording: table.cell(row, "recording")?.description ?? "", onset: onset, offset: offset,
                label: table.cell(row, "label")?.description ?? "", lowFrequency: try number("lowFrequency"),
                highFrequency: try number("highFrequency"), channel: Int(try integer("channel") ?? 1),
                onsetSample: try integer("onsetSample"), offsetSample: try integer("offsetSample"))
        }
    }
}

extension DataTable {
    /// One row per interval, in the columns of `AnnotatedInterval.tableColumns`.
    public init(intervals: [AnnotatedInterval]) throws {
        try self.init(columns: AnnotatedInterval.tableColumns, rows: intervals.map(\.tableCells))
    }
}
