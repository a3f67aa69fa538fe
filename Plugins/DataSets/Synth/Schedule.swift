#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How calls are spread over time: mice call in bouts separated by quiet stretches.
struct ScheduleModel: Codable, Sendable, Hashable {
    /// Silence between the end of one call and the start of the next inside a bout: log-normal, clipped.
    /// The 20 ms floor keeps distinct calls apart under the detector's 15 ms merge rule.
    var gapMedianSeconds = 0.070
    var gapLogDeviation = 0.55
    var gapRangeSeconds = 0.020...0.300
    /// No call starts or ends closer than this to a recording's edges.
    var edgeSeconds = 0.020
    /// Quiet stretches between bouts are exponential, with the mean chosen so that each animal calls at
    /// `callsPerSecond` × its own rate factor on average; never shorter than this.
    var minimumQuietMeanSeconds = 0.1

    var meanGapSeconds: Double { gapMedianSeconds * exp(gapLogDeviation * gapLogDeviation / 2) }

    func drawGap(_ random: inout RandomSource) -> Double {
        min(max(random.logNormal(median: gapMedianSeconds, logDeviation: gapLogDeviation), gapRangeSeconds.lowerBound),
            gapRangeSeconds.upperBound)
    }

    /// The calls of one recording, in time order. `noiseBase` keys each call's own noise stream.
    func calls(model: CallModel, frames: Int, callsPerSecond: Double, noiseBase: UInt64,
               random: inout RandomSource) -> [CallPlan] {
        let sampleRate = Double(model.sampleRate)
        let seconds = Double(frames) / sampleRate
        let rate = max(0.01, callsPerSecond * model.signature.callRateFactor)
        let boutCalls = model.signature.boutCallsMean
        let boutSeconds = boutCalls * model.meanDurationSeconds + (boutCalls - 1) * meanGapSeconds
        let quietMean = max(minimumQuietMeanSeconds, boutCalls / rate - boutSeconds)
        var calls: [CallPlan] = []
        var time = edgeSeconds + random.uniform(0, min(0.3, quietMean))
        while time < seconds - edgeSeconds {
            // Geometric bout size with mean `boutCalls`.
            var size = 1
            while size < 40 && random.chance(1 - 1 / boutCalls) { size += 1 }
            for _ in 0..<size {
                let duration = model.drawDuration(&random)
                let startSample = Int((time * sampleRate).rounded(.up))
                guard Double(startSample) / sampleRate + duration <= seconds - edgeSeconds else {
                    return calls
                }
                let call = model.drawCall(startSample: startSample, duration: duration,
                                          noiseIndex: noiseBase + UInt64(calls.count), random: &random)
                calls.append(call)
                time = Double(call.startSample + call.lengthSamples) / sampleRate + drawGap(&random)
            }
            time += random.exponential(mean: quietMean)
        }
        return calls
    }
}
