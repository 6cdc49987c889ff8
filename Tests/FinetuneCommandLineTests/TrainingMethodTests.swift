import Foundation
import Testing
import ArgumentParser
@testable import FinetuneCommandLine
import Finetune

@Suite("finetune train's method flags: --optimizer, --weight-decay, --label-smoothing, --schedule, --discriminative")
struct TrainingMethodTests {
    @Test("left out, the method is Chollet's: a fresh RMSprop at a constant rate, no smoothing, one rate")
    func defaults() throws {
        let c = try TrainCommand.parse(["--data", "d"]).options.configuration()
        #expect(c.method == TrainingMethod())
        var rng = SeededRNG(seed: 1)
        let model = try VGG16.binaryClassifier(inputShape: [32, 32, 3], widths: VGG16.reducedWidths, using: &rng)
        let optimizer = try c.method.makeOptimizer(phase: 2, learningRate: 1e-5, totalSteps: 100, model: model, trainable: [], backbone: .vgg16)
        let rmsprop = try #require(optimizer as? RMSprop)
        #expect(rmsprop.schedule == nil && rmsprop.learningRate == 1e-5)
        let loss = try #require(c.method.loss(binary: true) as? BinaryCrossEntropy)
        #expect(loss.labelSmoothing == 0 && loss.path == BinaryCrossEntropy().path && !loss.fromLogits)
    }

    @Test("the flags reach the configuration")
    func flags() throws {
        let c = try TrainCommand.parse(["--data", "d", "--optimizer", "adamw", "--weight-decay", "0.01", "--label-smoothing", "0.1",
                                        "--schedule", "one-cycle", "--discriminative", "1e-5:1e-3"]).options.configuration()
        #expect(c.method.optimizer == .adamw && c.method.weightDecay == 0.01 && c.method.labelSmoothing == 0.1)
        #expect(c.method.schedule == .oneCycle && c.method.discriminative == 1e-5...1e-3)
    }

    @Test("a bad value names its flag (exit status 64)", arguments: [
        (["--optimizer", "lion"], "--optimizer"), (["--schedule", "step"], "--schedule"),
        (["--weight-decay", "0.1"], "--weight-decay"), (["--optimizer", "adamw", "--weight-decay=-1"], "--weight-decay"),
        (["--label-smoothing", "1"], "--label-smoothing"), (["--discriminative", "1e-3"], "--discriminative"),
        (["--discriminative", "1e-3:1e-5"], "--discriminative"), (["--discriminative", "0:1e-3"], "--discriminative"),
    ])
    func errors(_ flags: [String], _ named: String) {
        do {
            _ = try TrainCommand.parseAsRoot(["--data", "d"] + flags)
            Issue.record("\(flags) was accepted")
        } catch {
            #expect(TrainCommand.message(for: error).hasPrefix(named), "\(TrainCommand.message(for: error))")
            #expect(TrainCommand.exitCode(for: error).rawValue == 64)
        }
    }

