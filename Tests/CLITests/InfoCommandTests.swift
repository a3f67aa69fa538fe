import Foundation
import Testing
import USVCore
import USVTestSupport

/// `usv info`, and OpenBLAS's kernel family as the `usv` executable chooses, refuses and reports it.
@Suite struct InfoCommandTests {
    struct Info: Decodable {
        struct BLAS: Decodable {
            var coreType: String
            var chosenBy: String
            var requested: String?
            var openblasChoice: String?
            var usvChoice: String?
            var runnableFamilies: [String]
            var families: [Family]
        }

        struct Family: Decodable {
            var name: String
            var missing: [String]
        }

        struct Catalog: Decodable {
            var path: String?
            var exists: Bool
            var schemaVersion: String?
            var knownMigrations: [String]
            var current: Bool
        }

        struct SelfCheck: Decodable {
            var coreType: String
            var sgemm: [Double]
            var dgemm: [Double]
            var ridgeScores: [Double]
            var networkInference: [Double]
            var networkTraining: [Double]
            var networkLoss: Double
            var networkGradients: [Double]
            var networkAfterAdam: [Double]
        }

        var version: String
        var blas: BLAS
        var catalog: Catalog
        var selfCheck: SelfCheck?
    }

    static func info(_ arguments: [String] = [], environment: [String: String] = [:]) throws -> (info: Info, result: CommandResult) {
        let result = try USVExecutable.run(["info", "--json"] + arguments, environment: environment)
        try #require(result.status == 0, "usv info failed (\(result.status)): \(result.stderr)")
        try validateAgainstSchema("info.schema.json", result.stdout)
        return (try JSONDecoder().decode(Info.self, from: result.stdout), result)
    }

    /// The report fits its schema, names this build's version, and looks at the catalog without creating it.
    @Test func infoFitsItsSchemaAndNeverCreatesACatalog() throws {
        let directory = try TemporaryDirectory("info")
        defer { directory.remove() }
        let catalog = directory.file("catalog.sqlite")
        let (info, _) = try Self.info(environment: ["USV_CATALOG": catalog])
        let version = try USVExecutable.run(["--version"])
        #expect(info.version == version.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(info.catalog.path == catalog && !info.catalog.exists && info.catalog.schemaVersion == nil)
        #expect(!FileManager.default.fileExists(atPath: catalog), "usv info created a catalog")
        #expect(info.blas.runnableFamilies.contains(info.blas.coreType))
        if info.blas.chosenBy == "openblas" { #expect(info.blas.openblasChoice == info.blas.coreType) }

        // A catalog that exists (verify makes one for its cache): its schema is the last migration, and current.
        let data = directory.file("data")
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        try Data("hello\n".utf8).write(to: URL(fileURLWithPath: data + "/hello.txt"))
        try Data("5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03  hello.txt\n".utf8)
            .write(to: URL(fileURLWithPath: data + "/SHA256SUMS"))
        let verify = try USVExecutable.run(["verify", data, "--manifest", data + "/SHA256SUMS"], environment: ["USV_CATALOG": catalog])
        #expect(verify.status == 0 && FileManager.default.fileExists(atPath: catalog), "\(verify.stderr)")
        let (existing, _) = try Self.info(environment: ["USV_CATALOG": catalog])
        #expect(existing.catalog.exists && existing.catalog.current && existing.catalog.schemaVersion == existing.catalog.knownMigrations.last)

        // The same as text, with --no-catalog reported as none.
        let text = try USVExecutable.run(["info", "--no-catalog"])
        #expect(text.status == 0 && text.stdoutText.contains("kernels   \(info.blas.coreType)") && text.stdoutText.contains("catalog     none"),
                "\(text.stdoutText)")
    }

    /// The user's OPENBLAS_CORETYPE wins; when OpenBLAS reports generic kernels (pretended through the test hook on a
    /// CPU it knows), usv re-executes once with the family it chose from the CPU's features and says so.
    @Test func theUsersFamilyWinsAndUsvReplacesAGenericOne() throws {
        let (plain, _) = try Self.info()
        let forced = try #require(["Haswell", "Sandybridge", "Prescott"].first(where: plain.blas.runnableFamilies.contains),
                                  "this CPU runs none of Haswell, Sandybridge, Prescott")
        let (user, _) = try Self.info(environment: ["OPENBLAS_CORETYPE": forced, "USV_TEST_BLAS_REPORTED_CORE": "Prescott"])
        #expect(user.blas.coreType == forced && user.blas.chosenBy == "user" && user.blas.requested == forced)

