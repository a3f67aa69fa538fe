import Foundation
import Testing
import USVCore
import USVTestSupport

@Suite struct CatalogCommandTests {
    @Test func ingestThenQueryWithJSONThatMatchesTheSchemas() throws {
        let directory = try TemporaryDirectory("cli-catalog")
        defer { directory.remove() }
        let root = directory.file("twin")
        let catalog = directory.file("c.sqlite")
        #expect(try USVExecutable.run(["synth", root, "--scale", "tiny", "--seed", "9"]).status == 0)
        let ingest = try USVExecutable.run(["ingest", root, "--catalog", catalog, "--json"])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        try validateAgainstSchema("ingest-report.schema.json", ingest.stdout)
        #expect(ingest.stderr.contains("[1/"))

        let list = try USVExecutable.run(["ls", "--catalog", catalog, "--sex", "male", "--source", "detected", "--json"])
        #expect(list.status == 0)
        try validateAgainstSchema("usv-list.schema.json", list.stdout)
        guard case .array(let usvs)? = try JSONDecoder().decode(JSONValue.self, from: list.stdout)["usvs"] else {
            Issue.record("no usvs")
            return
        }
        #expect(!usvs.isEmpty)
        #expect(usvs.allSatisfy { $0["sex"] == .string("male") && $0["source"] == .string("detected") })

        let stats = try USVExecutable.run(["stats", "--catalog", catalog, "--json"])
        try validateAgainstSchema("catalog-stats.schema.json", stats.stdout)
        let human = try USVExecutable.run(["stats", "--catalog", catalog])
        #expect(human.stdoutText.contains("USV records"))

        guard case .number(let id)? = usvs.first?["id"] else { return }
        let show = try USVExecutable.run(["show", String(Int(id)), "--catalog", catalog, "--json"])
        #expect(show.status == 0)
        try validateAgainstSchema("usv-detail.schema.json", show.stdout)
        #expect(try USVExecutable.run(["show", String(Int(id)), "--catalog", catalog]).stdoutText.contains("provenance"))
        #expect(try USVExecutable.run(["show", "999999", "--catalog", catalog]).status == 2)

        // Feature plugins over the catalog: computed once, reused after, new parameters computed anew.
        let detected = try USVExecutable.run(["ls", "--catalog", catalog, "--source", "detected", "--json"])
        guard case .array(let all)? = try JSONDecoder().decode(JSONValue.self, from: detected.stdout)["usvs"] else { return }
        let first = try USVExecutable.run(["features", "--plugin", "feature.extended-24", "--catalog", catalog, "--json"])
        #expect(first.status == 0, "\(first.stderr)")
        try validateAgainstSchema("features-report.schema.json", first.stdout)
        let firstReport = try JSONDecoder().decode(JSONValue.self, from: first.stdout)
        #expect(firstReport["computed"] == .number(Double(all.count)))
        #expect(firstReport["cached"] == .number(0))
        let again = try JSONDecoder().decode(JSONValue.self, from: try USVExecutable.run(
            ["features", "--plugin", "feature.extended-24", "--catalog", catalog, "--json"]).stdout)
        #expect(again["computed"] == .number(0))
        #expect(again["cached"] == .number(Double(all.count)))
        let vectors = try JSONDecoder().decode(JSONValue.self, from: try USVExecutable.run(
            ["features", "--plugin", "feature.spectral-vectors", "--param", "time-points=16", "--sex", "female",
             "--catalog", catalog, "--json"]).stdout)
        #expect(vectors["computed"] != .number(0))
        let detail = try JSONDecoder().decode(JSONValue.self, from: try USVExecutable.run(
            ["show", String(Int(id)), "--catalog", catalog, "--json"]).stdout)
        guard case .array(let features)? = detail["features"] else { return }
        #expect(features.filter { $0["plugin"] == .string("feature.extended-24") }.count == 24)
        #expect(try USVExecutable.run(["features", "--plugin", "feature.nonsense", "--catalog", catalog]).status == 2)

        // Classifiers over the catalog: the paper-style table, its JSON and chart.
        let chart = directory.file("sex.svg")
        let evaluation = try USVExecutable.run(["evaluate", "--model", "ridge,svm", "--task", "sex", "--protocol", "loao",
                                                "--features", "deposited", "--catalog", catalog, "--json", "--chart", chart])
        #expect(evaluation.status == 0, "\(evaluation.stderr)")
        try validateAgainstSchema("evaluation-report.schema.json", evaluation.stdout)
        let svg = String(decoding: try readWholeFile(chart, limit: 1 << 20), as: UTF8.self)
        #expect(svg.hasPrefix("<svg") && svg.contains("chance"))
        let table = try USVExecutable.run(["evaluate", "--model", "ridge", "--task", "sex", "--protocol", "kfold", "--folds", "3",
                                           "--features", "feature.extended-24", "--catalog", catalog])
        #expect(table.status == 0, "\(table.stderr)")
        // Each fold shows the model and, beside it, its shuffled-label control; so does the mean row.
        let tableLines = table.stdoutText.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        #expect(tableLines.contains { $0.first == "fold" && $0.suffix(2) == ["shuffled", "%"] })
        let foldRows = tableLines.filter { $0.first == "fold" && $0.count == 5 && $0.suffix(3).allSatisfy { Double($0) != nil } }
        #expect(foldRows.count == 3, "one row per fold with its size, balanced accuracy and control: \(table.stdoutText)")
        #expect(tableLines.contains { $0.starts(with: ["mean", "±", "s.d."]) && $0.filter { $0 == "±" }.count == 3 })
        #expect(try USVExecutable.run(["evaluate", "--model", "nonsense", "--catalog", catalog]).status == 2)
        // A manual property from the annotations, its own column left out of the inputs.
        let direction = try USVExecutable.run(["evaluate", "--model", "ridge", "--task", "direction", "--protocol", "kfold",
                                               "--folds", "3", "--features", "deposited", "--catalog", catalog, "--json"])
        #expect(direction.status == 0, "\(direction.stderr)")
        try validateAgainstSchema("evaluation-report.schema.json", direction.stdout)
        let directionReport = try JSONDecoder().decode(JSONValue.self, from: direction.stdout)
        guard case .array(let inputs)? = directionReport["featureNames"] else { return }
        #expect(!inputs.contains(.string("direction")) && !inputs.contains(.string("complex")))
        // Ridge on the flattened 100 × 100 network input.
        #expect(try USVExecutable.run(["features", "--plugin", "feature.dnn-input", "--catalog", catalog]).status == 0)
        let images = try USVExecutable.run(["evaluate", "--model", "ridge", "--task", "sex", "--protocol", "kfold", "--folds", "2",
                                            "--features", "feature.dnn-input", "--catalog", catalog, "--json"])
        #expect(images.status == 0, "\(images.stderr)")
        guard case .array(let pixels)? = try JSONDecoder().decode(JSONValue.self, from: images.stdout)["featureNames"] else { return }
        #expect(pixels.count == 10_000)
        #expect(pixels.first == .string("image[0]") && pixels.last == .string("image[9999]"))
        // The spectrogram CNN through train and classify (one short epoch per stage), its file restored.
        let cnnFile = directory.file("cnn.h5")
        let cnn = try USVExecutable.run(["train", "--model", "cnn-sex", "--task", "sex", "--features", "feature.dnn-input", "--out", cnnFile,
                                         "--param", "epochs=1,1,1", "--param", "minimum-steps=0,0,0", "--catalog", catalog, "--json"])
        #expect(cnn.status == 0, "\(cnn.stderr)")
        try validateAgainstSchema("model-card.schema.json", cnn.stdout)
        let cnnClassify = try USVExecutable.run(["classify", "--model", cnnFile, "--catalog", catalog, "--json"])
        #expect(cnnClassify.status == 0, "\(cnnClassify.stderr)")
        #expect(try JSONDecoder().decode(JSONValue.self, from: cnnClassify.stdout)["classified"] != .number(0))
        // The semi-convolutional network on two plugins joined by +: the 24 scalars, the three resampled vectors
        // and the raw frequency marginal (233 rows for every USV); the raw time marginal and spectral line vary
        // in length with the call and are left out.
        #expect(try USVExecutable.run(["features", "--plugin", "feature.spectral-vectors", "--catalog", catalog]).status == 0)
        let semiconv = try USVExecutable.run(["evaluate", "--model", "semiconv-sex", "--task", "sex", "--protocol", "kfold", "--folds", "2",
                                              "--features", "feature.extended-24+feature.spectral-vectors", "--param", "epochs=2,1",
                                              "--catalog", catalog, "--json"])
        #expect(semiconv.status == 0, "\(semiconv.stderr)")
        try validateAgainstSchema("evaluation-report.schema.json", semiconv.stdout)
        guard case .array(let semiconvInputs)? = try JSONDecoder().decode(JSONValue.self, from: semiconv.stdout)["featureNames"] else { return }
        #expect(semiconvInputs.count == 24 + 3 * 100 + 233)
        #expect(!semiconvInputs.contains(.string("time-marginal[0]")) && !semiconvInputs.contains(.string("spectral-line[0]")))
        #expect(semiconvInputs.contains(.string("spectral-line-fixed[99]")) && semiconvInputs.contains(.string("frequency-marginal[232]")))

        // Train, save, classify: the model card in the file, predictions in the catalog.
        for model in ["ridge", "svm", "mlp"] {
            let file = directory.file("\(model).h5")
            let train = try USVExecutable.run(["train", "--model", model, "--task", "sex", "--features", "deposited", "--out", file,
                                               "--param", model == "mlp" ? "epochs-1=5" : (model == "ridge" ? "lambda=0.001" : "c=1"),
                                               "--catalog", catalog, "--json"])
            #expect(train.status == 0, "\(train.stderr)")
            try validateAgainstSchema("model-card.schema.json", train.stdout)
            let classify = try USVExecutable.run(["classify", "--model", file, "--catalog", catalog, "--json"])
            #expect(classify.status == 0, "\(classify.stderr)")
            try validateAgainstSchema("classify-report.schema.json", classify.stdout)
            let report = try JSONDecoder().decode(JSONValue.self, from: classify.stdout)
            #expect(report["classified"] != .number(0))
        }
        try directory.write("fake.h5", "not a model")
        #expect(try USVExecutable.run(["classify", "--model", directory.file("fake.h5"), "--catalog", catalog]).status == 2)
        #expect(try USVExecutable.run(["evaluate", "--features", "feature.nonsense", "--catalog", catalog]).status == 2)
        #expect(try USVExecutable.run(["ls", "--catalog", catalog, "--sex", "neither"]).status == 2)
        #expect(try USVExecutable.run(["ingest", directory.path, "--catalog", catalog]).status == 2)
    }
}
