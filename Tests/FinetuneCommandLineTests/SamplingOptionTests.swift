import Foundation
import Testing
import ArgumentParser
@testable import FinetuneCommandLine
import Finetune
import FinetuneData

@Suite("finetune train --sampling")
struct SamplingOptionTests {
    @Test("shuffle by default (Keras), balanced on request, and balanced refuses --no-shuffle naming both flags")
    func parsing() throws {
        #expect(try TrainCommand.parse(["--data", "d"]).options.configuration().sampling == .shuffle)
        #expect(try TrainCommand.parse(["--data", "d", "--sampling", "balanced"]).options.configuration().sampling == .balanced)
        #expect(throws: (any Error).self) { try TrainCommand.parse(["--data", "d", "--sampling", "uniform"]) }
        do {
            _ = try TrainCommand.parse(["--data", "d", "--sampling", "balanced", "--no-shuffle"]).options.configuration()
            Issue.record("--sampling balanced --no-shuffle was accepted")
        } catch let error as ValidationError {
            #expect(error.message.contains("--sampling balanced") && error.message.contains("--no-shuffle"))
        }
    }

    /// Three generated classes with train/ cut to 1 circle, 4 squares, 4 triangles.
    static func imbalanced() throws -> ThreeClassData {
        let data = try ThreeClassData()
        let circles = data.data + "/train/circles"
        for name in try FileManager.default.contentsOfDirectory(atPath: circles).sorted().dropFirst() {
            try FileManager.default.removeItem(atPath: circles + "/" + name)
        }
        return data
    }

    @Test("--sampling balanced draws the training images class-balanced; validation and test stay in order")
    func trainingData() throws {
        let data = try Self.imbalanced()
        defer { data.remove() }
        let check = try DatasetCheck(root: data.data)
        var c = data.configuration()
        c.sampling = .balanced
        let balanced = try TrainingData(check, c, preprocessing: .rescale255, shard: nil)
        #expect(balanced.trainClassCounts == [1, 4, 4])
        let labels = try DirectoryListing(root: data.data + "/train").labels
        var perClass = [0, 0, 0]
        let passes = 400
        for p in 0..<passes { for i in balanced.train.sampleOrder(pass: p) { perClass[labels[i]] += 1 } }
        let draws = Double(passes * 9), sd = (draws * 2 / 9).squareRoot()
        for (k, n) in perClass.enumerated() { #expect(abs(Double(n) - draws / 3) <= 5 * sd, "class \(k): \(n) of \(draws)") }
        #expect(balanced.validation?.sampleOrder(pass: 0) == Array(0..<6))
        #expect(balanced.test?.sampleOrder(pass: 1) == Array(0..<6))

        c.sampling = .shuffle
        let shuffled = try TrainingData(check, c, preprocessing: .rescale255, shard: nil)
        #expect(shuffled.train.sampleOrder(pass: 0).sorted() == Array(0..<9))
    }

    @Test("a balanced run resumed from phase1.ftckpt trains phase 2 bit for bit as the uninterrupted run")
    func resume() throws {
        let data = try Self.imbalanced()
        defer { data.remove() }
        var c = data.configuration()
        c.sampling = .balanced
        var lines: [String] = []
        let whole = try TrainWorkflow(configuration: c, say: { lines.append($0) }).run()
        #expect(lines.contains { $0.hasPrefix("Sampling: balanced, 9 draws a pass") && $0.contains("circles 1") })
        var again = c
        again.out = data.path("resumed")
        again.resume = data.out + "/phase1.ftckpt"
        let resumed = try TrainWorkflow(configuration: again, say: { _ in }).run()
        // Everything but the wall time.
        let scores = { (h: History) in h.epochs.map { [$0.loss, $0.accuracy, $0.validationLoss, $0.validationAccuracy, $0.learningRate] } }
        #expect(resumed.history.epochs.count == 2)
        #expect(scores(resumed.history) == scores(whole.history))

        // Resuming it with the other sampling is refused, naming the flag.
        var switched = again
        (switched.sampling, switched.out) = (.shuffle, data.path("switched"))
        do {
            _ = try TrainWorkflow(configuration: switched, say: { _ in }).run()
            Issue.record("a balanced run's checkpoint resumed with --sampling shuffle")
        } catch RunError.resumeMismatch(_, let differences) {
            #expect(differences == ["--sampling is shuffle, the checkpoint's run used balanced"])
        }
        #expect(RunSettings(imageSize: 32, batchSize: 4, classes: ["a"], imageCounts: [1, 0, 0], sampling: .shuffle)
            .differences(fromCheckpoint: [RunSettings.keys.sampling: "balanced"]) == ["--sampling is shuffle, the checkpoint's run used balanced"])

        var shuffled = c
        shuffled.sampling = .shuffle
        shuffled.out = data.path("shuffled")
        let other = try TrainWorkflow(configuration: shuffled, say: { _ in }).run()
        #expect(other.history.epochs[0].loss != whole.history.epochs[0].loss, "balanced and shuffled runs saw the same batches")
    }
}
