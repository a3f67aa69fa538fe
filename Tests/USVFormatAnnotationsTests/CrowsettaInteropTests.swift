import Foundation
import Testing
import USVCore
@testable import USVFormatAnnotations
import USVTestSupport

/// One interval as annotation_peer.py prints what crowsetta read (numbers as Python's repr).
struct PeerInterval: Decodable, Equatable {
    var recording: String?
    var label: String
    var onset: String
    var offset: String
    var onsetSample: Int?
    var offsetSample: Int?
    var low: String?
    var high: String?
}

/// What annotation_peer.py wrote with crowsetta, as the expected values.
struct PeerRow: Decodable {
    var recording: String
    var onset: Double
    var offset: Double
    var label: String
    var low: Double
    var high: Double
}

@Suite struct CrowsettaInteropTests {
    @Test(.enabled(if: PythonPeers.available(), "needs crowsetta (Benchmarks/peers/setup.sh)"))
    func weReadWhatCrowsettaWritesAndCrowsettaReadsWhatWeWrite() throws {
        let python = try PythonPeers.python()
        let directory = try TemporaryDirectory("crowsetta")
        defer { directory.remove() }
        _ = try runPeer(python, script: "annotation_peer.py", arguments: ["write", directory.path])
        let rows = try JSONDecoder().decode([PeerRow].self, from: Data(contentsOf: URL(fileURLWithPath: directory.file("expected.json"))))
        let recording = rows[0].recording

        // crowsetta → us.
        let seq = try GenericSeqFormat().readAnnotations(from: .file(directory.file("crowsetta-generic.csv")), recording: nil)
        #expect(seq == rows.map { AnnotatedInterval(recording: $0.recording, onset: $0.onset, offset: $0.offset, label: $0.label,
                                                    onsetSample: Int64(($0.onset * 300_000).rounded()),
                                                    offsetSample: Int64(($0.offset * 300_000).rounded())) })
        let boxes = rows.map { AnnotatedInterval(recording: recording, onset: $0.onset, offset: $0.offset, label: $0.label,
                                                 lowFrequency: $0.low, highFrequency: $0.high) }
        #expect(try RavenSelectionTableFormat().readAnnotations(from: .file(directory.file("crowsetta-raven.txt")), recording: recording) == boxes)
        #expect(try AudacityLabelFormat().readAnnotations(from: .file(directory.file("crowsetta-audacity.txt")), recording: recording) == boxes)

        // Us → crowsetta, exactly.
        let ours = sampleIntervals()
        try GenericSeqFormat().writeAnnotations(ours, to: directory.file("ours.csv"))
        let seenSeq = try JSONDecoder().decode([PeerInterval].self, from: Data(try runPeer(
            python, script: "annotation_peer.py", arguments: ["read", "generic-seq", directory.file("ours.csv")]).utf8))
        #expect(seenSeq.count == ours.count)
        for (seen, interval) in zip(seenSeq, ours) {
            #expect(seen.label == interval.label && seen.recording == interval.recording)
            #expect(Double(seen.onset) == interval.onset && Double(seen.offset) == interval.offset)
            #expect(seen.onsetSample.map(Int64.init) == interval.onsetSample && seen.offsetSample.map(Int64.init) == interval.offsetSample)
        }
        let banded = ours.filter { $0.lowFrequency != nil }.map { interval -> AnnotatedInterval in
            var one = interval
            one.channel = 1
            return one
        }
        try RavenSelectionTableFormat().writeAnnotations(banded, to: directory.file("ours-raven.txt"))
        try AudacityLabelFormat().writeAnnotations(banded, to: directory.file("ours-audacity.txt"))
        for (kind, file) in [("raven", "ours-raven.txt"), ("aud-bbox", "ours-audacity.txt")] {
            let seen = try JSONDecoder().decode([PeerInterval].self, from: Data(try runPeer(
                python, script: "annotation_peer.py", arguments: ["read", kind, directory.file(file)]).utf8))
            #expect(seen.count == banded.count, "\(kind)")
            for (box, interval) in zip(seen, banded) {
                #expect(box.label == interval.label, "\(kind)")
                #expect(Double(box.onset) == interval.onset && Double(box.offset) == interval.offset, "\(kind)")
                #expect(box.low.flatMap(Double.init) == interval.lowFrequency && box.high.flatMap(Double.init) == interval.highFrequency, "\(kind)")
            }
        }
    }

    /// crowsetta reads the Raven tables our writer writes by default: one box per selection with the same times and
    /// labels, bands where we have them and the whole band (0 Hz to the Nyquist frequency) where we do not; and we read
    /// crowsetta's own example table (labels in a "Species" column) as it does.
    @Test(.enabled(if: PythonPeers.available(), "needs crowsetta (Benchmarks/peers/setup.sh)"))
    func crowsettaReadsOurRavenTablesAndWeReadItsSpeciesLabels() throws {
        let python = try PythonPeers.python()
        let directory = try TemporaryDirectory("crowsetta-raven")
        defer { directory.remove() }
        let ours = sampleIntervals()
        try RavenSelectionTableFormat().writeAnnotations(ours, to: directory.file("ours.txt"))
        let seen = try JSONDecoder().decode([PeerInterval].self, from: Data(try runPeer(
            python, script: "annotation_peer.py", arguments: ["read", "raven", directory.file("ours.txt")]).utf8))
        #expect(seen.count == ours.count)
        for (box, interval) in zip(seen, ours) {
            #expect(box.label == interval.label)
            #expect(Double(box.onset) == interval.onset && Double(box.offset) == interval.offset)
            #expect(box.low.flatMap(Double.init) == (interval.lowFrequency ?? 0))
            #expect(box.high.flatMap(Double.init) == (interval.highFrequency ?? 150_000))
        }
        // crowsetta's example (Raven's own export: CRLF, "Species").
        let example = try runPeer(python, script: "annotation_peer.py", arguments: ["example-raven"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let theirs = try JSONDecoder().decode([PeerInterval].self, from: Data(try runPeer(
            python, script: "annotation_peer.py", arguments: ["read", "raven-species", example]).utf8))
        let read = try RavenSelectionTableFormat().readAnnotations(from: .file(example), recording: nil)
        #expect(!theirs.isEmpty && read.count == theirs.count)
        #expect(read.map(\.label) == theirs.map(\.label) && read.allSatisfy { !$0.label.isEmpty })
        #expect(read.map(\.onset) == theirs.map { Double($0.onset) ?? .nan })
        #expect(read.map(\.highFrequency) == theirs.map { $0.high.flatMap(Double.init) })
    }

    /// A Raven selection table with two selections, each in a spectrogram and a waveform view.
    static let ravenTable = """
        Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\tHigh Freq (Hz)\tAnnotation
        1\tSpectrogram 1\t1\t0.512\t0.561\t35000.2\t80000\tup
        1\tWaveform 1\t1\t0.512\t0.561\t0\t150000\tup
        2\tSpectrogram 1\t1\t3.25\t3.3125\t40000\t95000.5\tcomplex
        2\tWaveform 1\t1\t3.25\t3.3125\t0\t150000\tcomplex

        """

    /// The conversion `usv convert selections.txt out.csv --to generic-seq` does: Raven in, generic-seq out, and
    /// the generic-seq file reads back as the Raven intervals (without their frequency band). No Python needed.
    @Test func ravenToGenericSeq() throws {
        let directory = try TemporaryDirectory("raven-seq")
        defer { directory.remove() }
        try directory.write("rec.selections.txt", Self.ravenTable)
        let intervals = try RavenSelectionTableFormat().readAnnotations(from: .file(directory.file("rec.selections.txt")), recording: "rec.wav")
        #expect(intervals.map(\.label) == ["up", "complex"])
        #expect(intervals.map(\.onset) == [0.512, 3.25] && intervals.map(\.offset) == [0.561, 3.3125])
        #expect(intervals.map(\.lowFrequency) == [35000.2, 40000] && intervals.map(\.highFrequency) == [80000, 95000.5])
        #expect(intervals.allSatisfy { $0.recording == "rec.wav" })
        try GenericSeqFormat().writeAnnotations(intervals, to: directory.file("rec.csv"))
        #expect(try GenericSeqFormat().readAnnotations(from: .file(directory.file("rec.csv")), recording: nil)
                == intervals.map { AnnotatedInterval(recording: $0.recording, onset: $0.onset, offset: $0.offset, label: $0.label) })
    }

    /// crowsetta agrees with what we read from Raven and wrote as generic-seq.
    @Test(.enabled(if: PythonPeers.available(), "needs crowsetta (Benchmarks/peers/setup.sh)"))
    func crowsettaReadsTheGenericSeqWeMadeFromRaven() throws {
        let python = try PythonPeers.python()
        let directory = try TemporaryDirectory("raven-seq-peer")
        defer { directory.remove() }
        try directory.write("rec.selections.txt", Self.ravenTable)
        let intervals = try RavenSelectionTableFormat().readAnnotations(from: .file(directory.file("rec.selections.txt")), recording: "rec.wav")
        try GenericSeqFormat().writeAnnotations(intervals, to: directory.file("rec.csv"))
        let seen = try JSONDecoder().decode([PeerInterval].self, from: Data(try runPeer(
            python, script: "annotation_peer.py", arguments: ["read", "generic-seq", directory.file("rec.csv")]).utf8))
        #expect(seen.map(\.label) == ["up", "complex"])
        #expect(seen.map { Double($0.onset) } == [0.512, 3.25] && seen.map { Double($0.offset) } == [0.561, 3.3125])
        #expect(seen.allSatisfy { $0.recording == "rec.wav" })
    }
}
