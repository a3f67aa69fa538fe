import USVCore

/// Reading and writing whole tables as delimited text; the CSV and TSV plugins differ only in their
/// default delimiter and extensions.
public enum DelimitedTable {
    /// Reads `source` into a table. Rows with a field count other than the header's are malformed, with
    /// their line.
    public static func read(_ source: ByteSource, options: TableReadOptions, defaultDelimiter: UInt8) throws -> DataTable {
        let path = source.description
        let bytes = try DelimitedText.text(try source.readAll(limit: options.maximumBytes), path: path)
        let delimiter: UInt8
        if let chosen = options.delimiter {
            guard let ascii = chosen.asciiValue, chosen != "\"", chosen != "\n", chosen != "\r" else {
                throw USVError.usage("the delimiter must be one ASCII character other than a quote or a line end")
            }
            delimiter = ascii
        } else {
            delimiter = DelimitedText.sniffDelimiter(bytes, fallback: defaultDelimiter)
        }
        let records = try DelimitedText.records(bytes, delimiter: delimiter, path: path)
        return try table(records, header: options.header, fileName: source.fileName, inferTypes: options.inferTypes, path: path,
                         lenient: options.lenient, decimalComma: delimiter == UInt8(ascii: ";") || delimiter == UInt8(ascii: "\t"))
    }

    /// A table from parsed records. `decimalComma`: the delimiter leaves commas to numbers (`;`, tab), so a
    /// column of `1,5`-style numbers is read as numbers.
    public static func table(_ records: [DelimitedText.Record], header: TableHeader, fileName: String, inferTypes: Bool,
                             path: String, lenient: Bool = false, decimalComma: Bool = false) throws -> DataTable {
        var notes: [String] = []
        let width = records.first?.fields.count ?? 0
        let names: [String]
        var body = records[...]
        switch header {
        case .firstRow:
            names = records.first.map { $0.fields.map(\.text) } ?? []
            body = records.dropFirst()
        case .names(let given):
            names = given
        case .none:
            names = defaultNames(width: width, fileName: fileName)
        case .automatic:
            if let first = records.first, looksLikeHeader(first) {
                names = first.fields.map(\.text)
                body = records.dropFirst()
            } else if let first = records.first, records.count > 1, looksLikeIndexedHeader(first) {
                // pandas' `to_csv` (and R's `write.csv`) leave the index column's header cell empty.
                names = first.fields.map(\.text)
                body = records.dropFirst()
                notes.append("line \(first.line): a header whose first cell is empty (an index column, as pandas and R write it); "
                    + "that column's name is empty")
            } else {
                names = defaultNames(width: width, fileName: fileName)
            }
        }
        if case .names = header, let first = records.first, first.fields.count != names.count {
            throw USVError.malformed(path: path, location: "line \(first.line)",
                                     reason: "\(first.fields.count) fields, but \(names.count) column names were given")
        }
        guard Set(names).count == names.count else {
            throw USVError.malformed(path: path, location: "line \(records.first?.line ?? 1)",
                                     reason: "repeated column names in the header; rename them")
        }
        for record in body where record.fields.count != names.count {
            throw USVError.malformed(path: path, location: "line \(record.line)",
                                     reason: "\(record.fields.count) fields where the table has \(names.count) columns")
        }
        let quotesAreMarkup = !body.isEmpty && body.allSatisfy { $0.fields.allSatisfy(\.quoted) }
        var columns: [[TableCell]] = []
        let lines = body.map(\.line)
        for column in names.indices {
            let (cells, columnNotes) = try CellTyping.typedCells(
                body.map { $0.fields[column] }, column: CellTyping.TypedColumn(name: names[column], number: column + 1, lines: lines),
                infer: inferTypes, quotesAreMarkup: quotesAreMarkup, lenient: lenient, decimalComma: decimalComma, path: path)
            columns.append(cells)
            notes += columnNotes
        }
        let rows = (0..<body.count).map { row in names.indices.map { columns[$0][row] } }
        var table = try DataTable(columns: names, rows: rows)
        table.notes = notes
        return table
    }

    /// A first row whose first cell is empty and whose other cells are distinct names (no numbers): the header
    /// of a table with an index column (pandas, R).
    static func looksLikeIndexedHeader(_ record: DelimitedText.Record) -> Bool {
        let texts = record.fields.map(\.text)
        guard texts.count >= 2, texts[0].isEmpty else { return false }
        let rest = texts.dropFirst()
        return rest.allSatisfy { !$0.isEmpty && CellTyping.parseDouble($0) == nil } && Set(rest).count == rest.count
    }

    /// A first row of distinct, non-empty names none of which is a number is a header.
    static func looksLikeHeader(_ record: DelimitedText.Record) -> Bool {
        let texts = record.fields.map(\.text)
        return texts.allSatisfy { !$0.isEmpty && CellTyping.parseDouble($0) == nil } && Set(texts).count == texts.count
    }

    /// Names from the file name (Donders convention) when it states exactly `width` of them, else
    /// `column1` … `columnN`.
    static func defaultNames(width: Int, fileName: String) -> [String] {
        let stated = HeaderInFileName.columns(fromFileName: fileName)
        if stated.count == width && Set(stated).count == width { return stated }
        return (0..<width).map { "column\($0 + 1)" }
    }

    /// The table as delimited text (UTF-8, no BOM).
    public static func encode(_ table: DataTable, options: TableWriteOptions, delimiter: UInt8) -> [UInt8] {
        let ending = options.crlf ? "\r\n" : "\n"
        var text = ""
        if options.header {
            text += DelimitedText.line(table.columns.map { DelimitedText.Field($0, quoted: $0.isEmpty) },
                                       delimiter: delimiter, lineEnding: ending)
        }
        // Text in a column that also holds numbers or booleans is quoted, so that reading it back sees text the
        // writer meant (a reader refuses an unquoted word among numbers as a typo).
        let typedColumns = Set(table.columns.indices.filter { column in
            table.rows.contains { row in
                switch row[column] { case .integer, .double, .boolean: return true; default: return false }
            }
        })
        for row in table.rows {
            var fields = row.map(CellTyping.field)
            for column in typedColumns where column < fields.count {
                if case .text = row[column] { fields[column].quoted = true }
            }
            // A lone empty field would be a blank line, which readers skip: quote it so the row survives.
            if fields.count == 1 && fields[0].text.isEmpty { fields[0].quoted = true }
            text += DelimitedText.line(fields, delimiter: delimiter, lineEnding: ending)
        }
        return Array(text.utf8)
    }
}
