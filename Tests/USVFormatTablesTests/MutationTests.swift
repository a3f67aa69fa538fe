import Testing
import USVCore
import USVFormatTables
import USVTestSupport

@Suite struct TableMutationTests {
    /// Seeded mutations of CSV, TSV and JSON Lines files: each reads or gives a USVError, never a crash.
    @Test func damagedTablesNeverCrash() throws {
        let table = try awkwardTable(finite: true)
        let formats: [any TableReading & TableWriting] = [CSVTableFormat(), TSVTableFormat(), JSONLinesFormat()]
        for (index, format) in formats.enumerated() {
            let bytes = try format.encodeTable(table, options: TableWriteOptions())
            for mutated in seededMutations(of: bytes, count: 1_000, seed: UInt64(100 + index)) {
                do {
                    _ = try format.readTable(from: .memory(name: "m", bytes: mutated))
                } catch is USVError {
                } catch {
                    Issue.record("\(format.descriptor.id): not a USVError: \(error)")
                }
            }
        }
    }
}
