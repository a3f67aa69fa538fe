import Testing
import USVCore
import USVSignal
import USVTestSupport

/// Hand-made cases for the scorer behind `usv score`: each expectation is worked out by hand from the rules in
/// `EventScorer`'s documentation.
@Suite struct EventScorerTests {
    func calls(_ pairs: [(Double, Double)]) -> [CallInterval] {
        pairs.enumerated().map { CallInterval(start: $1.0, stop: $1.1, line: $0 + 1) }
    }

    @Test func identicalListsScorePerfectly() {
        // Off the millisecond grid, so that no bin time sits on an edge.
        let truth = calls([(0.1005, 0.1505), (0.3005, 0.4205), (0.7005, 0.7105)])
        let score = EventScorer().score(truth: truth, found: truth, length: 1.0)
        let summary = score.summary
        #expect(score.counts.truePositives == 3 && score.counts.falsePositives == 0 && score.counts.falseNegatives == 0)
        #expect(summary.events == DetectionFigures(truePositives: 3, falsePositives: 0, falseNegatives: 0))
        #expect(summary.events.f1 == 1 && summary.temporal.f1 == 1)
        #expect(score.counts.bins == 1000)
        // 50 + 120 + 10 call bins, every one shared.
        #expect(score.counts.truePositiveBins == 180 && score.counts.falsePositiveBins == 0 && score.counts.falseNegativeBins == 0)
        #expect(summary.onsetError.medianAbsolute == 0 && summary.offsetError.medianAbsolute == 0)
        #expect(score.counts.splitCalls == 0 && score.counts.mergedCalls == 0)
        #expect(score.truth.map(\.match) == [0, 1, 2] && score.found.map(\.match) == [0, 1, 2])
    }

    @Test func onsetsMatchWithinTheToleranceInclusive() {
        let truth = calls([(1.000, 1.050)])
        let inside = EventScorer().score(truth: truth, found: calls([(1.0099, 1.060)]), length: nil)
        #expect(inside.counts.truePositives == 1)
        let before = EventScorer().score(truth: truth, found: calls([(0.9901, 1.040)]), length: nil)
        #expect(before.counts.truePositives == 1)
        let outside = EventScorer().score(truth: truth, found: calls([(1.0101, 1.060)]), length: nil)
        #expect(outside.counts.truePositives == 0 && outside.counts.falsePositives == 1 && outside.counts.falseNegatives == 1)
        #expect(outside.summary.events.f1 == 0)
        let early = EventScorer().score(truth: truth, found: calls([(0.9899, 1.040)]), length: nil)
        #expect(early.counts.truePositives == 0)
        // Exactly the tolerance (binary-exact values) still matches: ≤, not <.
        let edge = EventScorer(tolerance: 0.25).score(truth: calls([(1.0, 2.0)]), found: calls([(1.25, 2.0)]), length: nil)
        #expect(edge.counts.truePositives == 1)
        let beyond = EventScorer(tolerance: 0.25).score(truth: calls([(1.0, 2.0)]), found: calls([(1.2500001, 2.0)]), length: nil)
        #expect(beyond.counts.truePositives == 0)
    }

    /// Onsets written to the millisecond that differ by "exactly" 10 ms differ by a little more or less in binary;
    /// the comparison is made on the values as read, as the published AMVOC figures were (MSA v2's event F1 0.588 there
    /// needs this: rounding to whole microseconds first would give 0.612).
    @Test func decimalTiesAreComparedInDoublePrecision() {
        // 1.34 − 1.33 = 0.010000000000000009 > 0.010: no match.
        #expect(EventScorer().score(truth: calls([(1.33, 1.40)]), found: calls([(1.34, 1.41)]), length: nil).counts.truePositives == 0)
        // 0.082 − 0.072000000000003 = 0.009999999999996997 ≤ 0.010: a match.
        #expect(EventScorer().score(truth: calls([(0.072000000000003, 0.1)]), found: calls([(0.082, 0.102)]), length: nil).counts.truePositives == 1)
    }