    @Test("phase 2 with discriminative rates: one group per unfrozen block, then the head, geometric from LO to HI")
    func groups() throws {
        var rng = SeededRNG(seed: 1)
        let model = try VGG16.binaryClassifier(inputShape: [32, 32, 3], widths: VGG16.reducedWidths, using: &rng)
        var method = TrainingMethod()
        (method.optimizer, method.schedule, method.discriminative) = (.adam, .oneCycle, 1e-6...1e-4)
        let trainable = try FreezePolicy.from("block4_conv1").trainableKeys(in: model)
        #expect(TrainingMethod.unfrozenBlocks(trainable, backbone: .vgg16, model: model) == [["block4_conv1", "block4_conv2", "block4_conv3"],
                                                            ["block5_conv1", "block5_conv2", "block5_conv3"]])
        let groups = try #require(try method.makeOptimizer(phase: 2, learningRate: 1, totalSteps: 20, model: model,
                                                           trainable: trainable, backbone: .vgg16) as? ParameterGroups)
        #expect(groups.rates.count == 3)
        for (rate, expected) in zip(groups.rates, [1e-6, 1e-5, 1e-4]) { #expect(abs(rate - expected) <= 1e-12 * expected) }
        #expect(groups.members.allSatisfy { ($0 as? Adam)?.schedule != nil })
        // Phase 1 ignores --discriminative.
        #expect(try method.makeOptimizer(phase: 1, learningRate: 1e-3, totalSteps: 20, model: model, trainable: trainable, backbone: .vgg16) is Adam)
    }

    @Test("one-cycle over too few steps is refused, naming --schedule")
    func shortOneCycle() throws {
        var method = TrainingMethod()
        method.schedule = .oneCycle
        var rng = SeededRNG(seed: 1)
        let model = try VGG16.binaryClassifier(inputShape: [32, 32, 3], widths: VGG16.reducedWidths, using: &rng)
        #expect {
            _ = try method.makeOptimizer(phase: 1, learningRate: 1e-3, totalSteps: 3, model: model, trainable: [], backbone: .vgg16)
        } throws: { "\($0)".contains("--schedule") }
    }

    @Test("a run with AdamW, label smoothing, one-cycle and discriminative rates trains, and run.json holds every number")
    func run() throws {
        let data = try ThreeClassData(perClass: (4, 1, 1))
        defer { data.remove() }
        var c = data.configuration()
        c.stepsPerEpoch = 4
        c.unfreezeFrom = "block4_conv1"
        (c.method.optimizer, c.method.weightDecay, c.method.labelSmoothing) = (.adamw, 0.01, 0.1)
        (c.method.schedule, c.method.discriminative) = (.oneCycle, 1e-5...1e-3)
        let result = try TrainWorkflow(configuration: c, say: { _ in }).run()
        #expect(result.history.epochs.count == 2)
        let checkpoint = try Checkpoint.read(from: result.checkpoint)
        #expect(checkpoint.optimizerName == "ParameterGroups" && checkpoint.optimizerIterations == 4)
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: data.out + "/run.json"))) as? [String: Any]
        let method = try #require(manifest?["method"] as? [String: Any])
        #expect(method["optimizer"] as? String == "adamw" && method["weight_decay"] as? Double == 0.01)
        #expect(method["label_smoothing"] as? Double == 0.1 && method["schedule"] as? String == "one-cycle")
        #expect((method["discriminative"] as? [String: Double]) == ["low": 1e-5, "high": 1e-3])
        #expect((method["learning_rates"] as? [Double])?.count == 2)
        #expect((method["one_cycle"] as? [[String: Double]])?.first?["div_factor"] == 25)
    }
}

@Suite("finetune train --recipe fast and --gradual-unfreezing")
struct FastRecipeTests {
    @Test("--recipe fast has fastai fine_tune's numbers; flags given override them")
    func numbers() throws {
        let c = try TrainCommand.parse(["--data", "d", "--recipe", "fast"]).options.configuration()
        #expect(c.phase1Epochs == 1 && c.phase2Epochs == 5 && c.unfreezeFrom == "block5_conv1")
        #expect(c.learningRate1 == 2e-3 && c.learningRate2 == 1e-3)
        let m = c.method
        #expect(m.recipe == "fast" && m.optimizer == .adamw && m.weightDecay == 0.01 && m.adamBeta2 == 0.99 && m.adamEpsilon == 1e-5)
        #expect(m.schedule == .oneCycle && m.labelSmoothing == 0 && m.discriminative == 1e-5...1e-3)
        #expect(m.oneCycle == [TrainingMethod.OneCycleShape(warmupFraction: 0.99, divFactor: 25, finalDivFactor: 1e5),
                               TrainingMethod.OneCycleShape(warmupFraction: 0.3, divFactor: 5, finalDivFactor: 1e5)])
        let tuned = try TrainCommand.parse(["--data", "d", "--recipe", "fast", "--lr1", "1e-3", "--phase2-epochs", "5",
                                            "--unfreeze-from", "block4_conv1", "--weight-decay", "0.05"]).options.configuration()
        #expect(tuned.learningRate1 == 1e-3 && tuned.method.discriminative == 5e-6...5e-4 && tuned.phase2Epochs == 5)
        #expect(tuned.unfreezeFrom == "block4_conv1" && tuned.method.weightDecay == 0.05)
        let chollet = try TrainCommand.parse(["--data", "d"]).options.configuration()
        #expect(chollet.learningRate1 == 2e-5 && chollet.learningRate2 == 1e-5 && chollet.unfreezeFrom == "block5_conv1")
        #expect(chollet.method == TrainingMethod())
    }

    @Test("bad --recipe and --gradual-unfreezing values name the flag", arguments: [
        (["--recipe", "slow"], "--recipe"), (["--gradual-unfreezing", "0"], "--gradual-unfreezing"),
    ])
    func errors(_ flags: [String], _ named: String) {
        do {
            _ = try TrainCommand.parseAsRoot(["--data", "d"] + flags)
            Issue.record("\(flags) was accepted")
        } catch {
            #expect(TrainCommand.message(for: error).hasPrefix(named), "\(TrainCommand.message(for: error))")
        }
    }

    @Test("a --recipe fast run with gradual unfreezing trains and writes the recipe into run.json")
    func run() throws {
        let data = try ThreeClassData(perClass: (4, 1, 1))
        defer { data.remove() }
        var c = data.configuration()
        FastRecipe.apply(to: &c, baseLearningRate: 2e-3)
        c.method.gradualUnfreezing = 2
        (c.phase1Epochs, c.phase2Epochs, c.stepsPerEpoch) = (1, 2, 4)
        var lines: [String] = []
        let result = try TrainWorkflow(configuration: c, say: { lines.append($0) }).run()
        #expect(result.history.epochs.map(\.phase) == [1, 2, 2])
        #expect(lines.contains { $0.contains("AdamW") && $0.contains("unfreezing 2 block(s) an epoch") })
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: data.out + "/run.json"))) as? [String: Any]
        let method = try #require(manifest?["method"] as? [String: Any])
        #expect(method["recipe"] as? String == "fast" && method["beta_2"] as? Double == 0.99 && method["epsilon"] as? Double == 1e-5)
        #expect(method["gradual_unfreezing_blocks_per_epoch"] as? Int == 2)
        #expect((method["one_cycle"] as? [[String: Double]])?.map { $0["warmup_fraction"] } == [0.99, 0.3])
    }
}

