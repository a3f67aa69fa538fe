import Foundation
import Testing
import USVCore
@testable import USVFormatTables
import USVTestSupport

@Suite struct TableRoundTripTests {
    @Test func conformanceAndExactRoundTrips() throws {
        let directory = try TemporaryDirectory("tables")
        defer { directory.remove() }
        let table = try awkwardTable()
        for format in [CSVTableFormat() as any TableReading & TableWriting, TSVTableFormat()] {
            #expect(checkFormatPlugin(format) == [])
            #expect(checkTableRoundTrip(format, table: table, in: directory) == [], "\(format.descriptor.id)")
            #expect(checkTableRoundTrip(format, table: table, in: directory, options: TableWriteOptions(crlf: true)) == [])
            #expect(checkTableRoundTrip(format, table: table, in: directory, options: TableWriteOptions(header: false)) == [])
        }
        #expect(checkFormatPlugin(JSONLinesFormat()) == [])
        #expect(checkTableRoundTrip(JSONLinesFormat(), table: try awkwardTable(finite: true), in: directory) == [])
        // CSV → JSON Lines → TSV keeps every typed cell.
        try CSVTableFormat().writeTable(table, to: directory.file("a.csv"))
        let fromCSV = try CSVTableFormat().readTable(from: .file(directory.file("a.csv")))
        try TSVTableFormat().writeTable(fromCSV, to: directory.file("b.tsv"))
        #expect(try TSVTableFormat().readTable(from: .file(directory.file("b.tsv"))) == table)
        // A single-column table with a missing cell survives (the row is not a blank line).
        let single = try DataTable(columns: ["x"], rows: [[.integer(1)], [.missing], [.integer(3)]])
        let back = try CSVTableFormat().readTable(from: .memory(name: "s.csv", bytes: try CSVTableFormat().encodeTable(single, options: TableWriteOptions())))
        #expect(back.rowCount == 3)
    }

