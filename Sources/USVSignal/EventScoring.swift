import USVCore

/// One call of a list being scored: seconds from the start of the recording, and the 1-based line of the
/// file it came from (nil when it did not come from a file, e.g. a detector's result).
public struct CallInterval: Sendable, Hashable, Codable {
    public var start: Double
    public var stop: Double
    public var line: Int?

    public init(start: Double, stop: Double, line: Int? = nil) {
        self.start = start
        self.stop = stop
        self.line = line
    }
}

/// Scores a list of found calls against the true calls of the same recording, the way detector papers on
/// mouse USVs do (AMVOC, DAS):
///
/// - **Events.** A found call and a true call match when their onsets differ by at most `tolerance` seconds
///   (`|found.start − true.start| ≤ tolerance`, compared in double precision on the values as read). Matching is
///   one to one, closest onsets first: every candidate pair is sorted by the onset difference and taken
///   greedily unless one of its calls is already matched (ties: earlier true call, then earlier found call).
///   Matched pairs are hits; unmatched true calls misses (false negatives); unmatched found calls false alarms.
/// - **Time.** Both lists are rendered as bins of `binWidth` (1 ms) over the recording: bin k stands for the
///   time t_k = k × binWidth, computed in double precision (as `numpy.arange(0, length, 0.001)` does), and is a
///   call bin of a list when some call of it has start < t_k ≤ stop (the AMVOC authors' rule). The bins are
///   those with t_k < the recording's length; without a known length, those up to the latest stop of either list.
/// - **Boundaries.** Onset and offset errors of the matched pairs, found − true, in milliseconds: the median of
///   the absolute errors (the headline figure) and the signed median.
/// - **Split and merged calls.** A true call overlapped by two or more found calls is split; a found call that
///   overlaps two or more true calls is merged (overlap: intervals sharing a stretch of positive length).
/// - **Empty denominators.** Precision with no found calls and recall with no true calls are 1 (nothing could go
///   wrong); F1 = 2·TP / (2·TP + FP + FN), which is 1 when both lists are empty and 0 when exactly one is.
public struct EventScorer: Sendable {
    public var tolerance: Double
    public var binWidth: Double

    public static let defaultTolerance = 0.010

    public init(tolerance: Double = EventScorer.defaultTolerance, binWidth: Double = 0.001) {
        self.tolerance = tolerance
        self.binWidth = binWidth
    }

    /// Scores `found` against `truth`. `length` is the recording's duration in seconds when known (from the
    /// audio); calls are expected to lie inside it (`CallListCheck` reports those that do not).
    public func score(truth: [CallInterval], found: [CallInterval], length: Double?) -> RecordingScore {
        let matches = match(truth: truth, found: found)
        var truthMatch = [Int?](repeating: nil, count: truth.count)
        var foundMatch = [Int?](repeating: nil, count: found.count)
        for pair in matches {
            truthMatch[pair.truth] = pair.found
            foundMatch[pair.found] = pair.truth
        }
        let truthOverlaps = overlapCounts(of: truth, with: found)
        let foundOverlaps = overlapCounts(of: found, with: truth)
        let binCount = bins(truth: truth, found: found, length: length)
        let temporal = temporalCounts(truth: truth, found: found, bins: binCount)
        let counts = ScoreCounts(
            truthCalls: truth.count, foundCalls: found.count, truePositives: matches.count,
            bins: binCount, truePositiveBins: temporal.truePositive, falsePositiveBins: temporal.falsePositive,
            falseNegativeBins: temporal.falseNegative,
            splitCalls: truthOverlaps.filter { $0 >= 2 }.count, mergedCalls: foundOverlaps.filter { $0 >= 2 }.count)
        return RecordingScore(
            counts: counts, length: length ?? Double(binCount) * binWidth, lengthKnown: length != nil,
            truth: truth.indices.map { CallOutcome(call: truth[$0], match: truthMatch[$0], overlaps: truthOverlaps[$0]) },
            found: found.indices.map { CallOutcome(call: found[$0], match: foundMatch[$0], overlaps: foundOverlaps[$0]) },
            matches: matches)
    }

