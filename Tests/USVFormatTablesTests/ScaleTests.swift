import Foundation
import Testing
import USVCore
import USVFormatTables
import USVTestSupport

@Suite struct TableScaleTests {
    /// A paper-scale export (50,000 USV rows × 14 columns) writes and reads back equal; the times are printed.
    @Test func paperScaleRoundTrip() throws {
        var random = SplitMix64(seed: 6)
        let columns = ["id", "dataSet", "source", "recording", "animal", "animalName", "sex", "genotype", "start", "stop", "duration",
                       "minimumFrequency", "maximumFrequency", "depositedFileID"]
        var table = try DataTable(columns: columns)
        for id in 1...50_000 {
            let start = random.unit() * 600
            try table.append([.integer(Int64(id)), .text("Donders"), .text("detected"), .text("Data/F/Rfem_Afem\(id % 40).wav"),
                              .integer(Int64(id % 40)), .text("Afem\(id % 40)"), .text(id % 2 == 0 ? "female" : "male"), .text("wildtype"),
                              .double(start), .double(start + 0.05), .double(0.05), .double(40_000 + random.unit() * 1000),
                              .double(80_000 + random.unit() * 1000), id % 3 == 0 ? .missing : .integer(Int64(id))])
        }
        for format in [CSVTableFormat() as any TableReading & TableWriting, JSONLinesFormat()] {
            let clock = ContinuousClock()
            var bytes: [UInt8] = []
            let writing = try clock.measure { bytes = try format.encodeTable(table, options: TableWriteOptions()) }
            var back: DataTable?
            let reading = try clock.measure { back = try format.readTable(from: .memory(name: "usvs", bytes: bytes)) }
            #expect(back == table)
            print("\(format.descriptor.id): 50,000 rows, \(bytes.count / 1024) KiB: write \(writing), read \(reading)")
        }
    }
}
