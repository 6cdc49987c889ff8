import Foundation
import Testing
import ArgumentParser
@testable import FinetuneCommandLine
import Finetune

@Suite("finetune command-line parsing")
struct CommandLineParsingTests {
    @Test("train's defaults are Chollet's recipe")
    func defaults() throws {
        let c = try TrainCommand.parse(["--data", "photos"]).options.configuration()
        #expect(c.imageSize == 150 && c.batchSize == 20 && c.phase1Epochs == 30 && c.phase2Epochs == 100)
        #expect(c.learningRate1 == 2e-5 && c.learningRate2 == 1e-5 && c.unfreezeFrom == "block5_conv1")
        #expect(c.augmentation == Augmentation(rotationRange: 40, widthShiftRange: 0.2, heightShiftRange: 0.2,
                                               shearRange: 0.2, zoom: 0.2, horizontalFlip: true))
        #expect(c.augmentationRandomness == .perSample && c.preprocessing == "rescale" && c.stepsPerEpoch == nil)
    }

    @Test("every flag reaches the configuration")
    func flags() throws {
        let c = try TrainCommand.parse(["--data", "d", "--out", "o", "--validation-split", "0.25", "--image-size", "64",
                                        "--base-widths", "4,8,8,16,16", "--batch-size", "8", "--phase1-epochs", "2",
                                        "--phase2-epochs", "3", "--steps-per-epoch", "5", "--lr1", "0.001", "--early-stopping", "2",
                                        "--augmentation-randomness", "keras", "--no-augment", "--preprocessing", "caffe",
                                        "--dropout", "0.5", "--dense-units", "32"]).options.configuration()
        #expect(c.out == "o" && c.validationSplit == 0.25 && c.imageSize == 64 && c.baseWidths == VGG16.reducedWidths)
        #expect(c.batchSize == 8 && c.phase1Epochs == 2 && c.phase2Epochs == 3 && c.stepsPerEpoch == 5)
        #expect(c.learningRate1 == 0.001 && c.earlyStoppingPatience == 2 && c.augmentationRandomness == .kerasStream)
        #expect(c.augmentation == nil && c.preprocessing == "caffe" && c.dropout == 0.5 && c.denseUnits == 32)
    }

    @Test("flags left out keep the preset's values; flags given replace them")
    func preset() throws {
        let preset = TrainConfiguration.cholletCatsVsDogs(data: nil)
        let plain = try TrainOptions.parse([]).configuration(on: preset)
        #expect(plain.imageSize == 64 && plain.phase1Epochs == 3 && plain.stepsPerEpoch == 10 && plain.testSteps == 5)
        #expect(plain.out == "demo-out" && !plain.keepBestCheckpoint && plain.generatesData)
        #expect(plain.augmentation == preset.augmentation && plain.batchSize == preset.batchSize)
        let given = try TrainOptions.parse(["--image-size", "150", "--phase1-epochs", "30", "--steps-per-epoch", "100",
                                            "--out", "o", "--best-checkpoint", "--zoom", "0.1", "--no-flip"])
            .configuration(on: preset)
        #expect(given.imageSize == 150 && given.phase1Epochs == 30 && given.stepsPerEpoch == 100 && given.testSteps == 5)
        #expect(given.out == "o" && given.keepBestCheckpoint)
        #expect(given.augmentation?.zoomRange == Augmentation(zoom: 0.1).zoomRange && given.augmentation?.horizontalFlip == false)
        #expect(given.augmentation?.rotationRange == 40)
        let train = try TrainCommand.parse(["--data", "d", "--no-best-checkpoint"]).options.configuration()
        #expect(train.out == "finetune-out" && !train.keepBestCheckpoint && train.stepsPerEpoch == nil)
    }

    @Test("finetune train needs --data")
    func dataRequired() throws {
        do {
            _ = try TrainCommand.parseAsRoot([])
            Issue.record("accepted no --data")
        } catch {
            #expect(TrainCommand.exitCode(for: error).rawValue == 64)
            #expect(TrainCommand.message(for: error).contains("--data: missing"))
        }
    }

    @Test("--distributed's bucket size and overlap reach the configuration; DataParallel's defaults otherwise")
    func distributedTuning() throws {
        let plain = try TrainCommand.parse(["--data", "d", "--distributed"]).options.configuration()
        #expect(plain.bucketBytes == 4 << 20 && !plain.overlapsBackward)
        let tuned = try TrainCommand.parse(["--data", "d", "--distributed", "--bucket-mib", "16", "--overlap-backward"])
            .options.configuration()
        #expect(tuned.bucketBytes == 16 << 20 && tuned.overlapsBackward)
    }

    @Test("bad values are usage errors (exit status 64) naming the flag", arguments: [
        (["--batch-size", "0"], "--batch-size"), (["--image-size", "16"], "--image-size"),
        (["--validation-split", "1.5"], "--validation-split"), (["--augmentation-randomness", "numpy"], "--augmentation-randomness"),
        (["--fill-mode", "mirror"], "--fill-mode"), (["--base-widths", "4,8"], "--base-widths"), (["--preprocessing", "x"], "--preprocessing"),
        (["--bucket-mib", "8"], "--distributed"), (["--overlap-backward"], "--distributed"),
        (["--distributed", "--bucket-mib", "0"], "--bucket-mib"),
    ])
    func usageErrors(flags: [String], named: String) throws {
        do {
            _ = try TrainCommand.parse(["--data", "d"] + flags).options.configuration()
            Issue.record("accepted \(flags)")
        } catch {
            #expect(TrainCommand.exitCode(for: error).rawValue == 64)
            #expect(TrainCommand.message(for: error).contains(named))
        }
    }

    @Test("a missing data folder is a runtime error naming the flag and the path")
    func missingData() throws {
        let c = TrainConfiguration(data: "/nonexistent/photos")
        #expect(throws: CommandLineError.missingFile(flag: "--data", path: "/nonexistent/photos")) {
            try TrainWorkflow(configuration: c, say: { _ in }).run()
        }
        #expect(FinetuneCommand.exitCode(for: ExitCode.failure).rawValue == 1)
    }

    @Test("predict ranks classes by probability, ties by class order")
    func ranking() {
        let ranked = PredictCommand.rank([0.2, 0.5, 0.3, 0.5], classes: ["a", "b", "c", "d"])
        #expect(ranked.map(\.label) == ["b", "d", "c", "a"])
        let table = PredictCommand.table([.init(file: "x.jpg", ranked: ranked)], top: 2)
        #expect(table == "file   label  top2\nx.jpg  b 0.5000  d 0.5000")
    }

    @Test("the progress line fills in proportion")
    func progressLine() {
        #expect(StepProgress.line("predict", done: 1, total: 4, width: 8) == "predict 1/4 [==>.....]")
        #expect(StepProgress.line("predict", done: 4, total: 4, width: 8) == "predict 4/4 [========]")
    }
}