    /// One-to-one matches by onset, closest first.
    public func match(truth: [CallInterval], found: [CallInterval]) -> [EventMatch] {
        // Found calls sorted by onset, so each true call looks only at those near it.
        let order = found.indices.sorted { (found[$0].start, $0) < (found[$1].start, $1) }
        let onsets = order.map { found[$0].start }
        var candidates: [(difference: Double, truth: Int, found: Int)] = []
        for (truthIndex, call) in truth.enumerated() {
            // A margin beyond the tolerance so that rounding never hides a candidate; the test is exact below.
            let margin = tolerance + 1e-9 * max(1, abs(call.start))
            var position = lowerBound(onsets, call.start - margin)
            while position < onsets.count && onsets[position] <= call.start + margin {
                let foundIndex = order[position]
                let difference = abs(found[foundIndex].start - call.start)
                if difference <= tolerance { candidates.append((difference, truthIndex, foundIndex)) }
                position += 1
            }
        }
        candidates.sort { ($0.difference, $0.truth, $0.found) < ($1.difference, $1.truth, $1.found) }
        var truthUsed = [Bool](repeating: false, count: truth.count)
        var foundUsed = [Bool](repeating: false, count: found.count)
        var matches: [EventMatch] = []
        for candidate in candidates where !truthUsed[candidate.truth] && !foundUsed[candidate.found] {
            truthUsed[candidate.truth] = true
            foundUsed[candidate.found] = true
            matches.append(EventMatch(truth: candidate.truth, found: candidate.found,
                                      onsetError: found[candidate.found].start - truth[candidate.truth].start,
                                      offsetError: found[candidate.found].stop - truth[candidate.truth].stop))
        }
        return matches.sorted { ($0.truth, $0.found) < ($1.truth, $1.found) }
    }

    /// The number of bins: those with t_k < length, or without a length those with t_k ≤ the latest stop.
    public func bins(truth: [CallInterval], found: [CallInterval], length: Double?) -> Int {
        if let length {
            var count = max(0, Int((length / binWidth).rounded(.up)))
            while count > 0 && binTime(count - 1) >= length { count -= 1 }
            while binTime(count) < length { count += 1 }
            return count
        }
        let latest = (truth + found).map(\.stop).max() ?? 0
        guard latest > 0 else { return 0 }
        var count = max(0, Int((latest / binWidth).rounded(.down)))
        while count > 0 && binTime(count - 1) > latest { count -= 1 }
        while binTime(count) <= latest { count += 1 }
        return count
    }

    /// t_k, computed as numpy.arange computes it.
    @inline(__always) func binTime(_ index: Int) -> Double { Double(index) * binWidth }

    /// Marks the call bins of `calls` among `count` bins.
    public func callBins(_ calls: [CallInterval], count: Int) -> [Bool] {
        var marks = [Bool](repeating: false, count: count)
        for call in calls where call.stop > call.start {
            // The first k with t_k > start, found from an estimate and corrected exactly.
            var index = max(0, Int((call.start / binWidth).rounded(.down)) - 1)
            while index < count && binTime(index) <= call.start { index += 1 }
            while index < count && binTime(index) <= call.stop {
                marks[index] = true
                index += 1
            }
        }
        return marks
    }

    private func temporalCounts(truth: [CallInterval], found: [CallInterval], bins: Int)
        -> (truePositive: Int, falsePositive: Int, falseNegative: Int) {
        let truthBins = callBins(truth, count: bins)
        let foundBins = callBins(found, count: bins)
        var counts = (truePositive: 0, falsePositive: 0, falseNegative: 0)
        for index in 0..<bins {
            switch (truthBins[index], foundBins[index]) {
            case (true, true): counts.truePositive += 1
            case (false, true): counts.falsePositive += 1
            case (true, false): counts.falseNegative += 1
            case (false, false): break
            }
        }
        return counts
    }

    /// For each call of `calls`, how many calls of `others` share a stretch of positive length with it.
    private func overlapCounts(of calls: [CallInterval], with others: [CallInterval]) -> [Int] {
        let order = others.indices.sorted { others[$0].start < others[$1].start }
        let starts = order.map { others[$0].start }
        let longest = others.map { $0.stop - $0.start }.max() ?? 0
        return calls.map { call in
            var count = 0
            var position = lowerBound(starts, call.start - longest)
            while position < starts.count && starts[position] < call.stop {
                let other = others[order[position]]
                if min(call.stop, other.stop) - max(call.start, other.start) > 0 { count += 1 }
                position += 1
            }
            return count
        }
    }