    @Test func headerlessAndDondersFileNameHeaders() throws {
        let text = "1,7,F,0.0412,61250.5\n2,7,F,0.0219,70100\n"
        let path = "Data/FIG/features_fileid_animalid_sex_duration_avgfreq.csv"
        let table = try CSVTableFormat().readTable(from: .memory(name: path, bytes: Array(text.utf8)))
        #expect(table.columns == ["fileid", "animalid", "sex", "duration", "avgfreq"])
        #expect(table.column("fileid") == [.integer(1), .integer(2)])
        #expect(table.column("avgfreq") == [.double(61250.5), .double(70100)])
        #expect(table.column("sex") == [.text("F"), .text("F")])
        // The same file under a name that states no columns gets column1…N; a first row of names is a header.
        let plain = try CSVTableFormat().readTable(from: .memory(name: "plain.csv", bytes: Array(text.utf8)))
        #expect(plain.columns == (1...5).map { "column\($0)" })
        let headed = try CSVTableFormat().readTable(from: .memory(name: "h.csv", bytes: Array(("a,b,c,d,e\n" + text).utf8)))
        #expect(headed.columns == ["a", "b", "c", "d", "e"] && headed.rowCount == 2)
        // Forcing no header: the names row becomes data, which puts words among numbers — an error naming the
        // line and column, or with `lenient` text columns and notes that say so.
        #expect(throws: USVError.self) {
            try CSVTableFormat().readTable(from: .memory(name: "h.csv", bytes: Array(("a,b,c,d,e\n" + text).utf8)),
                                           options: TableReadOptions(header: .none))
        }
        let forced = try CSVTableFormat().readTable(from: .memory(name: "h.csv", bytes: Array(("a,b,c,d,e\n" + text).utf8)),
                                                    options: TableReadOptions(header: .none, lenient: true))
        #expect(forced.rowCount == 3 && forced.column("column1")?.first == .text("a"))
        #expect(forced.notes.count == 4)
        // Writing for the convention: the names go into the file name, none into the file.
        let name = try HeaderInFileName.fileName(prefix: "features", columns: table.columns)
        #expect(name == "features_fileid_animalid_sex_duration_avgfreq.csv")
        #expect(throws: USVError.self) { try HeaderInFileName.fileName(prefix: "f", columns: ["snake_case"]) }
        // The Donders adapter's table keeps its eleven columns (its behaviour is unchanged by the move to core).
        let donders = "Data/FIG_USVClassify_BasicAnalysis/features_fileid_animalid_sex_duration_avgfreq_avgvol_direction_peaks_breaks_broadband_tremolo_complex.csv"
        #expect(HeaderInFileName.columns(fromFileName: donders, extensions: [".csv"]) == [
            "fileid", "animalid", "sex", "duration", "avgfreq", "avgvol", "direction", "peaks", "breaks", "broadband", "tremolo", "complex"])
    }

    /// Tables are read in place from archive members (a zip and a tar.gz bundle), errors naming archive//member.
    @Test func readsMembersOfArchives() throws {
        let directory = try TemporaryDirectory("tables-archive")
        defer { directory.remove() }
        let table = try awkwardTable()
        for (name, format) in [("bundle.zip", ArchiveWriter.Format.zip(compress: true)), ("bundle.tar.gz", .tarGzip)] {
            let writer = try ArchiveWriter(path: directory.file(name), format: format)
            try writer.add(member: "tables/usvs.csv", bytes: try CSVTableFormat().encodeTable(table, options: TableWriteOptions()))
            try writer.add(member: "tables/bad.jsonl", bytes: Array("{\"a\": 1}\n{oops}\n".utf8))
            try writer.close()
            let read = try CSVTableFormat().readTable(from: .archiveMember(archive: directory.file(name), member: "tables/usvs.csv"))
            #expect(read == table, "\(name)")
            do {
                _ = try JSONLinesFormat().readTable(from: .archiveMember(archive: directory.file(name), member: "tables/bad.jsonl"))
                Issue.record("bad.jsonl must not read")
            } catch let error as USVError {
                #expect(error.description.hasPrefix(directory.file(name) + "//tables/bad.jsonl: line 2"), "\(error)")
            }
        }
    }

    @Test func sniffingBOMAndLineEnds() throws {
        let semicolons = try CSVTableFormat().readTable(from: .memory(name: "s.csv", bytes: Array("a;b\n1;2\n".utf8)))
        #expect(semicolons.columns == ["a", "b"] && semicolons.rows == [[.integer(1), .integer(2)]])
        let bomCRLF = [0xEF, 0xBB, 0xBF] + Array("name,value\r\n\"x\r\ny\",1\r\n\r\nz,2\r\n".utf8)
        let table = try CSVTableFormat().readTable(from: .memory(name: "b.csv", bytes: bomCRLF))
        #expect(table.columns == ["name", "value"])
        #expect(table.rows == [[.text("x\r\ny"), .integer(1)], [.text("z"), .integer(2)]])
        let tabsInCSV = try CSVTableFormat().readTable(from: .memory(name: "t.csv", bytes: Array("a\tb\n1\t2\n".utf8)))
        #expect(tabsInCSV.columns == ["a", "b"])
        let asText = try CSVTableFormat().readTable(from: .memory(name: "t.csv", bytes: Array("a,b\n007,\n".utf8)),
                                                    options: TableReadOptions(inferTypes: false))
        #expect(asText.rows == [[.text("007"), .missing]])
    }

    @Test func malformedInputNamesFileAndLine() throws {
        let cases: [(String, String, String)] = [
            ("unclosed.csv", "a,b\n1,2\n3,\"open\n4,5\n", "line 3"),
            ("width.csv", "a,b\n1,2\n3,4,5\n", "line 3"),
            ("after-quote.csv", "a,b\n\"x\"y,2\n", "line 2"),
            ("repeated.csv", "a,a\n1,2\n", "line 1"),
            ("bad.jsonl", "{\"a\": 1}\n{\"a\": 2,}\n", "line 2"),
            ("nested.jsonl", "{\"a\": [1, 2]}\n", "line 1"),
            ("number.jsonl", "{\"a\": 01}\n", "line 1"),
            ("twice.jsonl", "{\"a\": 1, \"a\": 2}\n", "line 1"),
        ]
        for (name, text, location) in cases {
            let format: any TableReading = name.hasSuffix(".jsonl") ? JSONLinesFormat() : CSVTableFormat()
            do {
                // Repeated names are refused when the first row is declared a header (automatic detection reads it as data).
                let options = TableReadOptions(header: name == "repeated.csv" ? .firstRow : .automatic)
                _ = try format.readTable(from: .memory(name: name, bytes: Array(text.utf8)), options: options)
                Issue.record("\(name) must not read")
            } catch let error as USVError {
                #expect(error.description.hasPrefix(name) && error.description.contains(location), "\(name): \(error)")
            }
        }
        do {
            _ = try CSVTableFormat().readTable(from: .memory(name: "latin1.csv", bytes: Array("a\nok\n".utf8) + [0xE9, 0x0A]))
            Issue.record("latin1.csv must not read")
        } catch let error as USVError {
            #expect(error.description.contains("line 3") && error.description.contains("UTF-8"), "\(error)")
        }
        #expect(throws: USVError.self) { try DataTable(columns: ["a"], rows: [[.integer(1), .integer(2)]]) }
    }

    @Test(.enabled(if: PythonPeers.available(), "needs the Python peers (Benchmarks/peers/setup.sh)"))
    func pythonReadsWhatWeWriteAndWeReadWhatPythonWrites() throws {
        let python = try PythonPeers.python()
        let directory = try TemporaryDirectory("tables-peer")
        defer { directory.remove() }
        _ = try runPeer(python, script: "table_peer.py", arguments: ["write", directory.path])
        struct Expected: Decodable { var header: [String]; var rows: [[String]] }
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: URL(fileURLWithPath: directory.file("expected.json"))))
        for file in ["minimal.csv", "all.csv", "tabs.tsv"] {
            let format: any TableReading = file.hasSuffix(".tsv") ? TSVTableFormat() : CSVTableFormat()
            let table = try format.readTable(from: .file(directory.file(file)), options: TableReadOptions(inferTypes: false))
            #expect(table.columns == expected.header, "\(file)")
            #expect(table.rows.map { $0.map(\.description) } == expected.rows, "\(file)")
            let typed = try format.readTable(from: .file(directory.file(file)), options: TableReadOptions())
            #expect(typed.column("id") == [.integer(1), .integer(.min), .integer(.max), .integer(2)], "\(file)")
            #expect(typed.column("duration")?.last == .double(.infinity), "\(file)")
        }
        let lines = try JSONLinesFormat().readTable(from: .file(directory.file("rows.jsonl")))
        #expect(lines.columns == ["id", "duration", "label", "note", "kept"])
        #expect(lines.column("id") == [.integer(1), .integer(.min), .integer(.max), .integer(2)])
        #expect(lines.column("duration") == [.double(0.0625), .double(1e-300), .double(-2.5), .missing])
        #expect(lines.column("label")?.map(\.description) == expected.rows.map { $0[2] })
        #expect(lines.column("kept") == [.boolean(true), .boolean(false), .boolean(false), .boolean(false)])

        // Ours, read by Python: every cell's text as csv.reader sees it; JSON values as json.loads sees them.
        let table = try awkwardTable()
        for (format, file) in [(CSVTableFormat() as any TableWriting, "ours.csv"), (TSVTableFormat(), "ours.tsv")] {
            for crlf in [false, true] {
                try format.writeTable(table, to: directory.file(file), options: TableWriteOptions(crlf: crlf))
                let seen = try JSONDecoder().decode([[String]].self, from: Data(try runPeer(python, script: "table_peer.py",
                                                                                            arguments: ["read", directory.file(file)]).utf8))
                #expect(seen == [table.columns] + table.rows.map { $0.map(\.description) }, "\(file) crlf \(crlf)")
            }
        }
        try JSONLinesFormat().writeTable(try awkwardTable(finite: true), to: directory.file("ours.jsonl"))
        let objects = try JSONDecoder().decode([JSONValue].self, from: Data(try runPeer(python, script: "table_peer.py",
                                                                                         arguments: ["read", directory.file("ours.jsonl")]).utf8))
        #expect(objects.count == 5)
        #expect(objects[1]["note"] == .string("line\nbreak\r\nand CR"))
        #expect(objects[3]["note"] == .string("Ünïcødé 🐭"))
        #expect(objects[4]["duration"] == nil && objects[4]["kept"] == .bool(false))
        #expect(objects[0]["duration"] == .number(0.0625))
    }
}
