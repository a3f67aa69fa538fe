import Testing
import USVCore
@testable import USVDataSetSynth
import USVSignal

/// The ground truth must describe the audio: energy in the USV band is high exactly inside the listed
/// intervals, and the whistle's frequency lies in the listed range.
@Suite struct GroundTruthAudioTests {
    /// Ground-truth rows of one recording: (start, stop, f_min, f_max, broadband, harmonic, amplitude).
    private struct Interval {
        var start: Int
        var stop: Int
        var minimumHz: Double
        var maximumHz: Double
        var broadband: Double
        var harmonic: Double
        var amplitude: Double
    }

    @Test func bandEnergyIsHighInsideGroundTruthIntervalsOnly() throws {
        let fixture = try SynthFixture(seed: 3)
        defer { fixture.remove() }
        let rows = SynthFixture.rows(try fixture.text("GROUND_TRUTH/usvs.csv"), separator: "\n")
        let header = try #require(rows.first)
        let column = Dictionary(uniqueKeysWithValues: header.enumerated().map { ($1, $0) })
        func field(_ row: [String], _ name: String) -> Double { Double(row[column[name] ?? 0]) ?? .nan }

        var checkedFrequencies = 0
        for name in ["Rfem_Afem01", "Rfem_Afem02", "Rmale_Afem01", "Rmale_Afem02"] {
            let recording = "Data/RawRecordings/Sex/\(name).wav"
            let intervals = rows.dropFirst().filter { $0[column["recording"] ?? 0] == recording }.map {
                Interval(start: Int(field($0, "start_sample")), stop: Int(field($0, "stop_sample")),
                         minimumHz: field($0, "f_min_hz"), maximumHz: field($0, "f_max_hz"),
                         broadband: field($0, "broadband"), harmonic: field($0, "harmonic"),
                         amplitude: field($0, "amplitude"))
            }
            #expect(intervals.count >= 3, "\(name) has \(intervals.count) USVs")
            let samples = try AudioFileReader(path: fixture.path(recording)).readSignal().samples

            // Keep 35 kHz and up: removes the cage noise, keeps the USV band (and the white floor).
            var sections = Biquad.butterworthFourthOrderQ.map { Biquad.highPass(cutoffHz: 35_000, q: $0, sampleRate: 300_000) }
            var filtered = [Double](repeating: 0, count: samples.count)
            for index in samples.indices {
                var value = Double(samples[index])
                for section in sections.indices { value = sections[section].process(value) }
                filtered[index] = value
            }

            // Power of 1 ms windows well away from every USV: the background level.
            let window = 300
            let margin = 600
            var outside: [Double] = []
            var start = 0
            while start + window <= filtered.count {
                let end = start + window
                if !intervals.contains(where: { start < $0.stop + margin && end > $0.start - margin }) {
                    outside.append(filtered[start..<end].reduce(0) { $0 + $1 * $1 } / Double(window))
                }
                start = end
            }
            #expect(outside.count > 50)
            let background = outside.sorted()[outside.count / 2]
            let loud = outside.filter { $0 > 4 * background }.count
            #expect(Double(loud) < 0.05 * Double(outside.count), "\(name): \(loud) of \(outside.count) quiet windows are loud")

            for interval in intervals {
                let power = filtered[interval.start..<interval.stop].reduce(0) { $0 + $1 * $1 }
                    / Double(interval.stop - interval.start)
                #expect(power > 4 * background, "\(name) USV at \(interval.start): power \(power) vs background \(background)")

                // Loud, pure whistles: the zero-crossing rate of the middle half gives the frequency.
                guard interval.amplitude >= 0.03, interval.broadband == 0, interval.harmonic == 0 else { continue }
                let length = interval.stop - interval.start
                let middle = (interval.start + length / 4)..<(interval.stop - length / 4)
                var crossings = 0
                for index in middle.dropFirst() where (filtered[index - 1] < 0) != (filtered[index] < 0) { crossings += 1 }
                let frequency = Double(crossings) / 2 / (Double(middle.count) / 300_000)
                #expect(frequency > interval.minimumHz - 3_000 && frequency < interval.maximumHz + 3_000,
                        "\(name) USV at \(interval.start): \(frequency) Hz outside \(interval.minimumHz)…\(interval.maximumHz)")
                checkedFrequencies += 1
            }
        }
        #expect(checkedFrequencies >= 3)
    }
}
