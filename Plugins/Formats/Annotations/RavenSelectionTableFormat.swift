import USVCore

/// Raven (Cornell) selection tables: tab-separated, a header row, one row per selection and view. Raven
/// writes each selection once for every view it was drawn in ("Spectrogram 1", "Waveform 1"); reading
/// keeps one interval per selection number (the spectrogram row, which carries the frequency band).
/// The label comes from `labelColumn`, else from the first column named Annotation, Label, Species, Call Type or
/// Class (any case). Writing gives one row per selection (view "Spectrogram 1") with both frequency columns
/// filled, as crowsetta and Raven need them: an interval without a band is written as the whole band (0 Hz to the
/// Nyquist frequency its sample indices imply, else to 150 kHz) and marked `unknown` in a "Band" column, which
/// reading turns back into no band.
public struct RavenSelectionTableFormat: AnnotationReading, AnnotationWriting, LabelColumnChoosing {
    public static let descriptor = PluginDescriptor(
        id: "format.raven", version: "0.2.0", kind: .format,
        summary: "Raven selection tables (tab-separated selections with time, frequency band and annotation)",
        capabilities: ["read", "write", "sniff", "annotations", "archive-members"])
    public static let fileExtensions = ["txt"]

    static let standardColumns = ["Selection", "View", "Channel", "Begin Time (s)", "End Time (s)", "Low Freq (Hz)", "High Freq (Hz)"]
    /// The label columns looked for, in order, when none is chosen.
    public static let labelColumns = ["Annotation", "Label", "Species", "Call Type", "Class"]
    /// The upper edge written for an interval without a band whose sample rate is unknown: the Nyquist frequency of
    /// the Donders recordings (300 kHz).
    static let defaultBandTop = 150_000.0

    /// The views each selection is written for ("Spectrogram 1": one row per selection, as crowsetta reads it).
    public var views: [String]
    /// The column the labels are read from; nil: the first present of `labelColumns`.
    public var labelColumn: String?

    public init(views: [String] = ["Spectrogram 1"], labelColumn: String? = nil) {
        self.views = views
        self.labelColumn = labelColumn
    }

    public func choosingLabelColumn(_ column: String?) -> any AnnotationReading {
        var chosen = self
        chosen.labelColumn = column
        return chosen
    }

    /// The label column a table with `header` gives: the chosen one (an error naming the columns when it is absent),
    /// else the first present of `labelColumns`, else nil (the table has no labels).
    public func labelColumnIndex(in header: [String], path: String) throws -> Int? {
        let lowered = header.map { $0.lowercased() }
        if let labelColumn {
            guard let index = lowered.firstIndex(of: labelColumn.lowercased()) else {
                throw USVError.usage("\(path): no label column '\(labelColumn)'; the columns are \(header.joined(separator: ", "))")
            }
            return index
        }
        return Self.labelColumns.lazy.compactMap { lowered.firstIndex(of: $0.lowercased()) }.first
    }

    public func sniff(head: [UInt8], fileName: String) -> SniffConfidence {
        let line = AnnotationText.firstLine(head)
        if line.hasPrefix("Selection\t") && line.contains("\tBegin Time (s)\t") { return .byContent }
        return head.isEmpty && fileName.fileExtension == "txt" ? .byExtension : .no
    }

