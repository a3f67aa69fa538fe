import Foundation
import Testing
import USVCore
import USVTestSupport

/// JSON outputs checked against their schemas that no other test covers.
@Suite struct SchemaTests {
    /// `usv synth --json` prints a summary that fits schemas/synth-summary.schema.json and agrees with what it wrote.
    @Test func synthSummaryFitsItsSchema() throws {
        let directory = try TemporaryDirectory("synth-json")
        defer { directory.remove() }
        let root = directory.file("twin")
        let result = try USVExecutable.run(["synth", root, "--scale", "tiny", "--seed", "3", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        try validateAgainstSchema("synth-summary.schema.json", result.stdout)
        let summary = try JSONDecoder().decode(JSONValue.self, from: result.stdout)
        #expect(summary["scale"] == .string("tiny") && summary["seed"] == .number(3) && summary["synthetic"] == .bool(true))
        guard case .object(let groups)? = summary["vocalizationsByGroup"], case .number(let total)? = summary["vocalizations"],
              case .string(let truth)? = summary["groundTruth"] else {
            Issue.record("summary lacks vocalizations or groundTruth: \(result.stdoutText)")
            return
        }
        #expect(groups.values.reduce(0.0) { sum, value in if case .number(let count) = value { sum + count } else { sum } } == total)
        // One line per USV in the ground truth, after the header.
        let lines = try String(contentsOfFile: truth, encoding: .utf8).split(separator: "\n")
        #expect(Double(lines.count - 1) == total)
        // Hostile: the same output directory again is refused, with no JSON on stdout.
        let again = try USVExecutable.run(["synth", root, "--scale", "tiny", "--seed", "3", "--json"])
        #expect(again.status != 0 && again.stdout.isEmpty, "\(again.stderr)")
    }

    /// Every schema in schemas/ is validated by some test: its file name appears, quoted, in a test source that
    /// calls the validator.
    @Test func everySchemaHasATest() throws {
        let root = repositoryRoot()
        let schemas = try FileManager.default.contentsOfDirectory(atPath: root + "/schemas").filter { $0.hasSuffix(".schema.json") }
        #expect(schemas.count >= 20)
        var sources: [String] = []
        let walker = FileManager.default.enumerator(atPath: root + "/Tests")
        while let path = walker?.nextObject() as? String {
            guard path.hasSuffix(".swift") else { continue }
            let text = try String(contentsOfFile: root + "/Tests/" + path, encoding: .utf8)
            if text.contains("validateAgainstSchema(") || text.contains("JSONSchemaValidator(") { sources.append(text) }
        }
        for schema in schemas.sorted() {
            #expect(sources.contains { $0.contains("\"\(schema)\"") }, "no test validates against schemas/\(schema)")
        }
    }
}
