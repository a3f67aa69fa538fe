import USVCore

/// Reads a list of calls (start and stop in seconds) for scoring from any annotation file the tool reads:
/// the annotation formats of the registry (crowsetta generic-seq, Raven selection tables, Audacity labels) when
/// one recognises the content, otherwise a plain start/stop table — comma, tab or semicolon separated, with or
/// without a header row (`usv detect --csv` output, `start_s,stop_s` files, decimal commas in quoted fields).
/// Every call keeps the line it came from, so errors can point at it.
public struct CallListReader: Sendable {
    public let registry: PluginRegistry

    /// Header names (lowercased, spaces kept) taken as the start and the stop column, first match wins.
    public static let startColumns = ["start_s", "start", "onset_s", "onset", "begin_s", "begin", "begin time (s)", "start time (s)",
                                      "start_time", "start time", "starttime", "t_start", "from"]
    public static let stopColumns = ["stop_s", "stop", "offset_s", "offset", "end_s", "end", "end time (s)", "stop time (s)",
                                     "stop_time", "end_time", "stop time", "end time", "stoptime", "endtime", "t_stop", "to"]

    public init(registry: PluginRegistry) {
        self.registry = registry
    }

    /// The calls of the file at `path` and the id of the format that read it (`plain` for a start/stop table).
    /// Content that cannot be read is an `unusable` error naming the file and the line.
    public func read(path: String) throws -> (calls: [CallInterval], format: String) {
        let bytes = try readWholeFile(path, limit: 1 << 30)
        let name = FilePaths.lastComponent(path)
        let head = Array(bytes.prefix(4096))
        let sniffed = registry.all((any AnnotationReading).self)
            .map { ($0, $0.sniff(head: head, fileName: name)) }
            .filter { $0.1 == .byContent }
        do {
            if let format = sniffed.first?.0 {
                let intervals = try format.readAnnotations(from: .memory(name: path, bytes: bytes), recording: nil)
                let recordings = Set(intervals.map(\.recording))
                if recordings.count > 1 {
                    throw USVError.unusable(path: path, reason: "holds calls of \(recordings.count) recordings ("
                        + recordings.sorted().prefix(3).joined(separator: ", ") + (recordings.count > 3 ? ", …" : "")
                        + "); score one recording per file")
                }
                let lines = Self.lines(of: intervals.count, format: format.descriptor.id, bytes: bytes)
                let calls = intervals.enumerated().map { index, interval in
                    CallInterval(start: interval.onset, stop: interval.offset, line: lines?[index])
                }
                return (calls, format.descriptor.id)
            }
            return (try Self.readPlain(bytes, path: path), "plain")
        } catch let error as USVError {
            // A file whose content cannot be read is an unusable input (exit status 2), not a finding.
            if case .malformed(let where_, let location, let reason) = error {
                throw USVError.unusable(path: where_, reason: "\(location): \(reason)")
            }
            throw error
        }
    }

    /// A start/stop table: the first two columns when the first row is numbers, else the columns the header names.
    static func readPlain(_ raw: [UInt8], path: String) throws -> [CallInterval] {
        let bytes = try DelimitedText.text(raw, path: path)
        let delimiter = DelimitedText.sniffDelimiter(bytes, fallback: UInt8(ascii: ","))
        let records = try DelimitedText.records(bytes, delimiter: delimiter, path: path).filter {
            !($0.fields.first?.text.strippedOfSpaces.hasPrefix("#") ?? false)
        }
        guard let first = records.first else { return [] }
        var columns = (start: 0, stop: 1)
        var rows = records[...]
        let firstFields = first.fields.map(\.text)
        if firstFields.count < 2 || number(firstFields[0]) == nil || number(firstFields[1]) == nil {
            let header = firstFields.map { $0.strippedOfSpaces.lowercased() }
            guard let start = startColumns.lazy.compactMap({ header.firstIndex(of: $0) }).first,
                  let stop = stopColumns.lazy.compactMap({ header.firstIndex(of: $0) }).first else {
                throw USVError.unusable(path: path, reason: "line \(first.line): not two numbers (start, stop in seconds) and not a header "
                    + "naming a start and a stop column (e.g. start_s,stop_s); is this an annotation file?")
            }
            columns = (start, stop)
            rows = records.dropFirst()
        }
        return try rows.map { record in
            let fields = record.fields.map(\.text)
            guard fields.count > max(columns.start, columns.stop) else {
                throw USVError.unusable(path: path, reason: "line \(record.line): \(fields.count) field(s), expected a start and a stop")
            }
            func value(_ column: Int, _ what: String) throws -> Double {
                guard let value = number(fields[column]), value.isFinite else {
                    throw USVError.unusable(path: path, reason: "line \(record.line): \(what) '\(fields[column].visibleEscapes)' is not a number")
                }
                return value
            }
            return CallInterval(start: try value(columns.start, "start"), stop: try value(columns.stop, "stop"), line: record.line)
        }
    }