    /// The first index of sorted `values` whose value is ≥ `value`.
    private func lowerBound(_ values: [Double], _ value: Double) -> Int {
        var low = 0, high = values.count
        while low < high {
            let middle = (low + high) / 2
            if values[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

/// A hit: true call `truth` matched found call `found` (indices into the lists as given); errors found − true, s.
public struct EventMatch: Sendable, Hashable, Codable {
    public var truth: Int
    public var found: Int
    public var onsetError: Double
    public var offsetError: Double
}

/// What became of one call: its counterpart in the other list (nil: a miss or a false alarm) and how many calls
/// of the other list overlap it.
public struct CallOutcome: Sendable, Hashable {
    public var call: CallInterval
    public var match: Int?
    public var overlaps: Int
}

/// The counts behind every figure; they add up across recordings (pooling is summing them).
public struct ScoreCounts: Sendable, Hashable {
    public var truthCalls = 0
    public var foundCalls = 0
    public var truePositives = 0
    public var bins = 0
    public var truePositiveBins = 0
    public var falsePositiveBins = 0
    public var falseNegativeBins = 0
    public var splitCalls = 0
    public var mergedCalls = 0

    public init(truthCalls: Int = 0, foundCalls: Int = 0, truePositives: Int = 0, bins: Int = 0, truePositiveBins: Int = 0,
                falsePositiveBins: Int = 0, falseNegativeBins: Int = 0, splitCalls: Int = 0, mergedCalls: Int = 0) {
        self.truthCalls = truthCalls
        self.foundCalls = foundCalls
        self.truePositives = truePositives
        self.bins = bins
        self.truePositiveBins = truePositiveBins
        self.falsePositiveBins = falsePositiveBins
        self.falseNegativeBins = falseNegativeBins
        self.splitCalls = splitCalls
        self.mergedCalls = mergedCalls
    }

    public var falsePositives: Int { foundCalls - truePositives }
    public var falseNegatives: Int { truthCalls - truePositives }

    public static func + (lhs: ScoreCounts, rhs: ScoreCounts) -> ScoreCounts {
        ScoreCounts(truthCalls: lhs.truthCalls + rhs.truthCalls, foundCalls: lhs.foundCalls + rhs.foundCalls,
                    truePositives: lhs.truePositives + rhs.truePositives, bins: lhs.bins + rhs.bins,
                    truePositiveBins: lhs.truePositiveBins + rhs.truePositiveBins,
                    falsePositiveBins: lhs.falsePositiveBins + rhs.falsePositiveBins,
                    falseNegativeBins: lhs.falseNegativeBins + rhs.falseNegativeBins,
                    splitCalls: lhs.splitCalls + rhs.splitCalls, mergedCalls: lhs.mergedCalls + rhs.mergedCalls)
    }
}

/// Precision, recall and F1 from counts; an empty denominator gives 1 (see `EventScorer`).
public struct DetectionFigures: Sendable, Hashable, Codable {
    public var precision: Double
    public var recall: Double
    public var f1: Double

    public init(truePositives: Int, falsePositives: Int, falseNegatives: Int) {
        func ratio(_ numerator: Int, _ denominator: Int) -> Double {
            denominator == 0 ? 1 : Double(numerator) / Double(denominator)
        }
        precision = ratio(truePositives, truePositives + falsePositives)
        recall = ratio(truePositives, truePositives + falseNegatives)
        f1 = ratio(2 * truePositives, 2 * truePositives + falsePositives + falseNegatives)
    }
}

/// The median of absolute boundary errors (headline) and the signed median, milliseconds; nil without pairs.
public struct BoundaryErrorSummary: Sendable, Hashable, Codable {
    public var pairs: Int
    public var medianAbsolute: Double?
    public var median: Double?

    /// From errors in seconds.
    public init(errors: [Double]) {
        pairs = errors.count
        medianAbsolute = Self.median(errors.map { abs($0) * 1000 })
        median = Self.median(errors.map { $0 * 1000 })
    }

    static func median(_ values: [Double]) -> Double? {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return nil }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}

/// Every figure of one recording or of a pool of recordings.
public struct ScoreSummary: Sendable, Hashable {
    public var counts: ScoreCounts
    public var onsetError: BoundaryErrorSummary
    public var offsetError: BoundaryErrorSummary

    public init(counts: ScoreCounts, matches: [EventMatch]) {
        self.counts = counts
        onsetError = BoundaryErrorSummary(errors: matches.map(\.onsetError))
        offsetError = BoundaryErrorSummary(errors: matches.map(\.offsetError))
    }

    public var events: DetectionFigures {
        DetectionFigures(truePositives: counts.truePositives, falsePositives: counts.falsePositives, falseNegatives: counts.falseNegatives)
    }

    public var temporal: DetectionFigures {
        DetectionFigures(truePositives: counts.truePositiveBins, falsePositives: counts.falsePositiveBins,
                         falseNegatives: counts.falseNegativeBins)
    }
}

/// The score of one recording, with every call's outcome.
public struct RecordingScore: Sendable, Hashable {
    public var counts: ScoreCounts
    /// Seconds: the audio's duration when known (`lengthKnown`), else the span the bins cover.
    public var length: Double
    public var lengthKnown: Bool
    public var truth: [CallOutcome]
    public var found: [CallOutcome]
    public var matches: [EventMatch]

    public var summary: ScoreSummary { ScoreSummary(counts: counts, matches: matches) }
}

extension ScoreSummary {
    /// Pooled over recordings: counts summed (bins concatenated), boundary errors of every matched pair.
    public static func pooled(_ scores: [RecordingScore]) -> ScoreSummary {
        ScoreSummary(counts: scores.reduce(ScoreCounts()) { $0 + $1.counts }, matches: scores.flatMap(\.matches))
    }
}
