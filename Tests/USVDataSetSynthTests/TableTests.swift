import Foundation
import Testing
import USVCore
@testable import USVDataSetSynth
import USVTestSupport

@Suite struct TableTests {
    @Test func featureTableFollowsTheDondersConventions() throws {
        let fixture = try SynthFixture()
        defer { fixture.remove() }
        let bytes = try fixture.bytes(TablesWriter.featuresPath)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasSuffix("\r\n"))
        #expect(text.replacingOccurrences(of: "\r\n", with: "").contains("\n") == false, "CRLF only")
        let rows = SynthFixture.rows(text, separator: "\r\n")
        #expect(rows.count >= 4 * 5, "tiny should hold several USVs per recording, has \(rows.count)")
        #expect(rows.allSatisfy { $0.count == 12 })
        #expect(Int(rows.first?.first ?? "") != nil, "no header row")

        let fileIDs = rows.compactMap { Int($0[0]) }
        #expect(fileIDs == Array(0..<rows.count), "fileids are 0-based, unique and the rows sorted by them")
        var animalsPerSex: [Int: Set<Int>] = [:]
        for row in rows {
            let animal = try #require(Int(row[1]))
            let sex = try #require(Int(row[2]))
            #expect([1, 2, 11, 12].contains(animal))
            #expect(sex == (animal > 10 ? 1 : 0))
            animalsPerSex[sex, default: []].insert(animal)
            let duration = try #require(Double(row[3]))
            #expect(duration >= 0.007 && duration <= 0.3)
            let frequency = try #require(Double(row[4]))
            #expect(frequency >= 35 && frequency <= 110, "avgfreq in kHz")
            #expect(try #require(Double(row[5])) > 0)
            #expect([-1, 0, 1].contains(try #require(Int(row[6]))))
            #expect((0...3).contains(try #require(Int(row[7]))))
            #expect((0...3).contains(try #require(Int(row[8]))))
            for column in 9...11 { #expect((0...1).contains(try #require(Double(row[column])))) }
        }
        #expect(animalsPerSex[0] == [1, 2])
        #expect(animalsPerSex[1] == [11, 12])
        // The shuffle hides the recording order: fileids of one animal are not a contiguous block.
        let firstAnimal = rows.prefix(8).map { $0[1] }
        #expect(Set(firstAnimal).count > 1)
    }

