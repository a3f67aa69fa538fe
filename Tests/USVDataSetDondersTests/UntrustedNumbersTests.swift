import Foundation
import Testing
import USVCore
@testable import USVDataSetDonders
import USVTestSupport

/// Numbers in the deposited tables are untrusted: every conversion to a whole number is checked, and a label
/// outside its class set is refused with its line — never a trap, never a silent "female" or "3 peaks".
@Suite struct UntrustedNumbersTests {
    let adapter = DondersAdapter()
    static let features = "Data/FIG_USVClassify_BasicAnalysis/features_fileid_animalid_sex_duration_avgfreq_avgvol_direction_peaks_breaks_broadband_tremolo_complex.csv"
    static let labels = "Data/USVSpectrograms/labeling-human2.csv"

    /// Reads `text` as the feature table (or the label table) and returns the error's description.
    func refusal(_ text: String, labels: Bool = false) throws -> String? {
        let directory = try TemporaryDirectory("donders-numbers")
        defer { directory.remove() }
        let path = labels ? Self.labels : Self.features
        let table = labels
            ? PlannedTable(path: path, kind: .labels, columns: DondersAdapter.labelColumns, annotator: "human2")
            : PlannedTable(path: path, kind: .features, columns: DondersAdapter.columns(fromFileName: path), annotator: "deposited-features")
        try directory.write(path, text)
        do {
            _ = try adapter.readTable(table, root: directory.path)
            return nil
        } catch let error as USVError {
            return error.description
        }
    }

    static let good = "1,3,1,0.05,60000,-40,1,2,0,0,0,0.3\r\n"

    @Test func theGoodRowIsRead() throws {
        #expect(try refusal(Self.good) == nil)
        #expect(try refusal("7,1,2,0,0,0,0.5\r\n", labels: true) == nil)
    }

    @Test(arguments: [
        ("1e300,3,1,0.05,60000,-40,1,2,0,0,0,0.3", "fileid"),
        ("1,1e300,1,0.05,60000,-40,1,2,0,0,0,0.3", "animalid"),
        ("1,-1e300,1,0.05,60000,-40,1,2,0,0,0,0.3", "animalid"),
        ("1,2.5,1,0.05,60000,-40,1,2,0,0,0,0.3", "animalid"),
        ("1,3,0.5,0.05,60000,-40,1,2,0,0,0,0.3", "sex"),
        ("1,3,1e300,0.05,60000,-40,1,2,0,0,0,0.3", "sex"),
        ("1,3,1,0.05,60000,-40,1,1e300,0,0,0,0.3", "peaks"),
        ("1,3,1,0.05,60000,-40,1,5,0,0,0,0.3", "peaks"),
        ("1,3,1,0.05,60000,-40,1,1.5,0,0,0,0.3", "peaks"),
        ("1,3,1,0.05,60000,-40,1,2,-1,0,0,0.3", "breaks"),
        ("1,3,1,0.05,60000,-40,1,2,4,0,0,0.3", "breaks"),
        ("1,3,1,0.05,60000,-40,0.5,2,0,0,0,0.3", "direction"),
    ])
    func aBadNumberIsRefusedWithItsLineAndColumn(row: String, column: String) throws {
        let message = try #require(try refusal(Self.good + row + "\r\n"))
        #expect(message.contains(Self.features))
        #expect(message.contains("line 2"), "\(message)")
        #expect(message.contains("column '\(column)'"), "\(message)")
    }

    @Test func labelsOutsideTheirClassSetAreRefusedAtIngestWithTheLine() throws {
        for (row, column) in [("7,1,5,0,0,0,0.5", "peaks"), ("7,1,2,9,0,0,0.5", "breaks"), ("7,2,2,0,0,0,0.5", "direction"),
                              ("7,1,1e300,0,0,0,0.5", "peaks")] {
            let message = try #require(try refusal("6,0,0,0,0,0,0\r\n" + row + "\r\n", labels: true), "\(row)")
            #expect(message.contains("line 2") && message.contains("column '\(column)'"), "\(message)")
        }
    }

    @Test func recordingNamesWithHugeNumbersAreNotRecordings() {
        #expect(DondersAdapter.sexRecording("Rmale_Afem9223372036854775807.wav") == nil)
        #expect(DondersAdapter.sexRecording("Rmale_Afem99999999999999999999.wav") == nil)
        #expect(DondersAdapter.sexRecording("Rmale_Afem07.wav")?.number == 7)
        #expect(DondersAdapter.strainRecording("Control_F9223372036854775807.wav") == nil)
        #expect(DondersAdapter.strainRecording("Control_F-3.wav") == nil)
        #expect(DondersAdapter.strainRecording("Control_F03.wav")?.number == 3)
    }
}
