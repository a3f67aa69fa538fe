import Testing
@testable import USVDataSetSynth

@Suite struct CallModelTests {
    private func model(_ sex: Sex, difficulty: Double, genotype: Genotype = .wildtype, seed: UInt64 = 1) -> CallModel {
        let population = PopulationModel()
        var random = RandomSource(seed: seed, stream: .animals)
        return CallModel(population: population,
                         distributions: CallDistributions(population: population, sex: sex, genotype: genotype,
                                                          sexEffect: 1 - difficulty),
                         signature: AnimalSignature(population: population, random: &random), sampleRate: 300_000)
    }

    private func draw(_ model: CallModel, count: Int, seed: UInt64) -> [CallPlan] {
        var random = RandomSource(seed: seed, stream: .schedule)
        return (0..<count).map { index in
            model.drawCall(startSample: 0, duration: model.drawDuration(&random), noiseIndex: UInt64(index), random: &random)
        }
    }

    @Test func shapesHaveTheirDirectionsAndPeaks() {
        func track(_ shape: CallShape, bumps: [TrackBump] = [], jumps: [TrackJump] = []) -> FrequencyTrack {
            FrequencyTrack(shape: shape, centerHz: 70_000, bandwidthHz: 20_000, tiltHz: 0, exponent: 1, apex: 0.5,
                           bumps: bumps, jumps: jumps)
        }
        #expect(track(.up).frequency(1) - track(.up).frequency(0) == 20_000)
        #expect(track(.down).frequency(1) < track(.down).frequency(0))
        #expect(track(.invertedU).peakCount() == 1)
        #expect(track(.chevron).peakCount() == 1)
        #expect(track(.u).peakCount() == 0)
        #expect(track(.flat, bumps: [TrackBump(position: 0.3, width: 0.05, heightHz: 6_000),
                                     TrackBump(position: 0.7, width: 0.05, heightHz: 6_000)]).peakCount() == 2)
        let jumping = track(.flat, jumps: [TrackJump(position: 0.5, stepHz: 15_000)])
        #expect(jumping.frequency(0.49) == 70_000 && jumping.frequency(0.5) == 85_000)
        // Fitting keeps a wild track in band.
        let wild = track(.up, jumps: [TrackJump(position: 0.3, stepHz: 25_000), TrackJump(position: 0.6, stepHz: 25_000)])
            .fitted(into: 35_000...110_000, margin: 1_000)
        let (low, high) = wild.extremes(points: 257)
        #expect(low >= 36_000 - 1e-6 && high <= 109_000 + 1e-6)
    }

    @Test func callsStayInTheUSVBandWithValidLabels() {
        for sex in Sex.allCases {
            for call in draw(model(sex, difficulty: 0), count: 300, seed: 11) {
                let p = call.properties
                #expect(p.minimumFrequencyHz >= 35_000 && p.maximumFrequencyHz <= 110_000)
                #expect(p.duration >= 0.007 && p.duration <= 0.300)
                #expect((0...3).contains(p.peaks) && (0...3).contains(p.breaks))
                #expect((0...1).contains(p.broadband) && (0...1).contains(p.tremolo) && (0...1).contains(p.complexity))
                #expect(call.sound.track.jumps.allSatisfy { (10_000...25_000).contains(abs($0.stepHz)) })
                if call.sound.harmonicRatio > 0 { #expect(2 * p.maximumFrequencyHz < 145_000) }
                #expect(call.sound.amplitude <= NoiseModel.floorDeviation * 56.3)
            }
        }
    }

    @Test func sexesDifferInDurationLevelAndBroadbandButNotFrequency() {
        func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(max(1, values.count)) }
        let female = draw(model(.female, difficulty: 0, seed: 2), count: 500, seed: 21)
        let male = draw(model(.male, difficulty: 0, seed: 2), count: 500, seed: 22)
        #expect(mean(male.map(\.properties.duration)) > 1.5 * mean(female.map(\.properties.duration)))
        #expect(mean(male.map(\.sound.amplitude)) > 1.5 * mean(female.map(\.sound.amplitude)))
        #expect(mean(male.map(\.properties.broadband)) > 2 * mean(female.map(\.properties.broadband)))
        #expect(abs(mean(male.map(\.properties.averageFrequencyHz)) - mean(female.map(\.properties.averageFrequencyHz))) < 2_000)
        let upFemale = Double(female.filter { $0.properties.direction == 1 }.count) / 500
        let upMale = Double(male.filter { $0.properties.direction == 1 }.count) / 500
        #expect(abs(upFemale - upMale) < 0.1)

        // Difficulty 1: the same distributions for both sexes.
        let same = CallDistributions(population: PopulationModel(), sex: .female, genotype: .wildtype, sexEffect: 0)
        #expect(same == CallDistributions(population: PopulationModel(), sex: .male, genotype: .wildtype, sexEffect: 0))
    }

    @Test func boutsKeepCallsApartAndInsideTheRecording() {
        let schedule = ScheduleModel()
        var random = RandomSource(seed: 9, stream: .schedule)
        let frames = 20 * 300_000
        let calls = schedule.calls(model: model(.male, difficulty: 0.5), frames: frames, callsPerSecond: 3,
                                   noiseBase: 0, random: &random)
        #expect(calls.count > 20 && calls.count < 150)
        #expect(calls.first.map { $0.startSample >= 6_000 } ?? false)
        #expect(calls.last.map { $0.startSample + $0.lengthSamples <= frames - 6_000 } ?? false)
        for (previous, next) in zip(calls, calls.dropFirst()) {
            #expect(next.startSample - (previous.startSample + previous.lengthSamples) >= 6_000)
        }
    }

    @Test func synthesizedCallHasItsAmplitudeAndNoDiscontinuity() {
        let call = draw(model(.female, difficulty: 0.5), count: 40, seed: 5).first { $0.properties.duration > 0.03 && $0.sound.broadband.isEmpty }
        guard let call else {
            Issue.record("no long tonal call drawn")
            return
        }
        let samples = CallSynthesizer(sampleRate: 300_000).render(call.sound, seed: 1)
        #expect(samples.count == call.lengthSamples)
        let peak = Double(samples.map(abs).max() ?? 0)
        #expect(peak > 0.8 * call.sound.amplitude && peak < 1.4 * call.sound.amplitude)
        #expect(abs(samples[0]) < Float(0.01 * call.sound.amplitude), "raised-cosine onset")
    }
}
