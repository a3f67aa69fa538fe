import Foundation
import Testing
import USVCore
import USVFormatMAT
import USVTestSupport

/// The manual properties are labels of the deposited USVs, which have sound only where the data set's
/// `data.zip` of per-USV MAT-files places them in their recordings (`usv synth` does not write that 8.9 GB
/// archive). With it, the property CNN runs over the catalog like the sex CNN: features, evaluate, train,
/// classify.
@Suite struct PropertyCNNCommandTests {
    @Test func propertyHeadsTrainAndClassifyTheLabelledDepositedUSVs() throws {
        let directory = try TemporaryDirectory("cli-property-cnn")
        defer { directory.remove() }
        let root = directory.file("twin")
        let catalog = directory.file("c.sqlite")
        #expect(try USVExecutable.run(["synth", root, "--scale", "tiny", "--seed", "9", "--set", "seconds=8"]).status == 0)
        let archived = try addPerUSVArchive(root: root, matlab: MATFormat(), scratch: directory.file("one.mat")) { call in
            .structure(dimensions: [1, 1], fieldNames: ["Start", "Stop", "SRSound", "Filename"], elements: [[
                "Start": .scalar(call.start), "Stop": .scalar(call.stop), "SRSound": .scalar(300_000),
                "Filename": .string(FilePaths.lastComponent(call.recording)),
            ]])
        }
        #expect(archived > 0)

        let ingest = try USVExecutable.run(["ingest", root, "--catalog", catalog, "--json"])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let features = try USVExecutable.run(["features", "--plugin", "feature.dnn-input", "--source", "deposited", "--catalog", catalog, "--json"])
        #expect(features.status == 0, "\(features.stderr)")
        #expect(try JSONDecoder().decode(JSONValue.self, from: features.stdout)["computed"] != .number(0), "the deposited USVs have sound")

        // Direction (3-way softmax) under a 2-fold split: one short epoch per stage.
        let short = ["--features", "feature.dnn-input", "--param", "epochs=1,1,1", "--param", "minimum-steps=0,0,0", "--catalog", catalog]
        let evaluate = try USVExecutable.run(["evaluate", "--model", "cnn-property", "--task", "direction", "--protocol", "kfold",
                                              "--folds", "2", "--json"] + short)
        #expect(evaluate.status == 0, "\(evaluate.stderr)")
        try validateAgainstSchema("evaluation-report.schema.json", evaluate.stdout)
        let report = try JSONDecoder().decode(JSONValue.self, from: evaluate.stdout)
        guard case .array(let results)? = report["results"], case .array(let classes)? = results.first?["classes"] else {
            Issue.record("no result: \(evaluate.stdoutText)")
            return
        }
        #expect(classes.count == 3, "direction is −1, 0 or 1: \(classes)")

        // Peaks (4-way) through a saved model file, applied to the catalog.
        let file = directory.file("peaks.h5")
        let train = try USVExecutable.run(["train", "--model", "cnn-property", "--task", "peaks", "--out", file, "--json"] + short)
        #expect(train.status == 0, "\(train.stderr)")
        try validateAgainstSchema("model-card.schema.json", train.stdout)
        let classify = try USVExecutable.run(["classify", "--model", file, "--catalog", catalog, "--json"])
        #expect(classify.status == 0, "\(classify.stderr)")
        try validateAgainstSchema("classify-report.schema.json", classify.stdout)
        #expect(try JSONDecoder().decode(JSONValue.self, from: classify.stdout)["classified"] != .number(0))
    }

}
