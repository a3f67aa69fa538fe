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

extension USVSummary {
    /// The USV as an annotation interval (for `usv export --format generic-seq|raven|audacity-labels`):
    /// the recording as the catalog names it, start and stop, the frequency band when measured, and `label`
    /// (the record's source when nil). Nil when the record has no recording or no times.
    public func interval(label: String? = nil) -> AnnotatedInterval? {
        guard let recording, let start, let stop else { return nil }
        return AnnotatedInterval(recording: recording, onset: start, offset: stop, label: label ?? source,
                                 lowFrequency: minimumFrequency, highFrequency: maximumFrequency)
    }
}
