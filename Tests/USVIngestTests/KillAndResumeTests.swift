import Foundation
import Testing
import USVCatalog
import USVCore
import USVDataSetSynth
import USVTestSupport

@Suite struct KillAndResumeTests {
    /// Starts `usv ingest`, SIGKILLs it once a recording is in the catalog, checks that every recording in the
    /// catalog is complete with all its USVs, resumes, and compares with an uninterrupted run.
    @Test func aKilledIngestLeavesWholeRecordingsAndResumes() throws {
        let directory = try TemporaryDirectory("kill")
        defer { directory.remove() }
        let root = directory.file("twin")
        let parameters = ParameterValues(["seconds": "8", "female-animals": "3", "male-animals": "3"])
        _ = try DondersSynthSource().generate(into: root, options: GenerationOptions(scale: "tiny", seed: 6, parameters: parameters),
                                              progress: SilentProgress())
        let killedCatalog = directory.file("killed.sqlite")

        // The ingest reports "[n/total] recording: ingested" on stderr after each recording's transaction;
        // the first such line is the moment to kill it.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: USVExecutable.path)
        process.arguments = ["ingest", root, "--catalog", killedCatalog]
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        var log = ""
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            let chunk = errors.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            log += String(decoding: chunk, as: UTF8.self)
            if log.contains(": ingested") { break }
        }
        let killedWhileRunning = process.isRunning
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(killedWhileRunning, "ingest finished before it could be killed; make the twin longer")
        #expect(process.terminationReason == .uncaughtSignal)
        let completeBeforeKill = log.components(separatedBy: ": ingested").count - 1
        #expect(completeBeforeKill >= 1, "\(log)")

        // Every recording present is whole: its row says complete and all its USVs are there.
        let catalog = try Catalog(path: killedCatalog)
        let states = try catalog.recordingStates(root: root)
        let records = try catalog.usvs(matching: USVFilter())
        for state in states {
            #expect(state.state == "complete")
            #expect(records.filter { $0.recording == state.name }.count == state.usvs)
        }

        // Resume, then compare with an uninterrupted run into a fresh catalog.
        let resumed = try USVExecutable.run(["ingest", root, "--catalog", killedCatalog, "--json"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        try validateAgainstSchema("ingest-report.schema.json", resumed.stdout)
        let clean = try USVExecutable.run(["ingest", root, "--catalog", directory.file("clean.sqlite"), "--json"])
        #expect(clean.status == 0)
        let resumedReport = try JSONDecoder().decode(JSONValue.self, from: resumed.stdout)
        let cleanReport = try JSONDecoder().decode(JSONValue.self, from: clean.stdout)
        #expect(resumedReport["statistics"] == cleanReport["statistics"])
        guard case .array(let outcomes)? = resumedReport["recordings"] else {
            Issue.record("no recordings in the report")
            return
        }
        let unchanged = outcomes.filter { $0["status"] == .string("unchanged") }.count
        #expect(unchanged >= completeBeforeKill)
        #expect(unchanged < outcomes.count, "the kill came after every recording was done")
        #expect(states.count < outcomes.count)
    }
}
