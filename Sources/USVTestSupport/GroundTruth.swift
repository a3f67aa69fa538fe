import Foundation
import USVCore

/// One row of a synthetic data set's `GROUND_TRUTH/usvs.csv`.
public struct GroundTruthCall: Sendable {
    public var recording: String
    public var start: Double
    public var stop: Double
    public var fields: [String: String]

    public func number(_ name: String) -> Double { Double(fields[name] ?? "") ?? .nan }
}

/// Reads `GROUND_TRUTH/usvs.csv` (header row, LF, no quoted commas).
public func readGroundTruth(root: String) throws -> [GroundTruthCall] {
    let text = String(decoding: try readWholeFile(FilePaths.join(root, "GROUND_TRUTH/usvs.csv"), limit: 1 << 28), as: UTF8.self)
    var lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    guard !lines.isEmpty else { return [] }
    let header = lines.removeFirst()
    return lines.map { cells in
        let fields = Dictionary(uniqueKeysWithValues: zip(header, cells))
        return GroundTruthCall(recording: fields["recording"] ?? "", start: Double(fields["start_s"] ?? "") ?? .nan,
                               stop: Double(fields["stop_s"] ?? "") ?? .nan, fields: fields)
    }
}

/// Precision, recall and boundary errors of detections against ground-truth intervals (one-to-one matching
/// by largest overlap, as detection benchmarks score).
public struct DetectionScore: Sendable, CustomStringConvertible {
    public var truePositives = 0
    public var falsePositives = 0
    public var falseNegatives = 0
    public var onsetErrors: [Double] = []
    public var offsetErrors: [Double] = []
    /// Pairs (truth, detection) that matched.
    public var matches: [(truth: GroundTruthCall, detection: DetectedUSV)] = []

    public init() {}

    public var precision: Double { Double(truePositives) / Double(max(1, truePositives + falsePositives)) }
    public var recall: Double { Double(truePositives) / Double(max(1, truePositives + falseNegatives)) }
    public var medianOnsetErrorMilliseconds: Double { medianAbsolute(onsetErrors) * 1000 }
    public var medianOffsetErrorMilliseconds: Double { medianAbsolute(offsetErrors) * 1000 }

    public mutating func add(truth: [GroundTruthCall], detections: [DetectedUSV]) {
        var used = Set<Int>()
        for call in truth {
            var best: (index: Int, overlap: Double)?
            for (index, detection) in detections.enumerated() where !used.contains(index) {
                let overlap = min(call.stop, detection.stopSeconds) - max(call.start, detection.startSeconds)
                if overlap > 0 && overlap > (best?.overlap ?? 0) { best = (index, overlap) }
            }
            if let best {
                used.insert(best.index)
                truePositives += 1
                onsetErrors.append(detections[best.index].startSeconds - call.start)
                offsetErrors.append(detections[best.index].stopSeconds - call.stop)
                matches.append((call, detections[best.index]))
            } else {
                falseNegatives += 1
            }
        }
        falsePositives += detections.count - used.count
    }

    /// Pools `other` into this score (counts, boundary errors and matches).
    public mutating func merge(_ other: DetectionScore) {
        truePositives += other.truePositives
        falsePositives += other.falsePositives
        falseNegatives += other.falseNegatives
        onsetErrors += other.onsetErrors
        offsetErrors += other.offsetErrors
        matches += other.matches
    }

    public var description: String {
        String(format: "precision %.3f, recall %.3f (%d TP, %d FP, %d FN), median |onset| %.2f ms, |offset| %.2f ms",
               precision, recall, truePositives, falsePositives, falseNegatives,
               medianOnsetErrorMilliseconds, medianOffsetErrorMilliseconds)
    }

    private func medianAbsolute(_ values: [Double]) -> Double {
        let sorted = values.map(abs).sorted()
        guard !sorted.isEmpty else { return .nan }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}
