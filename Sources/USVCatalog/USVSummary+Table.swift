import USVCore

/// USV records as a plain table (one row per USV) for `usv export --format csv|tsv|jsonl`. The column names
/// and types are those of `usv ls --json` (schemas/usv-table-row.schema.json), so the exports and the JSON
/// output read alike.
extension USVSummary {
    public static let tableColumns = ["id", "dataSet", "source", "recording", "animal", "animalName", "sex", "genotype", "start",
                                      "stop", "duration", "minimumFrequency", "maximumFrequency", "depositedFileID"]

    public var tableCells: [TableCell] {
        func text(_ value: String?) -> TableCell { value.map(TableCell.text) ?? .missing }
        func double(_ value: Double?) -> TableCell { value.map(TableCell.double) ?? .missing }
        func integer(_ value: Int?) -> TableCell { value.map { .integer(Int64($0)) } ?? .missing }
        return [.integer(id), .text(dataSet), .text(source), text(recording), integer(animal), text(animalName), text(sex),
                text(genotype), double(start), double(stop), double(duration), double(minimumFrequency), double(maximumFrequency),
                integer(depositedFileID)]
    }
}

extension DataTable {
    /// One row per USV record, in the columns of `USVSummary.tableColumns`.
    public init(summaries: [USVSummary]) throws {
        try self.init(columns: USVSummary.tableColumns, rows: summaries.map(\.tableCells))
    }
}