@Suite("finetune train --class-weight")
struct ClassWeightFlagTests {
    @Test("auto gives scikit-learn's balanced weights from train/, written to run.json; a file names each class")
    func autoAndFile() throws {
        let data = try ThreeClassData(perClass: (4, 1, 1))
        defer { data.remove() }
        var c = data.configuration()
        c.classWeight = "auto"
        var lines: [String] = []
        let workflow = TrainWorkflow(configuration: c, say: { lines.append($0) })
        let auto = try #require(try workflow.classWeights(classes: ["a", "b", "c"], counts: [6, 3, 3]))
        #expect(auto.weights == [Float(12.0 / 18), Float(12.0 / 9), Float(12.0 / 9)])
        #expect(lines.last?.hasPrefix("Class weights (--class-weight auto): a=0.6667") == true)
        try workflow.run()
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: data.out + "/run.json"))) as? [String: Any]
        #expect((manifest?["method"] as? [String: Any])?["class_weight"] as? String == "auto")

        let file = data.path("weights.json")
        try Data(#"{"b": 2, "a": 0.5, "c": 1}"#.utf8).write(to: URL(fileURLWithPath: file))
        #expect(try TrainWorkflow.readClassWeights(file: file, classes: ["a", "b", "c"]).weights == [0.5, 2, 1])
    }

    @Test("a bad weights file is refused, naming --class-weight and what is wrong", arguments: [
        (#"{"a": 1, "b": 1}"#, "'c' has none"), (#"{"a": 1, "b": 1, "c": 1, "d": 1}"#, "'d' is not one"),
        (#"{"a": -1, "b": 1, "c": 1}"#, "numbers ≥ 0"), (#"[1, 2, 3]"#, "a JSON object"),
    ])
    func badFile(_ text: String, _ message: String) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("finetune-cw-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("w.json").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        #expect {
            _ = try TrainWorkflow.readClassWeights(file: file, classes: ["a", "b", "c"])
        } throws: { "\($0)".contains("--class-weight") && "\($0)".contains(message) }
    }

    @Test("flag checks: a missing file and --distributed are refused naming --class-weight")
    func flags() throws {
        #expect(try TrainCommand.parse(["--data", "d"]).options.configuration().classWeight == "none")
        do {
            _ = try TrainCommand.parseAsRoot(["--data", "d", "--class-weight", "auto", "--distributed"])
            Issue.record("--distributed was accepted")
        } catch {
            #expect(TrainCommand.message(for: error).hasPrefix("--class-weight"))
        }
        let c = try TrainCommand.parse(["--data", "/", "--class-weight", "/no/such.json"]).options.configuration()
        #expect { try TrainOptions.checkPaths(of: c) } throws: { "\($0)".contains("--class-weight") }
    }
}