    @Test func matchingIsOneToOneClosestFirst() {
        // The found call at 1.008 is closer to the true call at 1.012 (4 ms) than to 1.000 (8 ms): a truth-order
        // greedy matcher would give it to the first true call.
        let score = EventScorer().score(truth: calls([(1.000, 1.050), (1.012, 1.060)]), found: calls([(1.008, 1.055)]), length: nil)
        #expect(score.matches.map { [$0.truth, $0.found] } == [[1, 0]])
        #expect(score.truth.map(\.match) == [nil, 0])
        // Likewise for found calls in file order: 1.006 is the closer one to the true call at 1.005.
        let second = EventScorer().score(truth: calls([(1.005, 1.050)]), found: calls([(1.000, 1.050), (1.006, 1.050)]), length: nil)
        #expect(second.matches.map(\.found) == [1])
        #expect(second.found.map(\.match) == [nil, 0])
        // Two found calls on one true call: one hit, one false alarm.
        let doubled = EventScorer().score(truth: calls([(2.0, 2.1)]), found: calls([(2.001, 2.1), (2.001, 2.1)]), length: nil)
        #expect(doubled.counts.truePositives == 1 && doubled.counts.falsePositives == 1)
        // A chain where closest-first matters globally: t1=1.000, t2=1.009; f1=1.005, f2=1.0145.
        // Pairs: (t2,f2) 5.5 ms, (t2,f1) 4 ms, (t1,f1) 5 ms. Closest first takes (t2,f1), then (t1,f1) and (t2,f2) are
        // blocked: one hit although two were possible — the rule the published figures use.
        let chain = EventScorer().score(truth: calls([(1.000, 1.05), (1.009, 1.06)]), found: calls([(1.005, 1.05), (1.0145, 1.06)]), length: nil)
        #expect(chain.matches.map { [$0.truth, $0.found] } == [[1, 0]])
    }

    @Test func splitAndMergedCallsAreCounted() {
        // One true call covered by two found calls: split. The found call with the same onset is the hit.
        let split = EventScorer().score(truth: calls([(1.00, 1.20)]), found: calls([(1.00, 1.08), (1.10, 1.20)]), length: nil)
        #expect(split.counts.splitCalls == 1 && split.counts.mergedCalls == 0)
        #expect(split.counts.truePositives == 1 && split.counts.falsePositives == 1)
        #expect(split.truth.first?.overlaps == 2)
        // One found call covering two true calls: merged.
        let merged = EventScorer().score(truth: calls([(1.00, 1.05), (1.08, 1.15)]), found: calls([(1.00, 1.15)]), length: nil)
        #expect(merged.counts.mergedCalls == 1 && merged.counts.splitCalls == 0)
        #expect(merged.counts.truePositives == 1 && merged.counts.falseNegatives == 1)
        // Touching intervals do not overlap.
        let touching = EventScorer().score(truth: calls([(1.00, 1.05), (1.05, 1.10)]), found: calls([(0.95, 1.00), (1.10, 1.20)]), length: nil)
        #expect(touching.counts.mergedCalls == 0 && touching.counts.splitCalls == 0)
        #expect(touching.truth.map(\.overlaps) == [0, 0])
    }

    @Test func emptyListsFollowTheDocumentedDefinitions() {
        // Both empty: nothing to find, nothing found — every figure is 1 (0/0 counts as 1).
        let none = EventScorer().score(truth: [], found: [], length: 2.0).summary
        #expect(none.events == DetectionFigures(truePositives: 0, falsePositives: 0, falseNegatives: 0))
        #expect(none.events.precision == 1 && none.events.recall == 1 && none.events.f1 == 1)
        #expect(none.temporal.f1 == 1)
        #expect(none.onsetError.medianAbsolute == nil && none.onsetError.pairs == 0)
        // Only false alarms: precision 0, recall 1 (no true call missed), F1 0.
        let alarms = EventScorer().score(truth: [], found: calls([(0.5, 0.6)]), length: 2.0).summary
        #expect(alarms.events.precision == 0 && alarms.events.recall == 1 && alarms.events.f1 == 0)
        #expect(alarms.temporal.precision == 0 && alarms.temporal.f1 == 0)
        // Only misses: precision 1 (no false alarm), recall 0, F1 0.
        let misses = EventScorer().score(truth: calls([(0.5, 0.6)]), found: [], length: 2.0).summary
        #expect(misses.events.precision == 1 && misses.events.recall == 0 && misses.events.f1 == 0)
        #expect(misses.temporal.recall == 0 && misses.temporal.f1 == 0)
        // Without a length and without calls there are no bins.
        #expect(EventScorer().score(truth: [], found: [], length: nil).counts.bins == 0)
    }

