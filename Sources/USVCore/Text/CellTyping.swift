/// Turning delimited-text fields into typed table cells, column by column, and back. A column is integer only when every
/// value is a canonical integer ("7", not "007" or "7.0"), so writing it again gives the same text; a
/// number column allows only digits, signs, points, exponents and nan/inf (no hex, no thousands separators).
public enum CellTyping {
    enum Kind { case integer, double, boolean, text }

    /// Cells for one column's fields. Quoted fields are text unless `quotesAreMarkup` (every field of the
    /// file was quoted, as writers that quote everything do).
    public static func cells(_ fields: [DelimitedText.Field], infer: Bool, quotesAreMarkup: Bool) -> [TableCell] {
        let column = TypedColumn(name: "", number: 1, lines: fields.map { _ in 0 })
        // Lenient never throws.
        return (try? typedCells(fields, column: column, infer: infer, quotesAreMarkup: quotesAreMarkup, lenient: true,
                                decimalComma: false, path: "").cells) ?? fields.map { .text($0.text) }
    }

    /// Where a column's fields stand in the file, for errors: its name, 1-based number and each field's line.
    public struct TypedColumn: Sendable {
        public var name: String
        public var number: Int
        public var lines: [Int]

        public init(name: String, number: Int, lines: [Int]) {
            self.name = name
            self.number = number
            self.lines = lines
        }

        var label: String { name.isEmpty ? "column \(number)" : "column '\(name.visibleEscapes)' (\(number))" }
    }

    /// The texts readers of other tools write for a missing number (pandas' and R's defaults); in a column of
    /// numbers they are missing values, not text.
    static let missingMarkers: Set<String> = ["NA", "N/A", "n/a", "NULL", "null", "None", "#N/A", "<NA>", "-NaN", "-nan"]

    /// Cells for one column's fields, with notes on what was decided for the column:
    /// - a column whose unquoted cells are mostly numbers holds numbers: a text cell in it (`abc`) is an error
    ///   naming its line and column, unless `lenient` (the column is then kept as text, and a note says how many
    ///   cells made it so);
    /// - with `decimalComma` (a `;` or tab-separated file), numbers written with a decimal comma (`1,5`) are read
    ///   as numbers and a note says so.
    public static func typedCells(_ fields: [DelimitedText.Field], column: TypedColumn, infer: Bool, quotesAreMarkup: Bool,
                                  lenient: Bool, decimalComma: Bool, path: String) throws -> (cells: [TableCell], notes: [String]) {
        func isMissing(_ field: DelimitedText.Field) -> Bool { field.text.isEmpty && (!field.quoted || quotesAreMarkup) }
        guard infer else { return (fields.map { isMissing($0) ? .missing : .text($0.text) }, []) }
        var kind = Kind.integer
        for field in fields where !isMissing(field) {
            if field.quoted && !quotesAreMarkup { kind = .text; break }
            kind = widest(kind, of: field.text)
            if kind == .text { break }
        }
        if kind != .text {
            return (fields.map { field in
                if isMissing(field) { return .missing }
                switch kind {
                case .integer: return Int64(field.text).map(TableCell.integer) ?? .text(field.text)
                case .double: return parseDouble(field.text).map(TableCell.double) ?? .text(field.text)
                case .boolean: return .boolean(field.text.lowercased() == "true")
                case .text: return .text(field.text)
                }
            }, [])
        }
        let texts = fields.map { $0.quoted && !quotesAreMarkup ? nil : $0.text }
        // A quoted field says "text": such a column is text, as the writer meant.
        guard !texts.contains(where: { $0 == nil }) else { return (fields.map { isMissing($0) ? .missing : .text($0.text) }, []) }
        // Decimal commas: every value a number once its one comma is a point.
        if decimalComma {
            let present = fields.filter { !isMissing($0) && !missingMarkers.contains($0.text) }
            let converted = present.map { decimalCommaNumber($0.text) }
            if !present.isEmpty, converted.allSatisfy({ $0 != nil }), present.contains(where: { $0.text.contains(",") }) {
                let commas = present.filter { $0.text.contains(",") }.count
                return (fields.map { field in
                    isMissing(field) || missingMarkers.contains(field.text) ? .missing : decimalCommaNumber(field.text).map(TableCell.double) ?? .text(field.text)
                }, ["\(column.label): \(commas) number\(commas == 1 ? "" : "s") with a decimal comma (e.g. '\(present.first { $0.text.contains(",") }?.text ?? "")') read as decimal"])
            }
        }
        // Mostly numbers with a few texts: a text cell in a numeric column.
        var numbers = 0
        var strays: [Int] = []
        for (index, field) in fields.enumerated() where !isMissing(field) && !missingMarkers.contains(field.text) {
            if parseDouble(field.text) != nil { numbers += 1 } else { strays.append(index) }
        }
        if strays.isEmpty && numbers > 0 {
            // Numbers and missing markers only (`NA` among numbers, as R writes them).
            let integers = fields.allSatisfy { isMissing($0) || missingMarkers.contains($0.text) || isCanonicalInteger($0.text) }
            return (fields.map { field in
                if isMissing(field) || missingMarkers.contains(field.text) { return .missing }
                if integers, let value = Int64(field.text) { return .integer(value) }
                return parseDouble(field.text).map(TableCell.double) ?? .text(field.text)
            }, [])
        }
        guard numbers > strays.count, let first = strays.first else {
            return (fields.map { isMissing($0) ? .missing : .text($0.text) }, [])
        }
        let line = column.lines.indices.contains(first) ? column.lines[first] : 0
        if !lenient {
            throw USVError.malformed(path: path, location: "line \(line), \(column.label)",
                                     reason: "'\(fields[first].text.visibleEscapes)' is not a number, but \(numbers) other cells of the column are"
                                        + (strays.count > 1 ? " (\(strays.count) cells are text)" : "")
                                        + "; correct the cell, quote it to mean text, or pass --lenient to keep the whole column as text")
        }
        return (fields.map { isMissing($0) ? .missing : .text($0.text) },
                ["\(column.label): kept as text because \(strays.count) of its cells \(strays.count == 1 ? "is not a number" : "are not numbers") "
                    + "(first: line \(line), '\(fields[first].text.visibleEscapes)'); its \(numbers) numbers are text too"])
    }