        guard let choice = plain.blas.usvChoice else {
            print("this CPU has no AVX: usv never replaces OpenBLAS's choice here")
            return
        }
        // OPENBLAS_CORETYPE empty counts as unset (OpenBLAS says "Core not found" and detects), whatever the test runner has.
        let (chosen, result) = try Self.info(environment: ["USV_TEST_BLAS_REPORTED_CORE": "Prescott", "USV_VERBOSE": "1", "OPENBLAS_CORETYPE": ""])
        #expect(chosen.blas.coreType == choice && chosen.blas.chosenBy == "usv" && chosen.blas.openblasChoice == "Prescott"
                && chosen.blas.requested == choice)
        #expect(result.stderr.components(separatedBy: "re-executing with OPENBLAS_CORETYPE=\(choice)").count == 2, "\(result.stderr)")
        #expect(result.stderr.contains("kernels \(choice) (chosen by usv"), "\(result.stderr)")
    }

    /// A family whose instructions this CPU lacks stops usv with status 2 and the missing features named, before
    /// OpenBLAS runs any of them (OpenBLAS itself would die of an illegal instruction at its first sgemm: checked by
    /// hand for Bulldozer, Excavator and Opteron on a Zen 4).
    @Test func aFamilyThisCPUCannotRunIsRefusedBeforeAnyBLASCall() throws {
        let (plain, _) = try Self.info()
        let unrunnable = ["SkylakeX", "Cooperlake", "Bulldozer", "Excavator", "Opteron"].compactMap { name in
            plain.blas.families.first { $0.name == name && !$0.missing.isEmpty }
        }
        try #require(!unrunnable.isEmpty, "this CPU runs every family tried")
        for family in unrunnable {
            for arguments in [["info", "--self-check"], ["plugins"]] {
                let result = try USVExecutable.run(arguments, environment: ["OPENBLAS_CORETYPE": family.name])
                #expect(result.status == 2 && result.stdout.isEmpty, "\(family.name) \(arguments): status \(result.status), \(result.stderr)")
                #expect(result.stderr.contains("OPENBLAS_CORETYPE=\(family.name) selects OpenBLAS kernels this CPU cannot run")
                        && result.stderr.contains("lacks \(family.missing.joined(separator: ", "))"), "\(result.stderr)")
            }
        }
    }

    /// The numbers do not depend on the kernel family: under every family this CPU runs of those usv or OpenBLAS pick
    /// on current CPUs (Cooperlake, SkylakeX, Zen, Haswell, Sandybridge and the generic Prescott; a child process each,
    /// since OpenBLAS reads OPENBLAS_CORETYPE when it loads), sgemm, dgemm, ridge through the plugin (dsyrk + LAPACK
    /// Cholesky) and the TensorFlow parity test's network (outputs, loss, gradients, one Adam step) agree with the
    /// best family's within the parity tests' own tolerances — so those tests, which pass under the default family,
    /// hold under each.
    @Test func everyFamilyThisCPURunsComputesTheSameNumbers() throws {
        let (plain, _) = try Self.info()
        let families = ["Cooperlake", "SkylakeX", "Zen", "Haswell", "Sandybridge", "Prescott"].filter(plain.blas.runnableFamilies.contains)
        try #require(families.count >= 2, "fewer than two families to compare")
        var reference: Info.SelfCheck?
        for family in families {
            let (info, _) = try Self.info(["--self-check", "--no-catalog"], environment: ["OPENBLAS_CORETYPE": family])
            let check = try #require(info.selfCheck)
            #expect(info.blas.coreType == family && check.coreType == family && info.blas.chosenBy == "user")
            guard let base = reference else {
                reference = check
                continue
            }
            var worst: [String] = []
            /// Largest difference relative to the larger of 1 and the reference's largest magnitude.
            func expectClose(_ ours: [Double], _ theirs: [Double], _ name: String, tolerance: Double) {
                #expect(ours.count == theirs.count && !ours.isEmpty, "\(family) \(name): \(ours.count) values, \(theirs.count) in \(families[0])")
                let scale = max(1, theirs.map(abs).max() ?? 0)
                let difference = zip(ours, theirs).map { abs($0 - $1) }.max() ?? .infinity
                worst.append(name + " " + String(format: "%.1e", difference / scale))
                #expect(difference <= tolerance * scale, "\(family) \(name) differs from \(families[0]) by \(difference) (scale \(scale))")
            }
            expectClose(check.sgemm, base.sgemm, "sgemm", tolerance: 1e-5)
            expectClose(check.dgemm, base.dgemm, "dgemm", tolerance: 1e-12)
            expectClose(check.ridgeScores, base.ridgeScores, "ridge", tolerance: 1e-9)
            expectClose(check.networkInference, base.networkInference, "inference", tolerance: 1e-4)
            expectClose(check.networkTraining, base.networkTraining, "training", tolerance: 1e-4)
            expectClose([check.networkLoss], [base.networkLoss], "loss", tolerance: 1e-5)
            expectClose(check.networkGradients, base.networkGradients, "gradients", tolerance: 1e-4)
            expectClose(check.networkAfterAdam, base.networkAfterAdam, "after-adam", tolerance: 1e-4)
            print("\(family) against \(families[0]): " + worst.joined(separator: ", "))
        }
    }
}