    @Test func temporalFiguresOnAHandComputedCase() {
        // 10 bins (t = 0, 1, …, 9 ms). Truth (1.5, 5.5] ms covers t = 2, 3, 4, 5; found (3.5, 8.5] covers t = 4 … 8.
        // Shared: 4, 5 → TP 2; found only: 6, 7, 8 → FP 3; truth only: 2, 3 → FN 2.
        let score = EventScorer().score(truth: calls([(0.0015, 0.0055)]), found: calls([(0.0035, 0.0085)]), length: 0.010)
        #expect(score.counts.bins == 10)
        #expect(score.counts.truePositiveBins == 2 && score.counts.falsePositiveBins == 3 && score.counts.falseNegativeBins == 2)
        let temporal = score.summary.temporal
        #expect(abs(temporal.precision - 0.4) < 1e-12 && abs(temporal.recall - 0.5) < 1e-12)
        #expect(abs(temporal.f1 - 4.0 / 9.0) < 1e-12)
        // The bins marked directly: start excluded, stop included.
        #expect(EventScorer().callBins(calls([(0.0015, 0.0055)]), count: 10) == [false, false, true, true, true, true, false, false, false, false])
        // On binary-exact times: t = 0.25 is not inside (0.25, 0.75], t = 0.75 is.
        #expect(EventScorer(binWidth: 0.25).callBins(calls([(0.25, 0.75)]), count: 5) == [false, false, true, true, false])
        // Without a length the bins run up to the latest stop (t ≤ 8.5 ms → 9 bins); the figures do not change.
        let open = EventScorer().score(truth: calls([(0.0015, 0.0055)]), found: calls([(0.0035, 0.0085)]), length: nil)
        #expect(open.counts.bins == 9 && open.counts.truePositiveBins == 2 && open.counts.falsePositiveBins == 3)
        #expect(!open.lengthKnown && score.lengthKnown && score.length == 0.010)
    }

    @Test func boundaryErrorsAreMediansOfMatchedPairsInMilliseconds() {
        let truth = calls([(1.000, 1.100), (2.000, 2.100), (3.000, 3.100)])
        let found = calls([(1.001, 1.104), (1.997, 2.100), (3.002, 3.090)])
        let summary = EventScorer().score(truth: truth, found: found, length: nil).summary
        // Onset errors +1, −3, +2 ms: median |e| 2, signed median 1. Offset errors +4, 0, −10: |e| median 4, signed 0.
        #expect(summary.onsetError.pairs == 3)
        #expect(abs((summary.onsetError.medianAbsolute ?? .nan) - 2) < 1e-9)
        #expect(abs((summary.onsetError.median ?? .nan) - 1) < 1e-9)
        #expect(abs((summary.offsetError.medianAbsolute ?? .nan) - 4) < 1e-9)
        #expect(abs(summary.offsetError.median ?? .nan) < 1e-9)
    }

    @Test func poolingSumsCountsAndConcatenatesBins() {
        let scorer = EventScorer()
        let first = scorer.score(truth: calls([(0.1, 0.2)]), found: calls([(0.1, 0.2), (0.5, 0.6)]), length: 1.0)
        let second = scorer.score(truth: calls([(0.1, 0.2), (0.4, 0.5), (0.7, 0.8)]), found: calls([(0.102, 0.2)]), length: 2.0)
        let pooled = ScoreSummary.pooled([first, second])
        #expect(pooled.counts.truthCalls == 4 && pooled.counts.foundCalls == 3 && pooled.counts.truePositives == 2)
        #expect(pooled.counts.bins == 3000)
        #expect(pooled.counts.truePositiveBins == first.counts.truePositiveBins + second.counts.truePositiveBins)
        // Pooled precision is 2 / 3 (sums), not the mean of 1/2 and 1/1.
        #expect(abs(pooled.events.precision - 2.0 / 3.0) < 1e-12 && abs(pooled.events.recall - 0.5) < 1e-12)
        #expect(pooled.onsetError.pairs == 2)
        let report = DetectionScoreReport(scorer: scorer, recordings: [
            (RecordingScoreReport.Source(name: "a", truthFile: "a.csv", foundFile: "a.found.csv"), first),
            (RecordingScoreReport.Source(name: "b", truthFile: "b.csv", foundFile: "b.found.csv"), second),
        ])
        #expect(report.pooled.events.truePositives == 2 && report.pooled.temporal.bins == 3000)
        #expect(report.recordings[0].found.map(\.status) == [.hit, .falseAlarm])
        #expect(report.recordings[1].truth.map(\.status) == [.hit, .miss, .miss])
    }

