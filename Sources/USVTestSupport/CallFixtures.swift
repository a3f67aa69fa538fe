import Foundation
import USVCore
import USVSignal

/// A test whistle: frequency track as a function of the call fraction u ∈ [0, 1], rendered phase-continuous
/// at 300 kHz inside `padding` seconds of low white noise on each side.
public struct TestCall: Sendable {
    public var duration: Double
    public var track: @Sendable (Double) -> Double
    /// Fractions of the call (u ranges) where a noise burst replaces most of the whistle.
    public var broadband: [ClosedRange<Double>] = []
    public var amplitude: Double = 0.3
    public var noise: Double = 0.003
    public var padding: Double = 0.005

    public init(duration: Double, broadband: [ClosedRange<Double>] = [], track: @escaping @Sendable (Double) -> Double) {
        self.duration = duration
        self.broadband = broadband
        self.track = track
    }

    public static let sampleRate = 300_000

    public func samples(seed: UInt64 = 1) -> [Float] {
        let rate = Double(Self.sampleRate)
        let callSamples = Int(duration * rate)
        let pad = Int(padding * rate)
        var random = SplitMix64(seed: seed)
        var output = (0..<(callSamples + 2 * pad)).map { _ in Float(noise * random.normal()) }
        var phase = 0.0
        for index in 0..<callSamples {
            let u = Double(index) / Double(callSamples)
            phase += 2 * Double.pi * track(u) / rate
            let ramp = min(1, Double(index) / 150, Double(callSamples - index) / 150)
            let inBurst = broadband.contains { $0.contains(u) }
            let tone = amplitude * ramp * sin(phase) * (inBurst ? 0.2 : 1)
            let burst = inBurst ? Double(Float(random.normal())) * amplitude * 0.8 : 0
            output[pad + index] += Float(tone + burst)
        }
        return output
    }

    /// The USV's own spectrogram frames (padding excluded) and times, as feature plugins receive them.
    public func featureInput() throws -> USVFeatureInput {
        let engine = try SpectrogramEngine(sampleRate: Self.sampleRate)
        let all = samples()
        let pad = Int(padding * Double(Self.sampleRate))
        let clip = Array(all[pad..<(all.count - pad)])
        return USVFeatureInput(spectrogram: engine.spectrogram(of: clip), startSeconds: padding, stopSeconds: padding + duration)
    }
}

/// Checks a per-USV feature plugin: descriptor, outputs exactly the declared names, all finite, deterministic.
public func checkUSVFeaturePlugin(_ plugin: any USVFeatureComputing, input: USVFeatureInput) -> ConformanceProblems {
    var problems = checkPluginDescriptor(plugin)
    do {
        let parameters = try ParameterValues(defaultsOf: plugin.descriptor)
        let first = try plugin.compute(input, parameters: parameters)
        let second = try plugin.compute(input, parameters: parameters)
        if first != second { problems.append("not deterministic") }
        let produced = Set(first.scalars.keys).union(first.vectors.keys)
        let declared = Set(type(of: plugin).outputNames)
        if produced != declared { problems.append("produces \(produced.sorted()) but declares \(declared.sorted())") }
        if first.scalars.values.contains(where: { !$0.isFinite }) { problems.append("non-finite scalar") }
        if first.vectors.values.contains(where: { $0.contains { !$0.isFinite } }) { problems.append("non-finite vector value") }
    } catch {
        problems.append("compute failed: \(error)")
    }
    return problems
}