    @Test func humanLabelsAreASubsetWithSevenColumns() throws {
        let fixture = try SynthFixture()
        defer { fixture.remove() }
        let features = SynthFixture.rows(try fixture.text(TablesWriter.featuresPath), separator: "\r\n")
        let text = try fixture.text(TablesWriter.labelsPath)
        #expect(text.replacingOccurrences(of: "\r\n", with: "").contains("\n") == false)
        let rows = SynthFixture.rows(text, separator: "\r\n")
        #expect(rows.count > 0 && rows.count < features.count)
        #expect(rows.allSatisfy { $0.count == 7 })
        let ids = rows.compactMap { Int($0[0]) }
        #expect(ids == ids.sorted() && Set(ids).count == ids.count)
        #expect(ids.allSatisfy { (0..<features.count).contains($0) })
        for row in rows {
            #expect([-1, 0, 1].contains(Int(row[1]) ?? 9))
            #expect((0...3).contains(Int(row[2]) ?? 9))
            #expect((0...3).contains(Int(row[3]) ?? 9))
            for column in 4...6 { #expect((0...1).contains(Double(row[column]) ?? 9)) }
        }
    }

    @Test func groundTruthListsEveryUSVAndMatchesTheFeatureTable() throws {
        let fixture = try SynthFixture()
        defer { fixture.remove() }
        let text = try fixture.text("GROUND_TRUTH/usvs.csv")
        #expect(!text.contains("\r"))
        let rows = SynthFixture.rows(text, separator: "\n")
        let header = try #require(rows.first)
        #expect(header == TablesWriter.groundTruthColumns)
        let body = rows.dropFirst()
        #expect(body.allSatisfy { $0.count == header.count })
        #expect(body.count == fixture.summary.vocalizations)
        let column = Dictionary(uniqueKeysWithValues: header.enumerated().map { ($1, $0) })
        func value(_ row: [String], _ name: String) -> String { row[column[name] ?? 0] }

        let strain = body.filter { value($0, "fileid").isEmpty }
        #expect(!strain.isEmpty)
        #expect(strain.allSatisfy { value($0, "recording").hasPrefix("Data/RawRecordings/Strain/RecordingsCortexless.zip//RecordingsCortexless/") })
        #expect(Set(strain.map { value($0, "genotype") }) == ["cortexless", "wildtype"])

        let features = SynthFixture.rows(try fixture.text(TablesWriter.featuresPath), separator: "\r\n")
        let sexRows = body.filter { !value($0, "fileid").isEmpty }
        #expect(sexRows.count == features.count)
        for row in sexRows {
            let fileID = try #require(Int(value(row, "fileid")))
            let feature = features[fileID]
            #expect(value(row, "animal_id") == feature[1])
            #expect(value(row, "direction") == feature[6])
            #expect(value(row, "peaks") == feature[7])
            #expect(value(row, "breaks") == feature[8])
            let start = try #require(Int(value(row, "start_sample")))
            let stop = try #require(Int(value(row, "stop_sample")))
            let duration = try #require(Double(feature[3]))
            #expect(abs(Double(stop - start) / 300_000 - duration) < 1e-4)
            let fStart = try #require(Double(value(row, "f_start_hz")))
            let fEnd = try #require(Double(value(row, "f_end_hz")))
            let direction = fEnd - fStart > 3_000 ? 1 : (fEnd - fStart < -3_000 ? -1 : 0)
            #expect("\(direction)" == value(row, "direction"))
            let fMin = try #require(Double(value(row, "f_min_hz")))
            let fMax = try #require(Double(value(row, "f_max_hz")))
            #expect(fMin >= 35_000 && fMax <= 110_000 && fMin <= fMax)
        }
        // Calls of one recording never overlap and keep ≥ 20 ms apart (the 15 ms merge rule never merges them).
        let byRecording = Dictionary(grouping: body) { value($0, "recording") }
        for (_, calls) in byRecording {
            let intervals = calls.compactMap { row -> (Int, Int)? in
                guard let start = Int(value(row, "start_sample")), let stop = Int(value(row, "stop_sample")) else { return nil }
                return (start, stop)
            }.sorted { $0.0 < $1.0 }
            for (previous, next) in zip(intervals, intervals.dropFirst()) {
                #expect(next.0 - previous.1 >= 6_000)
            }
        }
    }

    @Test func groundTruthDescriptionIsComplete() throws {
        let fixture = try SynthFixture()
        defer { fixture.remove() }
        let data = Data(try fixture.bytes(GroundTruthDescription.path))
        try validateAgainstSchema("ground-truth.schema.json", data)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["scale"] as? String == "tiny")
        #expect(object["seed"] as? Int == 1)
        #expect(object["difficulty"] as? Double == 0.3)
        #expect(object["synthetic"] as? Bool == true)
        let columns = try #require(object["columns"] as? [[String: Any]])
        #expect(columns.compactMap { $0["name"] as? String } == TablesWriter.groundTruthColumns)
        let animals = try #require(object["animals"] as? [[String: Any]])
        #expect(animals.compactMap { $0["name"] as? String }
            == ["Rfem01", "Rfem02", "Rmale01", "Rmale02", "Cortexless_M01", "Control_M01"])
        let counts = try #require(object["counts"] as? [String: Any])
        #expect(counts["usvs"] as? Int == fixture.summary.vocalizations)
        let recordings = try #require(object["recordings"] as? [[String: Any]])
        #expect(recordings.allSatisfy { $0["limitedSamples"] as? Int == 0 })
        let parameters = try #require(object["parameters"] as? [String: Any])
        for key in ["population", "distributions", "noise", "schedule", "labels", "settings", "synthesis"] {
            #expect(parameters[key] != nil, "parameters.\(key)")
        }
    }
}