    @Test func checksNameTheFileAndLine() throws {
        let list = calls([(0.1, 0.2), (0.3, 0.4), (4.9, 5.3)])
        #expect(throws: Never.self) { try CallListCheck.check(list, path: "t.csv", length: nil, audio: nil) }
        do {
            try CallListCheck.check(list, path: "gt.csv", length: 5.0, audio: "dir/rec.wav")
            Issue.record("a stop past the end was accepted")
        } catch let error as USVError {
            #expect(error.isUsage)
            #expect("\(error)".contains("gt.csv: line 3:") && "\(error)".contains("past the end of the recording (5 s, rec.wav)"))
        }
        #expect(throws: USVError.unusable(path: "f.csv", reason: "line 2: negative time (start -0.1 s, stop 0.2 s)")) {
            try CallListCheck.check(calls([(0.1, 0.2), (-0.1, 0.2)]), path: "f.csv", length: nil, audio: nil)
        }
        #expect(throws: USVError.unusable(path: "f.csv", reason: "line 1: stop 0.1 s is before start 0.2 s")) {
            try CallListCheck.check(calls([(0.2, 0.1)]), path: "f.csv", length: nil, audio: nil)
        }
        // Rounding of written times (%.6f) may pass the end by less than a microsecond.
        #expect(throws: Never.self) { try CallListCheck.check(calls([(4.9, 5.0000004)]), path: "f.csv", length: 5.0, audio: nil) }
    }

    @Test func plainStartStopTablesAreRead() throws {
        let directory = try TemporaryDirectory("score-reader")
        defer { directory.remove() }
        let reader = CallListReader(registry: PluginRegistry())
        let bare = try directory.write("a.csv", "0.058,0.066\n0.156000000000006,0.189999999999998\n\n")
        #expect(try reader.read(path: bare).calls == [CallInterval(start: 0.058, stop: 0.066, line: 1),
                                                      CallInterval(start: 0.156000000000006, stop: 0.189999999999998, line: 2)])
        let detected = try directory.write("b.csv", "start_s,stop_s,start_sample,stop_sample,duration_s\n0.100000,0.150000,30000,45000,0.05\n")
        #expect(try reader.read(path: detected).calls == [CallInterval(start: 0.1, stop: 0.15, line: 2)])
        let commas = try directory.write("c.csv", "\"0,0775\",\"0,0811\"\r\n\"1,5\",\"1,6\"\r\n")
        #expect(try reader.read(path: commas).calls.map(\.start) == [0.0775, 1.5])
        let named = try directory.write("d.tsv", "label\tonset\toffset\nA\t1.5\t1.75\n")
        #expect(try reader.read(path: named).calls == [CallInterval(start: 1.5, stop: 1.75, line: 2)])
        #expect(try reader.read(path: try directory.write("e.csv", "")).calls.isEmpty)
        let broken = try directory.write("f.csv", "0.1,0.2\n0.3,abc\n")
        #expect(throws: USVError.unusable(path: broken, reason: "line 2: stop 'abc' is not a number")) { try reader.read(path: broken) }
        let unnamed = try directory.write("g.csv", "when,until\n0.1,0.2\n")
        #expect(throws: USVError.self) { try reader.read(path: unnamed) }
    }

    /// The published figures of the AMVOC evaluation set (Tests/Fixtures/amvoc/README.md): each detector's deposited
    /// calls against the manual ground truth of the four recordings, the recordings' lengths from their audio,
    /// pooled. Event precision, recall, F1 and temporal F1, to the three decimals published.
    @Test(arguments: [("vocalmat", [0.885, 0.923, 0.904, 0.893]), ("deepsqueak", [0.722, 0.667, 0.693, 0.873]),
                      ("msa2", [0.543, 0.641, 0.588, 0.840]), ("mupet", [0.463, 0.376, 0.415, 0.703])])
    func reproducesThePublishedAMVOCFigures(detector: String, published: [Double]) throws {
        let folder = repositoryRoot() + "/Tests/Fixtures/amvoc"
        let reader = CallListReader(registry: PluginRegistry())
        let scorer = EventScorer()
        var scores: [RecordingScore] = []
        for number in 1...4 {
            let length = try AudioFileReader(path: "\(folder)/\(number)/rec_\(number).wav").info.duration
            let truth = try reader.read(path: "\(folder)/\(number)/gt_\(number).csv").calls
            let found = try reader.read(path: "\(folder)/\(number)/\(detector)_\(number).csv").calls
            try CallListCheck.check(truth, path: "gt_\(number).csv", length: length, audio: nil)
            scores.append(scorer.score(truth: truth, found: found, length: length))
        }
        let pooled = ScoreSummary.pooled(scores)
        #expect(pooled.counts.truthCalls == 117)
        let figures = [pooled.events.precision, pooled.events.recall, pooled.events.f1, pooled.temporal.f1]
        #expect(figures.map { ($0 * 1000).rounded() / 1000 } == published, "\(detector): \(figures)")
    }
}
