import USVCore

/// crowsetta's `generic-seq` CSV, the common currency of birdsong/USV annotation tools (vak, crowsetta):
/// columns `label, onset_s, offset_s[, onset_sample, offset_sample], notated_path, annot_path, sequence,
/// annotation`, in that order. One "annotation" per audio file (`notated_path`); we write one sequence per
/// annotation. Frequencies and channels have no column here and are not kept.
public struct GenericSeqFormat: AnnotationReading, AnnotationWriting {
    public static let descriptor = PluginDescriptor(
        id: "format.generic-seq", version: "0.1.0", kind: .format,
        summary: "crowsetta generic-seq CSV annotations (label, onset/offset seconds and samples, audio path)",
        capabilities: ["read", "write", "sniff", "annotations", "archive-members"])
    public static let fileExtensions = ["csv"]

    /// Needed only to read files that give onsets in samples alone.
    public var sampleRate: Double?

    public init(sampleRate: Double? = nil) {
        self.sampleRate = sampleRate
    }

    /// Claims CSV files whose header starts as generic-seq's; with no bytes to look at, the extension.
    public func sniff(head: [UInt8], fileName: String) -> SniffConfidence {
        let line = AnnotationText.firstLine(head)
        if line.hasPrefix("label,onset_s,offset_s") || line.hasPrefix("label,onset_sample,offset_sample") { return .byContent }
        return head.isEmpty && fileName.fileExtension == "csv" ? .byExtension : .no
    }

    public func readAnnotations(from source: ByteSource, recording: String? = nil) throws -> [AnnotatedInterval] {
        let path = source.description
        let (header, rows) = try AnnotationText.records(source, delimiter: UInt8(ascii: ","))
        func column(_ name: String) -> Int? { header.firstIndex(of: name) }
        guard let label = column("label") else {
            throw USVError.malformed(path: path, location: "line 1", reason: "no 'label' column; is this a generic-seq file?")
        }
        let seconds = (column("onset_s"), column("offset_s"))
        let samples = (column("onset_sample"), column("offset_sample"))
        guard (seconds.0 != nil && seconds.1 != nil) || (samples.0 != nil && samples.1 != nil) else {
            throw USVError.malformed(path: path, location: "line 1",
                                     reason: "needs onset_s and offset_s, or onset_sample and offset_sample")
        }
        if seconds.0 == nil && sampleRate == nil {
            throw USVError.unsupported(path: path, feature: "onsets in samples without seconds",
                                       advice: "give the sample rate (GenericSeqFormat(sampleRate:)) to turn samples into seconds")
        }
        let notated = column("notated_path")
        let fallback = AnnotationText.recording(recording, source: source)
        return try rows.map { record in
            let fields = record.fields.map(\.text)
            let line = record.line
            let onsetSample = try samples.0.map { try AnnotationText.integer(fields[$0], column: "onset_sample", line: line, path: path) }
            let offsetSample = try samples.1.map { try AnnotationText.integer(fields[$0], column: "offset_sample", line: line, path: path) }
            let onset: Double
            let offset: Double
            if let onsetColumn = seconds.0, let offsetColumn = seconds.1 {
                onset = try AnnotationText.number(fields[onsetColumn], column: "onset_s", line: line, path: path)
                offset = try AnnotationText.number(fields[offsetColumn], column: "offset_s", line: line, path: path)
            } else {
                let rate = sampleRate ?? 1
                onset = Double(onsetSample ?? 0) / rate
                offset = Double(offsetSample ?? 0) / rate
            }
            var name = notated.map { fields[$0] } ?? ""
            if name.isEmpty || name == "None" { name = fallback }
            return AnnotatedInterval(recording: name, onset: onset, offset: offset, label: fields[label],
                                     onsetSample: onsetSample, offsetSample: offsetSample)
        }
    }

    public func encodeAnnotations(_ intervals: [AnnotatedInterval], fileName: String) throws -> [UInt8] {
        let withSamples = !intervals.isEmpty && intervals.allSatisfy { $0.onsetSample != nil && $0.offsetSample != nil }
        var header = ["label", "onset_s", "offset_s"]
        if withSamples { header += ["onset_sample", "offset_sample"] }
        header += ["notated_path", "annot_path", "sequence", "annotation"]
        let comma = UInt8(ascii: ",")
        var text = DelimitedText.line(header.map { DelimitedText.Field($0) }, delimiter: comma, lineEnding: "\n")
        var annotationOf: [String: Int] = [:]
        for interval in intervals {
            guard interval.onset.isFinite, interval.offset.isFinite else {
                throw USVError.usage("interval '\(interval.label)' of \(interval.recording) has a non-finite onset or offset")
            }
            let annotation = annotationOf[interval.recording] ?? annotationOf.count
            annotationOf[interval.recording] = annotation
            var fields = [interval.label, TableCell.text(of: interval.onset), TableCell.text(of: interval.offset)]
            if withSamples { fields += [String(interval.onsetSample ?? 0), String(interval.offsetSample ?? 0)] }
            fields += [interval.recording.isEmpty ? "None" : interval.recording, fileName, "0", String(annotation)]
            text += DelimitedText.line(fields.map { DelimitedText.Field($0) }, delimiter: comma, lineEnding: "\n")
        }
        return Array(text.utf8)
    }
}
