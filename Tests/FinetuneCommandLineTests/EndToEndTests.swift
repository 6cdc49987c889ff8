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
    }
}
