import USVCore

/// Audacity label tracks (File › Export › Labels): one `start<TAB>end<TAB>label` line per label, seconds;
/// a label with a spectral selection is followed by `\<TAB>low<TAB>high` in Hz (-1 when that edge is
/// unset). A label track belongs to one recording, which the file does not name.
public struct AudacityLabelFormat: AnnotationReading, AnnotationWriting {
    public static let descriptor = PluginDescriptor(
        id: "format.audacity-labels", version: "0.1.0", kind: .format,
        summary: "Audacity label tracks (start, end, label; optional spectral selection lines)",
        capabilities: ["read", "write", "sniff", "annotations", "archive-members"])
    public static let fileExtensions = ["txt", "labels"]

    public init() {}

    /// Claims text whose first line is two numbers and a label, tab-separated.
    public func sniff(head: [UInt8], fileName: String) -> SniffConfidence {
        let fields = AnnotationText.firstLine(head).split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
        if fields.count >= 2, CellTyping.parseDouble(String(fields[0])) != nil, CellTyping.parseDouble(String(fields[1])) != nil {
            return .byContent
        }
        return head.isEmpty && Self.fileExtensions.contains(fileName.fileExtension) ? .byExtension : .no
    }

    public func readAnnotations(from source: ByteSource, recording: String? = nil) throws -> [AnnotatedInterval] {
        let path = source.description
        let bytes = try DelimitedText.text(try source.readAll(limit: 1 << 30), path: path)
        let name = AnnotationText.recording(recording, source: source)
        var intervals: [AnnotatedInterval] = []
        let text = String(decoding: bytes, as: UTF8.self)
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = offset + 1
            let content = rawLine.hasSuffix("\r") ? String(rawLine.dropLast()) : String(rawLine)
            if content.trimmingSpaces.isEmpty { continue }
            let fields = content.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            if fields[0] == "\\" {
                guard let last = intervals.indices.last else {
                    throw USVError.malformed(path: path, location: "line \(line)", reason: "a spectral selection line before any label")
                }
                guard fields.count == 3 else {
                    throw USVError.malformed(path: path, location: "line \(line)", reason: "a spectral selection line needs '\\', low and high Hz")
                }
                let low = try AnnotationText.number(fields[1], column: "low frequency", line: line, path: path)
                let high = try AnnotationText.number(fields[2], column: "high frequency", line: line, path: path)
                intervals[last].lowFrequency = low < 0 ? nil : low
                intervals[last].highFrequency = high < 0 ? nil : high
                continue
            }
            guard fields.count >= 2 else {
                throw USVError.malformed(path: path, location: "line \(line)", reason: "expected start, end and label separated by tabs")
            }
            intervals.append(AnnotatedInterval(
                recording: name,
                onset: try AnnotationText.number(fields[0], column: "start", line: line, path: path),
                offset: try AnnotationText.number(fields[1], column: "end", line: line, path: path),
                label: fields.count > 2 ? fields[2] : ""))
        }
        return intervals
    }

    /// Refuses intervals of more than one recording (a label track has one) and labels with line breaks.
    public func encodeAnnotations(_ intervals: [AnnotatedInterval], fileName: String) throws -> [UInt8] {
        let recordings = Set(intervals.map(\.recording))
        guard recordings.count <= 1 else {
            throw USVError.usage("an Audacity label track holds one recording, these intervals come from \(recordings.count); write one file per recording")
        }
        var text = ""
        for interval in intervals {
            guard !interval.label.contains("\n") && !interval.label.contains("\r") else {
                throw USVError.usage("label '\(interval.label.visibleEscapes)' contains a line break, which a label track cannot hold")
            }
            text += "\(TableCell.text(of: interval.onset))\t\(TableCell.text(of: interval.offset))\t\(interval.label)\n"
            if interval.lowFrequency != nil || interval.highFrequency != nil {
                text += "\\\t\(TableCell.text(of: interval.lowFrequency ?? -1))\t\(TableCell.text(of: interval.highFrequency ?? -1))\n"
            }
        }
        return Array(text.utf8)
    }
}
