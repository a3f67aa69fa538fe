import Foundation
import Testing
import USVCore
@testable import USVFormatAnnotations
import USVFormatTables
import USVTestSupport

/// Intervals with every field set, awkward labels included.
func sampleIntervals(recording: String = "Rfem_Afem01.wav") -> [AnnotatedInterval] {
    [
        AnnotatedInterval(recording: recording, onset: 0.125, offset: 0.1875, label: "up", lowFrequency: 41_250.5, highFrequency: 72_000,
                          channel: 1, onsetSample: 37_500, offsetSample: 56_250),
        AnnotatedInterval(recording: recording, onset: 1.5, offset: 1.5625, label: "flat, \"short\"", lowFrequency: 50_000,
                          highFrequency: 90_500.25, channel: 2, onsetSample: 450_000, offsetSample: 468_750),
        AnnotatedInterval(recording: recording, onset: 2.0001, offset: 2.1, label: "Ünïcødé", lowFrequency: nil, highFrequency: nil,
                          channel: 1, onsetSample: 600_030, offsetSample: 630_000),
    ]
}

@Suite struct AnnotationFormatTests {
    @Test func conformanceAndRoundTrips() throws {
        let directory = try TemporaryDirectory("annotations")
        defer { directory.remove() }
        let intervals = sampleIntervals()
        #expect(checkFormatPlugin(GenericSeqFormat()) == [])
        #expect(checkFormatPlugin(RavenSelectionTableFormat()) == [])
        #expect(checkFormatPlugin(AudacityLabelFormat()) == [])
        #expect(checkAnnotationRoundTrip(GenericSeqFormat(), intervals: intervals, in: directory,
                                         keepsFrequencies: false, keepsChannel: false, keepsRecording: true) == [])
        #expect(checkAnnotationRoundTrip(RavenSelectionTableFormat(), intervals: intervals, in: directory,
                                         keepsFrequencies: true, keepsChannel: true, keepsRecording: false) == [])
        #expect(checkAnnotationRoundTrip(AudacityLabelFormat(), intervals: intervals, in: directory,
                                         keepsFrequencies: true, keepsChannel: false, keepsRecording: false) == [])
        // Several recordings: generic-seq numbers one annotation per recording; Raven adds "Begin File".
        let two = sampleIntervals() + sampleIntervals(recording: "Rmale_Bmale02.wav")
        #expect(checkAnnotationRoundTrip(GenericSeqFormat(), intervals: two, in: directory,
                                         keepsFrequencies: false, keepsChannel: false, keepsRecording: true) == [])
        #expect(checkAnnotationRoundTrip(RavenSelectionTableFormat(), intervals: two, in: directory,
                                         keepsFrequencies: true, keepsChannel: true, keepsRecording: true) == [])
        let seq = String(decoding: try GenericSeqFormat().encodeAnnotations(two, fileName: "out.csv"), as: UTF8.self)
        #expect(seq.hasPrefix("label,onset_s,offset_s,onset_sample,offset_sample,notated_path,annot_path,sequence,annotation\n"))
        #expect(seq.contains("up,0.125,0.1875,37500,56250,Rmale_Bmale02.wav,out.csv,0,1\n"))
        #expect(throws: USVError.self) { try AudacityLabelFormat().encodeAnnotations(two, fileName: "x.txt") }
    }

    @Test func ravenWritesOneRowPerSelectionAndReadsOneIntervalPerSelection() throws {
        let bytes = try RavenSelectionTableFormat().encodeAnnotations(sampleIntervals(), fileName: "t.txt")
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n")
        #expect(lines[0] == "Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\tHigh Freq (Hz)\tBand\tAnnotation")
        #expect(lines.count == 1 + 3)
        #expect(lines[1] == "1\tSpectrogram 1\t1\t0.125\t0.1875\t41250.5\t72000.0\tmeasured\tup")
        // No band: the whole band up to the Nyquist frequency its samples imply (630000 / 2.1 s = 300 kHz), marked.
        #expect(lines[3] == "3\tSpectrogram 1\t1\t2.0001\t2.1\t0.0\t150000.0\tunknown\tÜnïcødé")
        // Raven's own habit (a row per view) on request.
        let both = try RavenSelectionTableFormat(views: ["Spectrogram 1", "Waveform 1"]).encodeAnnotations(sampleIntervals(), fileName: "t.txt")
        let bothLines = String(decoding: both, as: UTF8.self).split(separator: "\n")
        #expect(bothLines.count == 1 + 2 * 3 && bothLines[2].hasPrefix("1\tWaveform 1\t1\t"))
        #expect(try RavenSelectionTableFormat().readAnnotations(from: .memory(name: "t.txt", bytes: both), recording: "Rfem_Afem01.wav").count == 3)
        // A table as Raven saves it: waveform rows first, extra measurement columns, a "Label" column, CRLF.
        let raven = """
            Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\tHigh Freq (Hz)\tDelta Time (s)\tLabel\r
            1\tWaveform 1\t1\t0.5\t0.55\t0\t150000\t0.05\tUSV\r
            1\tSpectrogram 1\t1\t0.5\t0.55\t35000.2\t80000\t0.05\tUSV\r
            2\tSpectrogram 1\t2\t3.25\t3.3\t40000\t95000.5\t0.05\tnoise\r

            """
        let intervals = try RavenSelectionTableFormat().readAnnotations(from: .memory(name: "rec7.Table.1.selections.txt",
                                                                                      bytes: Array(raven.utf8)), recording: nil)
        #expect(intervals == [
            AnnotatedInterval(recording: "rec7.Table.1.selections", onset: 0.5, offset: 0.55, label: "USV", lowFrequency: 35_000.2,
                              highFrequency: 80_000, channel: 1),
            AnnotatedInterval(recording: "rec7.Table.1.selections", onset: 3.25, offset: 3.3, label: "noise", lowFrequency: 40_000,
                              highFrequency: 95_000.5, channel: 2),
        ])
        #expect(RavenSelectionTableFormat().sniff(head: Array(raven.utf8.prefix(64)), fileName: "x.txt") == .byContent)
        // Raven writes no quotes: a label that starts with one is read as it stands.
        let quotedLabel = [AnnotatedInterval(recording: "r", onset: 1, offset: 2, label: "\"odd\" call, 2", lowFrequency: 1, highFrequency: 2)]
        let written = try RavenSelectionTableFormat().encodeAnnotations(quotedLabel, fileName: "q.txt")
        #expect(try RavenSelectionTableFormat().readAnnotations(from: .memory(name: "q.txt", bytes: written), recording: "r") == quotedLabel)
        #expect(AudacityLabelFormat().sniff(head: Array(raven.utf8.prefix(64)), fileName: "x.txt") == .no)
    }

    /// Labels come from the chosen column, else the first of Annotation, Label, Species, Call Type, Class.
    @Test func ravenLabelsComeFromTheChosenOrFirstKnownColumn() throws {
        let table = """
            Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\tHigh Freq (Hz)\tSpecies\tNotes\r
            1\tSpectrogram 1\t1\t154.387792767\t154.911598217\t2878.2\t4049.0\tEATO\tfaint\r
            2\tSpectrogram 1\t1\t167.526598245\t168.17302044\t2731.9\t3902.7\tEATO\tclear\r

            """
        let source = ByteSource.memory(name: "Recording_1.Table.1.selections.txt", bytes: Array(table.utf8))
        #expect(try RavenSelectionTableFormat().readAnnotations(from: source, recording: nil).map(\.label) == ["EATO", "EATO"])
        #expect(try RavenSelectionTableFormat(labelColumn: "notes").readAnnotations(from: source, recording: nil).map(\.label) == ["faint", "clear"])
        do {
            _ = try RavenSelectionTableFormat(labelColumn: "Call Type").readAnnotations(from: source, recording: nil)
            Issue.record("a missing label column must be an error")
        } catch let error as USVError {
            #expect(error.description.contains("no label column 'Call Type'") && error.description.contains("Species, Notes"), "\(error)")
        }
        // Written under the chosen column's name, read back by it.
        let intervals = try RavenSelectionTableFormat().readAnnotations(from: source, recording: nil)
        let written = try RavenSelectionTableFormat(labelColumn: "Species").encodeAnnotations(intervals, fileName: "s.txt")
        #expect(String(decoding: written, as: UTF8.self).hasPrefix("Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\tHigh Freq (Hz)\tSpecies\n"))
        #expect(try RavenSelectionTableFormat().readAnnotations(from: .memory(name: "s.txt", bytes: written), recording: intervals.first?.recording) == intervals)
    }

    @Test func contentSniffingPicksTheRightFormat() throws {
        let registry = try PluginRegistry([CSVTableFormat(), TSVTableFormat(), JSONLinesFormat(), GenericSeqFormat(),
                                           RavenSelectionTableFormat(), AudacityLabelFormat()])
        func best(_ text: String, _ name: String) -> String? {
            registry.bestFormat((any FormatPlugin).self, head: Array(text.utf8.prefix(64)), fileName: name)?.descriptor.id
        }
        #expect(best("label,onset_s,offset_s,notated_path,annot_path,sequence,annotation\n", "a.csv") == "format.generic-seq")
        #expect(best("fileid,animalid\n1,2\n", "a.csv") == "format.csv")
        #expect(best("Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\n", "a.txt") == "format.raven")
        #expect(best("0.125000\t0.187500\tup\n", "a.txt") == "format.audacity-labels")
        #expect(best("{\"a\": 1}\n", "a.jsonl") == "format.jsonl")
    }

    @Test func malformedAnnotationsNameFileAndLine() throws {
        let cases: [(any AnnotationReading, String, String, String)] = [
            (GenericSeqFormat(), "seq.csv", "label,onset_s,offset_s,notated_path,annot_path,sequence,annotation\nup,0.1,x,a.wav,s.csv,0,0\n", "line 2"),
            (GenericSeqFormat(), "nolabel.csv", "onset_s,offset_s\n0.1,0.2\n", "label"),
            (GenericSeqFormat(), "notimes.csv", "label,notated_path\nup,a.wav\n", "onset"),
            (RavenSelectionTableFormat(), "raven.txt", "Selection\tView\tChannel\n1\tSpectrogram 1\t1\n", "Begin Time"),
            (RavenSelectionTableFormat(), "short.txt", "Selection\tBegin Time (s)\tEnd Time (s)\n1\t0.5\n", "line 2"),
            (RavenSelectionTableFormat(), "channel.txt", "Selection\tChannel\tBegin Time (s)\tEnd Time (s)\n1\tone\t0.5\t0.6\n", "line 2"),
            (AudacityLabelFormat(), "aud.txt", "\\\t100\t200\n", "line 1"),
            (AudacityLabelFormat(), "aud2.txt", "0.1\t0.2\tup\n0.3\tlate\tdown\n", "line 2"),
            (AudacityLabelFormat(), "aud3.txt", "0.1\n", "line 1"),
        ]
        for (format, name, text, word) in cases {
            do {
                _ = try format.readAnnotations(from: .memory(name: name, bytes: Array(text.utf8)), recording: nil)
                Issue.record("\(name) must not read")
            } catch let error as USVError {
                #expect(error.description.hasPrefix(name) && error.description.contains(word), "\(name): \(error)")
            }
        }
        // Onsets in samples only need the sample rate.
        let samples = "label,onset_sample,offset_sample,notated_path,annot_path,sequence,annotation\nup,300000,330000,a.wav,s.csv,0,0\n"
        #expect(throws: USVError.self) { try GenericSeqFormat().readAnnotations(from: .memory(name: "s.csv", bytes: Array(samples.utf8)), recording: nil) }
        let read = try GenericSeqFormat(sampleRate: 300_000).readAnnotations(from: .memory(name: "s.csv", bytes: Array(samples.utf8)), recording: nil)
        #expect(read == [AnnotatedInterval(recording: "a.wav", onset: 1, offset: 1.1, label: "up", onsetSample: 300_000, offsetSample: 330_000)])
    }
}

/// The generic-seq and Raven tables we write validate, row by row, against their schemas.
@Suite struct AnnotationSchemaTests {
    @Test func writtenRowsValidate() throws {
        let intervals = sampleIntervals() + sampleIntervals(recording: "b.wav")
        for (format, reader, schema) in [(GenericSeqFormat() as any AnnotationWriting, CSVTableFormat() as any TableReading, "generic-seq-row.schema.json"),
                                         (RavenSelectionTableFormat(), TSVTableFormat(), "raven-selection-row.schema.json")] {
            let bytes = try format.encodeAnnotations(intervals, fileName: "out")
            let table = try reader.readTable(from: .memory(name: "out", bytes: bytes), options: TableReadOptions(header: .firstRow))
            #expect(table.rowCount > 0)
            let lines = try JSONLinesFormat().encodeTable(table, options: TableWriteOptions())
            for line in lines.split(separator: UInt8(ascii: "\n")) {
                try validateAgainstSchema(schema, Data(line))
            }
        }
    }
}
