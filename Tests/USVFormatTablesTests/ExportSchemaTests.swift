import Foundation
import Testing
import USVCatalog
import USVCore
import USVFormatTables
import USVTestSupport

/// Every exported table's rows validate against its schema in `schemas/`.
@Suite struct ExportSchemaTests {
    /// USV records as `usv ls --json` prints them, decoded (the summary has no public memberwise initialiser).
    func summaries() throws -> [USVSummary] {
        let json = """
            [{"id": 1, "dataSet": "Donders (synthetic twin)", "source": "detected", "recording": "Data/F/Rfem_Afem01.wav",
              "animal": 3, "animalName": "Afem01", "sex": "female", "genotype": "wildtype", "start": 1.25, "stop": 1.3125,
              "duration": 0.0625, "minimumFrequency": 41250.5, "maximumFrequency": 72000},
             {"id": 2, "dataSet": "Donders", "source": "deposited", "depositedFileID": 17}]
            """
        return try JSONDecoder().decode([USVSummary].self, from: Data(json.utf8))
    }

    @Test func usvRowsValidateInEveryTableFormat() throws {
        let table = try DataTable(summaries: try summaries())
        #expect(table.columns == USVSummary.tableColumns)
        let lines = try JSONLinesFormat().encodeTable(table, options: TableWriteOptions())
        for line in lines.split(separator: UInt8(ascii: "\n")) {
            try validateAgainstSchema("usv-table-row.schema.json", Data(line))
        }
        // The same rows as CSV and TSV read back to the same typed table, so they validate alike.
        for format in [CSVTableFormat() as any TableReading & TableWriting, TSVTableFormat()] {
            let bytes = try format.encodeTable(table, options: TableWriteOptions())
            let back = try format.readTable(from: .memory(name: "usvs", bytes: bytes), options: TableReadOptions(header: .firstRow))
            #expect(back == table, "\(format.descriptor.id)")
        }
        // `usv ls --json` and the JSON Lines export agree field by field.
        let fromList = try JSONDecoder().decode([JSONValue].self, from: try JSONEncoder().encode(try summaries()))
        let fromTable = try lines.split(separator: UInt8(ascii: "\n")).map { try JSONDecoder().decode(JSONValue.self, from: Data($0)) }
        #expect(fromList == fromTable)
    }

    @Test func usvRecordsBecomeIntervals() throws {
        let records = try summaries()
        #expect(records[0].interval() == AnnotatedInterval(recording: "Data/F/Rfem_Afem01.wav", onset: 1.25, offset: 1.3125, label: "detected",
                                                           lowFrequency: 41_250.5, highFrequency: 72_000))
        #expect(records[0].interval(label: "up")?.label == "up")
        #expect(records[1].interval() == nil)
    }

    @Test func intervalRowsValidateAndReadBack() throws {
        let intervals = [
            AnnotatedInterval(recording: "a.wav", onset: 0.5, offset: 0.55, label: "up", lowFrequency: 40_000, highFrequency: 80_000,
                              channel: 2, onsetSample: 150_000, offsetSample: 165_000),
            AnnotatedInterval(recording: "a.wav", onset: 1, offset: 1.25, label: "7"),
        ]
        let table = try DataTable(intervals: intervals)
        let lines = try JSONLinesFormat().encodeTable(table, options: TableWriteOptions())
        for line in lines.split(separator: UInt8(ascii: "\n")) {
            try validateAgainstSchema("annotation-interval.schema.json", Data(line))
        }
        let csv = try CSVTableFormat().encodeTable(table, options: TableWriteOptions())
        let back = try CSVTableFormat().readTable(from: .memory(name: "i.csv", bytes: csv), options: TableReadOptions())
        #expect(try AnnotatedInterval.intervals(from: back, path: "i.csv") == intervals)
        #expect(throws: USVError.self) { try AnnotatedInterval.intervals(from: try DataTable(columns: ["onset"]), path: "x.csv") }
    }
}
