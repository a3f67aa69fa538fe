import Foundation
import USVCore

/// A table with every cell kind and the awkward text a writer must quote (delimiters, quotes, line breaks,
/// numbers that are text, empty text beside missing cells).
/// `finite` leaves out the infinity that JSON cannot hold.
public func awkwardTable(finite: Bool = false) throws -> DataTable {
    try DataTable(columns: ["id", "duration", "label", "kept", "note"], rows: [
        [.integer(1), .double(0.0625), .text("up"), .boolean(true), .text("plain")],
        [.integer(-9_223_372_036_854_775_808), .double(1e-300), .text("a,b\t\"c\""), .boolean(false), .text("line\nbreak\r\nand CR")],
        [.integer(9_223_372_036_854_775_807), .double(-2.5), .text("007"), .missing, .text("")],
        [.missing, .double(finite ? 1.5e300 : .infinity), .text("5.0"), .boolean(true), .text("Ünïcødé 🐭")],
        [.integer(0), .missing, .text("true"), .boolean(false), .missing],
    ])
}

/// Writes `table` with `format`, reads it back and compares cell by cell (exactly: types and values).
public func checkTableRoundTrip(_ format: any TableReading & TableWriting, table: DataTable, in directory: TemporaryDirectory,
                                options: TableWriteOptions = TableWriteOptions(),
                                readOptions: TableReadOptions = TableReadOptions()) -> ConformanceProblems {
    let ext = type(of: format).fileExtensions.first ?? "txt"
    let path = directory.file("roundtrip-\(UUID().uuidString.prefix(6)).\(ext)")
    do {
        try format.writeTable(table, to: path, options: options)
        var read = readOptions
        if !options.header, case .automatic = read.header { read.header = .names(table.columns) }
        let back = try format.readTable(from: .file(path), options: read)
        var problems: ConformanceProblems = []
        if back.columns != table.columns { problems.append("columns \(back.columns) instead of \(table.columns)") }
        if back.rowCount != table.rowCount { problems.append("\(back.rowCount) rows instead of \(table.rowCount)") }
        for (index, (left, right)) in zip(back.rows, table.rows).enumerated() where left != right {
            problems.append("row \(index + 1): \(left) instead of \(right)")
        }
        return problems
    } catch {
        return ["round trip failed: \(error)"]
    }
}

/// Writes intervals with `format`, reads them back and compares the fields the format keeps.
public func checkAnnotationRoundTrip(_ format: any AnnotationReading & AnnotationWriting, intervals: [AnnotatedInterval],
                                     in directory: TemporaryDirectory, keepsFrequencies: Bool, keepsChannel: Bool,
                                     keepsRecording: Bool) -> ConformanceProblems {
    let ext = type(of: format).fileExtensions.first ?? "txt"
    let path = directory.file("annotations-\(UUID().uuidString.prefix(6)).\(ext)")
    do {
        try format.writeAnnotations(intervals, to: path)
        let back = try format.readAnnotations(from: .file(path), recording: keepsRecording ? nil : intervals.first?.recording)
        guard back.count == intervals.count else { return ["\(back.count) intervals instead of \(intervals.count)"] }
        var problems: ConformanceProblems = []
        for (index, (read, written)) in zip(back, intervals).enumerated() {
            var expected = written
            if !keepsFrequencies { expected.lowFrequency = nil; expected.highFrequency = nil }
            if !keepsChannel { expected.channel = 1 }
            if read.onsetSample == nil && read.offsetSample == nil { expected.onsetSample = nil; expected.offsetSample = nil }
            if read != expected { problems.append("interval \(index + 1): \(read) instead of \(expected)") }
        }
        let head = Array((try? readWholeFile(path, limit: 1 << 26))?.prefix(64) ?? [])
        if format.sniff(head: head, fileName: "noextension") != .byContent { problems.append("does not recognise its own output by content") }
        return problems
    } catch {
        return ["round trip failed: \(error)"]
    }
}

/// Writes arrays with `format`, reads them back and compares name, shape, dtype and values bit for bit.
public func checkArrayRoundTrip(_ format: any ArrayReading & ArrayWriting, arrays: [NDArray], in directory: TemporaryDirectory,
                                fileName: String) -> ConformanceProblems {
    let path = directory.file(fileName)
    do {
        try format.writeArrays(arrays, to: path)
        let back = try format.readArrays(from: .file(path))
        guard back.count == arrays.count else { return ["\(back.count) arrays instead of \(arrays.count)"] }
        return zip(back, arrays).compactMap { read, written in read == written ? nil : "\(written.name): read back as \(read)" }
    } catch {
        return ["round trip failed: \(error)"]
    }
}
