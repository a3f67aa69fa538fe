import USVCore

/// Raven (Cornell) selection tables: tab-separated, a header row, one row per selection and view. Raven
/// writes each selection once for every view it was drawn in ("Spectrogram 1", "Waveform 1"); reading
/// keeps one interval per selection number (the spectrogram row, which carries the frequency band).
/// The label comes from the first column named Annotation, Label, Call Type, Type or Class (any case).
public struct RavenSelectionTableFormat: AnnotationReading, AnnotationWriting {
    public static let descriptor = PluginDescriptor(
        id: "format.raven", version: "0.1.0", kind: .format,
        summary: "Raven selection tables (tab-separated selections with time, frequency band and annotation)",
        capabilities: ["read", "write", "sniff", "annotations", "archive-members"])
    public static let fileExtensions = ["txt"]

    static let standardColumns = ["Selection", "View", "Channel", "Begin Time (s)", "End Time (s)", "Low Freq (Hz)", "High Freq (Hz)"]
    static let labelColumns = ["annotation", "label", "call type", "type", "class"]

    /// The views each selection is written for, as Raven itself writes them.
    public var views: [String]

    public init(views: [String] = ["Spectrogram 1", "Waveform 1"]) {
        self.views = views
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
        let label = Self.labelColumns.lazy.compactMap { column($0) }.first
        let fallback = AnnotationText.recording(recording, source: source)

        var intervals: [AnnotatedInterval] = []
        // Selection key → index in `intervals` and whether that row came from a spectrogram view.
        var seen: [String: (index: Int, spectrogram: Bool)] = [:]
        for record in rows {
            let fields = record.fields.map(\.text)
            let line = record.line
            let name = file.map { fields[$0] }.flatMap { $0.isEmpty ? nil : $0 } ?? fallback
            let interval = AnnotatedInterval(
                recording: name,
                onset: try AnnotationText.number(fields[begin], column: "Begin Time (s)", line: line, path: path),
                offset: try AnnotationText.number(fields[end], column: "End Time (s)", line: line, path: path),
                label: label.map { fields[$0] } ?? "",
                lowFrequency: try low.flatMap { try AnnotationText.optionalNumber(fields[$0], column: "Low Freq (Hz)", line: line, path: path) },
                highFrequency: try high.flatMap { try AnnotationText.optionalNumber(fields[$0], column: "High Freq (Hz)", line: line, path: path) },
                channel: Int(try channel.map { try AnnotationText.integer(fields[$0], column: "Channel", line: line, path: path) } ?? 1))
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

    /// Selections numbered from 1 in the order given, each written once per view; a "Begin File" column is
    /// added when the intervals come from more than one recording. Empty frequency cells mean no band.
    public func encodeAnnotations(_ intervals: [AnnotatedInterval], fileName: String) throws -> [UInt8] {
        guard !views.isEmpty else { throw USVError.usage("a Raven table needs at least one view to write selections for") }
        let manyRecordings = Set(intervals.map(\.recording)).count > 1
        var header = Self.standardColumns
        if manyRecordings { header.append("Begin File") }
        header.append("Annotation")
        let tab = UInt8(ascii: "\t")
        var text = header.joined(separator: "\t") + "\n"
        for (number, interval) in intervals.enumerated() {
            for field in [interval.label, interval.recording] where field.contains("\t") || field.contains("\n") || field.contains("\r") {
                throw USVError.usage("'\(field.visibleEscapes)' contains a tab or line break, which a Raven table cannot hold")
            }
            for view in views {
                var fields = [String(number + 1), view, String(interval.channel), TableCell.text(of: interval.onset),
                              TableCell.text(of: interval.offset),
                              interval.lowFrequency.map(TableCell.text(of:)) ?? "", interval.highFrequency.map(TableCell.text(of:)) ?? ""]
                if manyRecordings { fields.append(interval.recording) }
                fields.append(interval.label)
                text += fields.joined(separator: String(UnicodeScalar(tab)))
                text += "\n"
            }
        }
        return Array(text.utf8)
    }
}