    public func readAnnotations(from source: ByteSource, recording: String? = nil) throws -> [AnnotatedInterval] {
        let path = source.description
        let (header, rows) = try AnnotationText.records(source, delimiter: UInt8(ascii: "\t"), quoting: false)
        let lowered = header.map { $0.lowercased() }
        func column(_ name: String) -> Int? { lowered.firstIndex(of: name.lowercased()) }
        guard let begin = column("Begin Time (s)"), let end = column("End Time (s)") else {
            throw USVError.malformed(path: path, location: "line 1",
                                     reason: "no 'Begin Time (s)' and 'End Time (s)' columns; is this a Raven selection table?")
        }
        let selection = column("Selection")
        let view = column("View")
        let channel = column("Channel")
        let low = column("Low Freq (Hz)")
        let high = column("High Freq (Hz)")
        let file = column("Begin File") ?? column("Begin Path")
        let label = try labelColumnIndex(in: header, path: path)
        let band = column("Band")
        let fallback = AnnotationText.recording(recording, source: source)

        var intervals: [AnnotatedInterval] = []
        // Selection key → index in `intervals` and whether that row came from a spectrogram view.
        var seen: [String: (index: Int, spectrogram: Bool)] = [:]
        for record in rows {
            let fields = record.fields.map(\.text)
            let line = record.line
            let name = file.map { fields[$0] }.flatMap { $0.isEmpty ? nil : $0 } ?? fallback
            var interval = AnnotatedInterval(
                recording: name,
                onset: try AnnotationText.number(fields[begin], column: "Begin Time (s)", line: line, path: path),
                offset: try AnnotationText.number(fields[end], column: "End Time (s)", line: line, path: path),
                label: label.map { fields[$0] } ?? "",
                lowFrequency: try low.flatMap { try AnnotationText.optionalNumber(fields[$0], column: "Low Freq (Hz)", line: line, path: path) },
                highFrequency: try high.flatMap { try AnnotationText.optionalNumber(fields[$0], column: "High Freq (Hz)", line: line, path: path) },
                channel: Int(try channel.map { try AnnotationText.integer(fields[$0], column: "Channel", line: line, path: path) } ?? 1))
            if let band, fields[band].trimmingSpaces.lowercased() == "unknown" {
                interval.lowFrequency = nil
                interval.highFrequency = nil
            }
            let isSpectrogram = view.map { fields[$0].lowercased().hasPrefix("spectrogram") } ?? true
            guard let selection else {
                intervals.append(interval)
                continue
            }
            let key = name + "\u{0}" + fields[selection].trimmingSpaces
            if let earlier = seen[key] {
                if isSpectrogram && !earlier.spectrogram {
                    intervals[earlier.index] = interval
                    seen[key] = (earlier.index, true)
                }
            } else {
                seen[key] = (intervals.count, isSpectrogram)
                intervals.append(interval)
            }
        }
        return intervals
    }

    /// Selections numbered from 1 in the order given, each written once per view (one row each by default); a
    /// "Begin File" column is added when the intervals come from more than one recording, and a "Band" column when
    /// some interval has no frequency band (its row holds the whole band, marked `unknown`).
    public func encodeAnnotations(_ intervals: [AnnotatedInterval], fileName: String) throws -> [UInt8] {
        guard !views.isEmpty else { throw USVError.usage("a Raven table needs at least one view to write selections for") }
        let manyRecordings = Set(intervals.map(\.recording)).count > 1
        let someUnbanded = intervals.contains { $0.lowFrequency == nil || $0.highFrequency == nil }
        var header = Self.standardColumns
        if manyRecordings { header.append("Begin File") }
        if someUnbanded { header.append("Band") }
        header.append(labelColumn ?? "Annotation")
        let tab = UInt8(ascii: "\t")
        var text = header.joined(separator: "\t") + "\n"
        for (number, interval) in intervals.enumerated() {
            for field in [interval.label, interval.recording] where field.contains("\t") || field.contains("\n") || field.contains("\r") {
                throw USVError.usage("'\(field.visibleEscapes)' contains a tab or line break, which a Raven table cannot hold")
            }
            let banded = interval.lowFrequency != nil && interval.highFrequency != nil
            let low = banded ? interval.lowFrequency ?? 0 : 0
            let high = banded ? interval.highFrequency ?? 0 : Self.bandTop(of: interval)
            for view in views {
                var fields = [String(number + 1), view, String(interval.channel), TableCell.text(of: interval.onset),
                              TableCell.text(of: interval.offset), TableCell.text(of: low), TableCell.text(of: high)]
                if manyRecordings { fields.append(interval.recording) }
                if someUnbanded { fields.append(banded ? "measured" : "unknown") }
                fields.append(interval.label)
                text += fields.joined(separator: String(UnicodeScalar(tab)))
                text += "\n"
            }
        }
        return Array(text.utf8)
    }

    /// The Nyquist frequency an interval's sample indices imply (sample / seconds / 2), else `defaultBandTop`.
    static func bandTop(of interval: AnnotatedInterval) -> Double {
        if let sample = interval.offsetSample, interval.offset > 0 {
            let rate = (Double(sample) / interval.offset).rounded()
            if rate.isFinite, rate >= 2 { return rate / 2 }
        }
        return defaultBandTop
    }
}
