/// Everything the generator will write, decided before any audio is rendered: animals, recordings, every
/// call with its true properties, and the shuffled fileids. Planning is cheap and sequential; rendering can
/// then run in parallel without touching shared random state.
struct DataSetPlan: Sendable {
    static let sexDirectory = "Data/RawRecordings/Sex"
    static let strainArchive = "Data/RawRecordings/Strain/RecordingsCortexless.zip"
    static let strainMemberDirectory = "RecordingsCortexless"

    var settings: SynthSettings
    var population: PopulationModel
    var schedule: ScheduleModel
    var noise: NoiseModel
    var animals: [Animal]
    /// Sex recordings first (females, then males), then the strain recordings (cortexless, then controls).
    var recordings: [RecordingPlan]
    /// fileid of each call of each Sex recording (nil for strain recordings), parallel to `recordings`.
    var fileIDs: [[Int]?]
    var distributions: [String: CallDistributions]

    var maleIDOffset: Int { max(10, settings.femaleAnimals) }

    init(settings: SynthSettings) {
        self.settings = settings
        population = PopulationModel()
        schedule = ScheduleModel()
        noise = NoiseModel()
        animals = []
        recordings = []
        fileIDs = []
        distributions = [:]

        let sampleRate = DondersSynthSource.sampleRate
        var specs: [(id: Int, number: Int, sex: Sex, genotype: Genotype, group: Animal.Group, name: String,
                     destination: RecordingPlan.Destination, seconds: Double)] = []
        for number in stride(from: 1, through: settings.femaleAnimals, by: 1) {
            let file = "\(Self.sexDirectory)/Rfem_Afem\(twoDigits(number)).wav"
            specs.append((number, number, .female, .wildtype, .sexResident, "Rfem\(twoDigits(number))",
                          .file(file), settings.sexSeconds))
        }
        for number in stride(from: 1, through: settings.maleAnimals, by: 1) {
            let file = "\(Self.sexDirectory)/Rmale_Afem\(twoDigits(number)).wav"
            specs.append((number + maleIDOffset, number, .male, .wildtype, .sexResident, "Rmale\(twoDigits(number))",
                          .file(file), settings.sexSeconds))
        }
        // Strain animals alternate male, female, … within each genotype; the number counts within the genotype.
        for (group, genotype, label, base, count) in [(Animal.Group.cortexless, Genotype.cortexless, "Cortexless", 100,
                                                      settings.cortexlessAnimals),
                                                     (.control, .wildtype, "Control", 200, settings.controlAnimals)] {
            for number in stride(from: 1, through: count, by: 1) {
                let sex: Sex = number % 2 == 1 ? .male : .female
                let name = "\(label)_\(sex.letter)\(twoDigits(number))"
                specs.append((base + number, number, sex, genotype, group, name,
                              .archiveMember("\(Self.strainMemberDirectory)/\(name).wav"), settings.strainSeconds))
            }
        }

        for group in [(Sex.female, Genotype.wildtype), (.male, .wildtype), (.female, .cortexless), (.male, .cortexless)] {
            distributions["\(group.0.rawValue)-\(group.1.rawValue)"] =
                CallDistributions(population: population, sex: group.0, genotype: group.1, sexEffect: settings.sexEffect)
        }

        // Signatures: drawn per animal from its own stream, then centred within each (group, sex).
        var signatures = specs.map { spec in
            var animalRandom = RandomSource(seed: settings.seed, stream: .animals, index: UInt64(spec.id))
            return AnimalSignature(population: population, random: &animalRandom)
        }
        for group in [Animal.Group.sexResident, .cortexless, .control] {
            for sex in Sex.allCases {
                let members = specs.indices.filter { specs[$0].group == group && specs[$0].sex == sex }
                let centered = AnimalSignature.centered(members.map { signatures[$0] }, population: population)
                for (member, signature) in zip(members, centered) { signatures[member] = signature }
            }
        }

        for (spec, signature) in zip(specs, signatures) {
            let recording: String
            switch spec.destination {
            case .file(let path): recording = path
            case .archiveMember(let member): recording = "\(Self.strainArchive)//\(member)"
            }
            let animal = Animal(id: spec.id, number: spec.number, name: spec.name, sex: spec.sex, genotype: spec.genotype,
                                group: spec.group, recording: recording, signature: signature)
            animals.append(animal)

            let frames = Int((spec.seconds * Double(sampleRate)).rounded())
            let key = "\(spec.sex.rawValue)-\(spec.genotype.rawValue)"
            let model = CallModel(population: population,
                                  distributions: distributions[key] ?? CallDistributions(
                                      population: population, sex: spec.sex, genotype: spec.genotype,
                                      sexEffect: settings.sexEffect),
                                  signature: signature, sampleRate: sampleRate)
            var scheduleRandom = RandomSource(seed: settings.seed, stream: .schedule, index: UInt64(spec.id))
            let calls = schedule.calls(model: model, frames: frames, callsPerSecond: settings.scale.callsPerSecond,
                                       noiseBase: UInt64(spec.id) << 32, random: &scheduleRandom)
            var clickRandom = RandomSource(seed: settings.seed, stream: .clickNoise, index: UInt64(spec.id))
            let clicks = noise.clicks(frames: frames, sampleRate: sampleRate, random: &clickRandom)
            recordings.append(RecordingPlan(animal: animal, frames: frames, calls: calls, clicks: clicks,
                                            destination: spec.destination))
        }

        // fileid: a seeded permutation of 0..<N over the Sex recordings' calls, so that it carries no sex
        // or animal information (as in the published tables).
        let sexCallCount = recordings.filter { $0.animal.group == .sexResident }.reduce(0) { $0 + $1.calls.count }
        var permutation = Array(0..<sexCallCount)
        var fileIDRandom = RandomSource(seed: settings.seed, stream: .fileIDs)
        fileIDRandom.shuffle(&permutation)
        var next = 0
        fileIDs = recordings.map { recording in
            guard recording.animal.group == .sexResident else { return nil }
            defer { next += recording.calls.count }
            return Array(permutation[next..<(next + recording.calls.count)])
        }
    }

    var totalCalls: Int { recordings.reduce(0) { $0 + $1.calls.count } }

    func calls(in group: Animal.Group, sex: Sex? = nil) -> Int {
        recordings.filter { $0.animal.group == group && (sex == nil || $0.animal.sex == sex) }
            .reduce(0) { $0 + $1.calls.count }
    }

    var totalAudioSeconds: Double { recordings.reduce(0) { $0 + $1.seconds } }
}

/// "01" … "99".
func twoDigits(_ number: Int) -> String { number < 10 ? "0\(number)" : "\(number)" }
