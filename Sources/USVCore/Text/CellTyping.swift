/// Turning delimited-text fields into typed table cells, column by column, and back. A column is integer only when every
/// value is a canonical integer ("7", not "007" or "7.0"), so writing it again gives the same text; a
/// number column allows only digits, signs, points, exponents and nan/inf (no hex, no thousands separators).
public enum CellTyping {
    enum Kind { case integer, double, boolean, text }

    /// Cells for one column's fields. Quoted fields are text unless `quotesAreMarkup` (every field of the
    /// file was quoted, as writers that quote everything do).
    public static func cells(_ fields: [DelimitedText.Field], infer: Bool, quotesAreMarkup: Bool) -> [TableCell] {
        func isMissing(_ field: DelimitedText.Field) -> Bool { field.text.isEmpty && (!field.quoted || quotesAreMarkup) }
        guard infer else { return fields.map { isMissing($0) ? .missing : .text($0.text) } }
        var kind = Kind.integer
        for field in fields where !isMissing(field) {
            if field.quoted && !quotesAreMarkup { kind = .text; break }
            kind = widest(kind, of: field.text)
            if kind == .text { break }
        }
        return fields.map { field in
            if isMissing(field) { return .missing }
            switch kind {
            case .integer: return Int64(field.text).map(TableCell.integer) ?? .text(field.text)
            case .double: return parseDouble(field.text).map(TableCell.double) ?? .text(field.text)
            case .boolean: return .boolean(field.text.lowercased() == "true")
            case .text: return .text(field.text)
            }
        }
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
