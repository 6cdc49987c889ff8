import Foundation
import Testing
import ArgumentParser
@testable import FinetuneCommandLine
import Finetune

@Suite("finetune end to end on three generated classes")
struct EndToEndTests {
    @Test("train writes checkpoints that predict and evaluate read without any other input")
    func trainPredictEvaluate() throws {
        let data = try ThreeClassData()
        defer { data.remove() }
        var lines: [String] = []
        let result = try TrainWorkflow(configuration: data.configuration(), say: { lines.append($0) }).run()
        #expect(result.description.classNames == ["circles", "squares", "triangles"])
        #expect(!result.description.isBinary)
        #expect(result.history.epochs.count == 2)
        #expect(result.test != nil)
        for file in ["phase1.ftckpt", "phase2.ftckpt", "last.ftckpt", "best.ftckpt", "history.json", "history.csv",
                     "metrics.json", "accuracy.png", "loss.png"] {
            #expect(FileManager.default.fileExists(atPath: data.out + "/" + file), "missing \(file)")
        }
        #expect(lines.contains { $0.contains("Dense(3, softmax)") })

        // --resume from phase1.ftckpt continues with phase 2 only, numbering epochs on.
        var more = data.configuration()
        more.out = data.path("resumed")
        more.resume = data.out + "/phase1.ftckpt"
        more.phase2Epochs = 2
        let resumed = try TrainWorkflow(configuration: more, say: { _ in }).run()
        #expect(resumed.history.epochs.map(\.epoch) == [1, 2, 3])
        #expect(resumed.history.epochs.map(\.phase) == [1, 2, 2])
        #expect(resumed.history.epochs[0] == result.history.epochs[0])

        // The checkpoint alone rebuilds the model, with the trained weights.
        let trained = try TrainedModel.load(data.out + "/phase2.ftckpt")
        #expect(trained.description == result.description)

        // predict: one row per image, probabilities summing to 1, JSON parseable.
        let predict = try PredictCommand.parse([data.out + "/phase2.ftckpt", data.data + "/test", "--json", "--top", "3"])
        let json = try predict.output()
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        #expect(rows.count == 6)
        for row in rows {
            let top = try #require(row["top"] as? [[String: Any]])
            #expect(top.count == 3)
            let sum = top.compactMap { $0["probability"] as? Double }.reduce(0, +)
            #expect(abs(sum - 1) < 1e-5)
        }

        // evaluate: the same loss and accuracy as the trainer's own evaluation of test/.
        let evaluate = try EvaluateCommand.parse([data.out + "/phase2.ftckpt", data.data + "/test", "--out", data.path("eval")])
        let evaluation = try evaluate.evaluate()
        let test = try #require(result.test)
        #expect(abs(evaluation.loss - test.loss) < 1e-5 * max(1, abs(test.loss)))
        #expect(abs(evaluation.accuracy - test.accuracy) < 1e-9)
        #expect(evaluation.confusion.flatMap { $0 }.reduce(0, +) == 6)
        #expect(FileManager.default.fileExists(atPath: data.path("eval/confusion_matrix.png")))
        #expect(FileManager.default.fileExists(atPath: data.path("eval/mistakes.png")))
        // Interpretation: top_losses.png (up to 3 × 3 tiles) and evaluation.json listing the top losses.
        let sheet = try ImageDecoder.decode(path: data.path("eval/top_losses.png"))
        #expect(sheet.width == 3 * (160 + EvaluationPlots.tileGap) + EvaluationPlots.tileGap)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: data.path("eval/evaluation.json")))) as? [String: Any])
        let listed = try #require(report["top_losses"] as? [[String: Any]])
        #expect(listed.compactMap { $0["file"] as? String } == evaluation.topLosses(9).map(\.file))
        #expect(listed.count == 6)
        #expect((report["accuracy"] as? Double) == evaluation.accuracy)

        // explain: one heatmap PNG per image, the size of the image, heatmap values in [0, 1].
        let explain = try ExplainCommand.parse([data.out + "/phase2.ftckpt", data.data + "/test/triangles", "--out", data.path("cam")])
        let explained = try explain.explain()
        #expect(explained.count == 2)
        for row in explained {
            let png = try ImageDecoder.decode(path: row.output)
            #expect(png.width == 32 && png.height == 32)
            #expect(row.heatmap.shape == [2, 2])
            #expect(row.heatmap.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
        }
    }
}