    /// `1,5`, `-0,25`, `3,0e-3` as a double (one comma, digits on both sides); nil otherwise.
    static func decimalCommaNumber(_ text: String) -> Double? {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        if parts.count == 1 { return isCanonicalInteger(text) || parseDouble(text) != nil && !text.contains(".") ? parseDouble(text) : nil }
        guard parts.count == 2, let whole = parts.first, let fraction = parts.last,
              whole.last?.isASCII == true && whole.last?.isNumber == true, fraction.first?.isASCII == true && fraction.first?.isNumber == true,
              !whole.contains("."), !fraction.contains(".") else { return nil }
        return parseDouble(whole + "." + fraction)
    }

    /// The narrowest kind holding both what the column has so far and `text`.
    static func widest(_ kind: Kind, of text: String) -> Kind {
        switch kind {
        case .integer:
            if isCanonicalInteger(text) { return .integer }
            if parseDouble(text) != nil { return .double }
            return isBoolean(text) ? .boolean : .text
        case .double:
            return parseDouble(text) != nil ? .double : .text
        case .boolean:
            return isBoolean(text) ? .boolean : .text
        case .text:
            return .text
        }
    }

    /// Whether `text` would be read back as something other than text, so a writer must quote it.
    public static func looksTyped(_ text: String) -> Bool {
        text.isEmpty || isCanonicalInteger(text) || parseDouble(text) != nil || isBoolean(text)
    }

    static func isBoolean(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower == "true" || lower == "false"
    }

    public static func isCanonicalInteger(_ text: String) -> Bool {
        var digits = text.utf8[...]
        if digits.first == UInt8(ascii: "-") { digits = digits.dropFirst() }
        guard let first = digits.first, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return false }
        if first == UInt8(ascii: "0") && (digits.count > 1 || text.utf8.count > 1) { return false }  // "007", "-0"
        return Int64(text) != nil
    }

    /// A decimal number, or nan/inf in any case with an optional sign. Checked on the UTF-8 bytes first,
    /// since most fields of a large table go through here.
    public static func parseDouble(_ text: String) -> Double? {
        var hasDigit = false
        var plain = true
        for byte in text.utf8 {
            switch byte {
            case 0x30...0x39: hasDigit = true
            case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "+"), UInt8(ascii: "-"): break
            default: plain = false
            }
            if !plain { break }
        }
        if plain { return hasDigit ? Double(text) : nil }
        guard text.utf8.count <= 9 else { return nil }
        let lower = text.lowercased()
        let unsigned = lower.hasPrefix("-") || lower.hasPrefix("+") ? String(lower.dropFirst()) : lower
        return ["nan", "inf", "infinity"].contains(unsigned) ? Double(lower) : nil
    }

    /// The field a writer puts for `cell`: text that would read back typed is quoted so it stays text, and
    /// an empty string is quoted so it stays apart from a missing value.
    public static func field(_ cell: TableCell) -> DelimitedText.Field {
        switch cell {
        case .text(let text): return DelimitedText.Field(text, quoted: looksTyped(text))
        case .missing: return DelimitedText.Field("")
        default: return DelimitedText.Field(cell.description)
        }
    }
}
