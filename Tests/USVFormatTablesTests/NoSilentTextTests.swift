import Foundation
import Testing
import USVCore
@testable import USVFormatTables
import USVTestSupport

/// Tables never turn numbers into text without a word: a word among numbers is an error naming line and column
/// (or, lenient, a note saying how many cells); decimal commas and pandas' empty index header are recognised.
@Suite struct NoSilentTextTests {
    func read(_ text: String, name: String = "t.csv", lenient: Bool = false) throws -> DataTable {
        try CSVTableFormat().readTable(from: .memory(name: name, bytes: Array(text.utf8)), options: TableReadOptions(lenient: lenient))
    }

    static let numbers = "id,duration\n" + (1...20).map { "\($0),0.0\($0 % 10)\n" }.joined()

    @Test func aWordInANumericColumnIsAnErrorNamingLineAndColumn() throws {
        let text = Self.numbers + "21,abc\n" + "22,0.05\n"
        do {
            let table = try read(text)
            Issue.record("must be refused, read \(String(describing: table.column("duration")?.suffix(3)))")
        } catch let error as USVError {
            #expect(error.description.contains("t.csv: line 22, column 'duration' (2)"), "\(error)")
            #expect(error.description.contains("'abc' is not a number"), "\(error)")
            #expect(error.description.contains("--lenient"), "\(error)")
        }
    }

    @Test func lenientKeepsTextAndSaysHowManyCells() throws {
        let table = try read(Self.numbers + "21,abc\n22,n.d.\n", lenient: true)
        #expect(table.column("duration")?.last == .text("n.d."))
        #expect(table.column("duration")?.first == .text("0.01"))
        #expect(table.column("id")?.first == .integer(1))
        #expect(table.notes.count == 1)
        #expect(table.notes.first?.contains("column 'duration' (2): kept as text because 2 of its cells are not numbers") == true,
                "\(table.notes)")
        #expect(table.notes.first?.contains("line 22, 'abc'") == true, "\(table.notes)")
    }

    @Test func textColumnsWithSomeNumbersAndQuotedTextStayText() throws {
        // Mostly words: a text column (labels such as "7" are text there).
        let labels = try read("label\nup\ndown\n7\nflat\n")
        #expect(labels.column("label") == [.text("up"), .text("down"), .text("7"), .text("flat")])
        // A quoted word among numbers is text the writer meant.
        let quoted = try read("x\n1\n2\n3\n\"abc\"\n")
        #expect(quoted.column("x")?.last == .text("abc"))
        // Missing markers among numbers are missing values.
        let missing = try read("x,y\n1,0.5\nNA,NA\n3,#N/A\n")
        #expect(missing.column("x") == [.integer(1), .missing, .integer(3)])
        #expect(missing.column("y") == [.double(0.5), .missing, .missing])
    }

    /// Our writer quotes text in a column that also holds numbers, so what it writes reads back without an error.
    @Test func mixedColumnsWrittenByUsReadBack() throws {
        let table = try DataTable(columns: ["v"], rows: [[.integer(1)], [.integer(2)], [.integer(3)], [.text("abc")]])
        let bytes = try CSVTableFormat().encodeTable(table, options: TableWriteOptions())
        let back = try CSVTableFormat().readTable(from: .memory(name: "m.csv", bytes: bytes))
        #expect(back.column("v")?.last == .text("abc"))
    }

    @Test func decimalCommasWithSemicolonsAreReadAsNumbersAndSaid() throws {
        let table = try read("id;duration;freq\n1;0,0412;61250\n2;0,0219;70100,5\n3;;1e3\n", name: "eu.csv")
        #expect(table.column("duration") == [.double(0.0412), .double(0.0219), .missing])
        #expect(table.column("freq") == [.double(61250), .double(70100.5), .double(1000)])
        #expect(table.column("id") == [.integer(1), .integer(2), .integer(3)])
        #expect(table.notes.count == 2)
        #expect(table.notes.allSatisfy { $0.contains("decimal comma") }, "\(table.notes)")
        // Tab-separated too; a comma list that is not a number stays text.
        let tabs = try CSVTableFormat().readTable(from: .memory(name: "t.tsv", bytes: Array("a\tb\n1,5\tx,y\n2,25\tz\n".utf8)))
        #expect(tabs.column("a") == [.double(1.5), .double(2.25)])
        #expect(tabs.column("b") == [.text("x,y"), .text("z")])
    }

    @Test func pandasEmptyFirstHeaderCellIsAHeader() throws {
        // pandas.DataFrame.to_csv() with its index.
        let table = try read(",duration,label\n0,0.05,up\n1,0.07,down\n")
        #expect(table.columns == ["", "duration", "label"])
        #expect(table.rowCount == 2)
        #expect(table.column("duration") == [.double(0.05), .double(0.07)])
        #expect(table.column("")?.first == .integer(0))
        #expect(table.notes.contains { $0.contains("index column") }, "\(table.notes)")
        // R's write.csv quotes everything: "","x"
        let r = try read("\"\",\"x\"\n\"1\",\"2.5\"\n\"2\",\"3.5\"\n")
        #expect(r.columns == ["", "x"] && r.column("x") == [.double(2.5), .double(3.5)])
    }
}