@Suite("finetune subcommands on a trained checkpoint")
struct SubcommandTests {
    @Test("binary run from the command line: --validation-split, early stopping, then summary, inspect, export, augment-preview")
    func binaryRunAndTools() throws {
        let data = try ThreeClassData(perClass: (5, 0, 2), validationFolder: false)
        defer { data.remove() }
        // Two classes: drop triangles.
        try FileManager.default.removeItem(atPath: data.data + "/train/triangles")
        try FileManager.default.removeItem(atPath: data.data + "/test/triangles")
        let command = try TrainCommand.parse(["--data", data.data, "--out", data.out, "--weights", "none", "--image-size", "32",
                                              "--base-widths", "4,8,8,16,16", "--dense-units", "8", "--batch-size", "4",
                                              "--phase1-epochs", "2", "--phase2-epochs", "1", "--steps-per-epoch", "1",
                                              "--validation-split", "0.2", "--early-stopping", "0", "--no-augment",
                                              "--threads", "2", "--quiet"])
        var lines: [String] = []
        let result = try TrainWorkflow(configuration: try command.options.configuration(), say: { lines.append($0) }).run()
        #expect(result.description.isBinary)
        #expect(lines.contains { $0.contains("2 validation (--validation-split 0.2 of train/ (seed 1))") })
        #expect(lines.contains { $0.contains("Dense(1, sigmoid)") })
        let checkpoint = data.out + "/phase2.ftckpt"

        let summary = try SummaryCommand.parse([checkpoint]).output()
        #expect(summary.contains("classes: circles, squares (sigmoid head)"))
        #expect(summary.contains("dense_1"))

        let exported = data.path("model.weights.h5")
        try ExportCommand.parse([checkpoint, exported]).run()
        let trained = try TrainedModel.load(checkpoint)
        var reloaded = try trained.description.makeModel()
        _ = try KerasWeights.read(from: URL(fileURLWithPath: exported)).load(into: &reloaded, scope: .all)
        #expect(reloaded.parameterDictionary == trained.model.parameterDictionary)
        #expect(ExportCommand.kerasCode(trained.description, weights: "m.weights.h5").contains("keras.layers.Dense(1, activation=\"sigmoid\", name=\"dense_1\")"))

        let inspect = try InspectCommand.parse([exported]).output()
        #expect(inspect.contains("layout: keras3"))
        #expect(inspect.contains("→ block5_conv3"))
        #expect(try SummaryCommand.parse([exported]).output().contains("Total params: \(ModelSummary.grouped(trained.model.parameterCount))"))

        // A .safetensors export: weights by Keras name, class names and the model in its metadata,
        // so it predicts like the checkpoint with nothing else.
        let safetensors = data.path("model.safetensors")
        try ExportCommand.parse([checkpoint, safetensors]).run()
        let fromSafetensors = try TrainedModel.load(safetensors)
        #expect(fromSafetensors.description == trained.description)
        #expect(fromSafetensors.model.parameterDictionary == trained.model.parameterDictionary)
        #expect(try PredictCommand.parse([safetensors, data.data + "/test", "--json"]).output()
            == (try PredictCommand.parse([checkpoint, data.data + "/test", "--json"]).output()))
        #expect(ExportCommand.kerasCode(trained.description, weights: "m.safetensors").contains(#"v.assign(tensors["/".join(v.path.split("/")[-2:])])"#))
        let inspectSafetensors = try InspectCommand.parse([safetensors]).output()
        #expect(inspectSafetensors.contains("layout: safetensors"))
        #expect(inspectSafetensors.contains(#"metadata classes: ["circles","squares"]"#))
        #expect(inspectSafetensors.contains("block5_conv3/kernel: (3, 3, 16, 16)"), "\(inspectSafetensors)")
        #expect(try SummaryCommand.parse([safetensors]).output().contains("safetensors export, input 32×32×3, 2 classes (sigmoid head)"))
        #expect { try ExportCommand.parse([checkpoint, data.path("model.bin")]) } throws: {
            ExportCommand.message(for: $0).contains(".safetensors or .onnx")
        }
        var reloadedBase = try trained.description.makeModel()
        _ = try KerasWeights.readIsolated(from: URL(fileURLWithPath: safetensors)).load(into: &reloadedBase, scope: .convolutions)

        let preview = data.path("preview.png")
        try AugmentPreviewCommand.parse([data.data + "/train", preview, "--image-size", "32", "--rows", "2", "--columns", "2"]).write()
        let image = try ImageDecoder.decode(path: preview)
        #expect(image.width == 2 * 32 + 3 * 2 && image.height == 2 * 32 + 3 * 2)
    }

    @Test("errors name the argument: no checkpoint, a bare checkpoint, wrong classes")
    func errors() throws {
        let data = try ThreeClassData(perClass: (2, 1, 1))
        defer { data.remove() }
        #expect(throws: CommandLineError.missingFile(flag: "CHECKPOINT", path: data.path("none.ftckpt"))) {
            try PredictCommand.parse([data.path("none.ftckpt"), data.data]).output()
        }
        let description = ModelDescription(classNames: ["cats", "dogs"], imageHeight: 32, imageWidth: 32,
                                           baseWidths: VGG16.reducedWidths, denseUnits: 8)
        let bare = data.path("bare.ftckpt")
        try Checkpoint(model: try description.makeModel()).write(to: URL(fileURLWithPath: bare))
        #expect(throws: CommandLineError.notATrainedModel(path: bare)) { try TrainedModel.load(bare) }
        var labelled = Checkpoint(model: try description.makeModel())
        labelled.metadata[ModelDescription.metadataKey] = try description.encoded()
        let path = data.path("catsdogs.ftckpt")
        try labelled.write(to: URL(fileURLWithPath: path))
        #expect(throws: CommandLineError.classMismatch(path: data.data + "/test", model: ["cats", "dogs"],
                                                       data: ["circles", "squares", "triangles"])) {
            try EvaluateCommand.parse([path, data.data + "/test", "--out", data.path("eval")]).evaluate()
        }
    }
}
