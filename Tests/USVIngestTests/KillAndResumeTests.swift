import Foundation
import Testing
import USVCatalog
import USVCore
import USVDataSetSynth
import USVTestSupport

@Suite struct KillAndResumeTests {
    /// A point where `usv ingest` is killed (`USV_TEST_KILL_AT`, see `KillPoint`), and how much is done by then.
    struct Kill: CustomStringConvertible {
        var point: String
        var pass: Int
        /// Recordings committed before the kill (each one whole); nil: all of them.
        var recordingsDone: Int?
        /// Deposited tables committed before the kill.
        var tablesDone: Int
        var description: String { "\(point):\(pass)" }
    }

    static let kills = [
        // During verification: three files hashed, the verify cache not written yet.
        Kill(point: "verify.hashed", pass: 3, recordingsDone: 0, tablesDone: 0),
        // Mid-recording, before its transaction: the second recording detected and measured, nothing of it stored.
        Kill(point: "ingest.recording.detected", pass: 2, recordingsDone: 1, tablesDone: 0),
        // Mid-recording, inside its transaction: the first recording's row and two of its USVs written, not committed.
        Kill(point: "catalog.recording.usv-stored", pass: 2, recordingsDone: 0, tablesDone: 0),
        // Between recordings: two committed and reported, the third not started.
        Kill(point: "ingest.recording.done", pass: 2, recordingsDone: 2, tablesDone: 0),
        // During the tables: every recording and the first deposited table committed.
        Kill(point: "ingest.table.done", pass: 1, recordingsDone: nil, tablesDone: 1),
    ]

    /// Kills `usv ingest` with SIGKILL at each point of `kills` (one catalog each), checks that every recording in
    /// the catalog is complete with all its USVs, resumes, and compares with an uninterrupted run: the resumed run
    /// re-does nothing that was committed and ends with the same catalog statistics.
    @Test func aKilledIngestLeavesWholeRecordingsAndResumes() throws {
        let directory = try TemporaryDirectory("kill")
        defer { directory.remove() }
        let root = directory.file("twin")
        let parameters = ParameterValues(["seconds": "5", "female-animals": "3", "male-animals": "3"])
        _ = try DondersSynthSource().generate(into: root, options: GenerationOptions(scale: "tiny", seed: 6, parameters: parameters),
                                              progress: SilentProgress())
        let clean = try USVExecutable.run(["ingest", root, "--catalog", directory.file("clean.sqlite"), "--json"])
        #expect(clean.status == 0, "\(clean.stderr)")
        let cleanReport = try JSONDecoder().decode(JSONValue.self, from: clean.stdout)
        guard case .array(let cleanRecordings)? = cleanReport["recordings"], case .array(let cleanTables)? = cleanReport["tables"] else {
            Issue.record("no recordings or tables in the clean report")
            return
        }
        #expect(cleanRecordings.count > 3 && cleanTables.count >= 2, "the twin must have recordings and tables left after each kill")

        for kill in Self.kills {
            let killedCatalog = directory.file("killed-\(kill.point).sqlite")
            let killed = try USVExecutable.run(["ingest", root, "--catalog", killedCatalog],
                                               environment: ["USV_TEST_KILL_AT": "\(kill.point):\(kill.pass)"])
            // SIGKILL shows as status 9 with Foundation's Process (terminated by an uncaught signal).
            #expect(killed.status == SIGKILL, "\(kill): ingest was not killed there (status \(killed.status)): \(killed.stderr.suffix(500))")
            // Each committed recording is reported as "[n/total] name: ingested, …".
            let reported = killed.stderr.split(separator: "\n").filter { $0.hasPrefix("[") && $0.contains(": ingested") }.count
            #expect(reported == (kill.recordingsDone ?? cleanRecordings.count), "\(kill): \(killed.stderr.suffix(800))")

            // Every recording present is whole: its row says complete and all its USVs are there, and no USV is
            // left from a transaction that did not commit.
            let catalog = try Catalog(path: killedCatalog)
            let states = try catalog.recordingStates(root: root)
            let records = try catalog.usvs(matching: USVFilter())
            #expect(states.count == (kill.recordingsDone ?? cleanRecordings.count), "\(kill)")
            for state in states {
                #expect(state.state == "complete", "\(kill): \(state.name)")
                #expect(records.filter { $0.recording == state.name && $0.source == "detected" }.count == state.usvs, "\(kill): \(state.name)")
            }
            #expect(records.filter { $0.source == "detected" }.count == states.reduce(0) { $0 + ($1.usvs ?? 0) }, "\(kill)")

            // Resume: what was committed is unchanged, the rest is ingested, and the catalog ends as a clean run's.
            let resumed = try USVExecutable.run(["ingest", root, "--catalog", killedCatalog, "--json"])
            #expect(resumed.status == 0, "\(kill): \(resumed.stderr)")
            try validateAgainstSchema("ingest-report.schema.json", resumed.stdout)
            let resumedReport = try JSONDecoder().decode(JSONValue.self, from: resumed.stdout)
            #expect(resumedReport["statistics"] == cleanReport["statistics"], "\(kill)")
            guard case .array(let recordings)? = resumedReport["recordings"], case .array(let tables)? = resumedReport["tables"] else {
                Issue.record("\(kill): no recordings or tables in the resumed report")
                continue
            }
            #expect(recordings.count == cleanRecordings.count && tables.count == cleanTables.count, "\(kill)")
            #expect(recordings.filter { $0["status"] == .string("unchanged") }.count == (kill.recordingsDone ?? cleanRecordings.count), "\(kill)")
            #expect(recordings.allSatisfy { $0["status"] == .string("unchanged") || $0["status"] == .string("ingested") }, "\(kill)")
            #expect(tables.filter { $0["status"] == .string("unchanged") }.count == kill.tablesDone, "\(kill)")
            #expect(tables.allSatisfy { $0["status"] == .string("unchanged") || $0["status"] == .string("ingested") }, "\(kill)")
        }
    }
}