    /// A decimal number; a decimal comma ("0,0775", as some tools write in quoted fields) is accepted.
    static func number(_ text: String) -> Double? {
        let trimmed = text.strippedOfSpaces
        if let value = CellTyping.parseDouble(trimmed) { return value }
        if trimmed.filter({ $0 == "," }).count == 1 && !trimmed.contains(".") {
            return CellTyping.parseDouble(String(trimmed.map { $0 == "," ? "." : $0 }))
        }
        return nil
    }

    /// The line each interval of an annotation format came from, in the order the format's reader returns them;
    /// nil when the layout is not the expected one (errors then name the call's number instead).
    static func lines(of count: Int, format: String, bytes raw: [UInt8]) -> [Int]? {
        let bytes = raw.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(raw.dropFirst(3)) : raw
        var lines: [Int] = []
        switch format {
        case "format.generic-seq":
            guard let records = try? DelimitedText.records(bytes, delimiter: UInt8(ascii: ","), path: "") else { return nil }
            lines = records.dropFirst().map(\.line)
        case "format.raven":
            // One interval per selection (per file and selection number), at the selection's first row.
            let rows = plainLines(bytes).map { ($0.line, $0.text.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)) }
            guard let header = rows.first?.1.map({ $0.strippedOfSpaces.lowercased() }) else { return nil }
            let selection = header.firstIndex(of: "selection")
            let file = header.firstIndex(of: "begin file") ?? header.firstIndex(of: "begin path")
            var seen = Set<String>()
            for (line, fields) in rows.dropFirst() {
                guard let selection else { lines.append(line); continue }
                let key = (file.flatMap { fields.indices.contains($0) ? fields[$0] : nil } ?? "") + "\u{0}"
                    + (fields.indices.contains(selection) ? fields[selection].strippedOfSpaces : "")
                if seen.insert(key).inserted { lines.append(line) }
            }
        case "format.audacity-labels":
            for (line, text) in plainLines(bytes) where !text.strippedOfSpaces.isEmpty && !text.hasPrefix("\\") {
                lines.append(line)
            }
        default:
            return nil
        }
        return lines.count == count ? lines : nil
    }

    /// Lines (1-based numbers, CR dropped), blank ones included in the numbering but not returned.
    static func plainLines(_ bytes: [UInt8]) -> [(line: Int, text: String)] {
        bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated().compactMap { index, line in
            let content = line.last == UInt8(ascii: "\r") ? line.dropLast() : line
            return content.isEmpty ? nil : (index + 1, String(decoding: content, as: UTF8.self))
        }
    }
}

/// The checks a call list must pass before it is scored: times not negative, stop not before start, and with
/// a known recording length no time past its end. Each failure names the file and the line.
public enum CallListCheck {
    /// Times may pass the end by this much (rounding of times written with few decimals, e.g. `%.6f`).
    public static let endSlack = 1e-6

    /// Throws an `unusable` error (exit status 2) for the first bad call of `calls`, read from `path`.
    /// `length` and `audio` name the recording when its duration is known.
    public static func check(_ calls: [CallInterval], path: String, length: Double?, audio: String?) throws {
        for (index, call) in calls.enumerated() {
            let location = call.line.map { "line \($0)" } ?? "call \(index + 1)"
            func fail(_ reason: String) -> USVError { .unusable(path: path, reason: "\(location): \(reason)") }
            guard call.start.isFinite, call.stop.isFinite else { throw fail("a time is not a finite number") }
            if call.start < 0 || call.stop < 0 {
                throw fail("negative time (start \(seconds(call.start)), stop \(seconds(call.stop)))")
            }
            if call.stop < call.start {
                throw fail("stop \(seconds(call.stop)) is before start \(seconds(call.start))")
            }
            if let length, call.stop > length + endSlack {
                let time = call.start > length + endSlack ? "start \(seconds(call.start))" : "stop \(seconds(call.stop))"
                throw fail("\(time) is past the end of the recording (\(seconds(length))"
                    + (audio.map { ", \(FilePaths.lastComponent($0))" } ?? "") + "); is this the right recording?")
            }
        }
    }

    static func seconds(_ value: Double) -> String {
        var text = String(value)
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text + " s"
    }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    var strippedOfSpaces: String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
