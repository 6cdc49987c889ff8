import ArgumentParser
import Foundation
import Finetune

/// `swift run -c release demo-catsdogs` — the seed's whole workflow: VGG16 base + new head,
/// phase 1 (frozen base), phase 2 (unfrozen from block5_conv1), test evaluation, history, plots.
@main
struct DemoCatsDogs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo-catsdogs",
        abstract: "Fine-tune a pretrained VGG16 on cats vs dogs, the Keras way (Chollet, ch. 5), in Swift.",
        discussion: """
        Writes into --out: history.json, history.csv, accuracy.png, loss.png, accuracy_smoothed.png, \
        loss_smoothed.png, phase1.ftckpt, phase2.ftckpt, last.ftckpt (after every epoch, for --resume) \
        and metrics.json. The last line printed is `test acc: 0.xxxx`.
        """)

    @OptionGroup var options: DemoOptions

    func validate() throws {
        for (flag, value) in [("--batch-size", options.batchSize), ("--image-size", options.imageSize ?? 150),
                              ("--phase1-epochs", options.phase1Epochs ?? 0), ("--phase2-epochs", options.phase2Epochs ?? 0)]
        where value < 0 || (flag == "--batch-size" && value == 0) {
            throw ValidationError("\(flag) must be \(flag == "--batch-size" ? "> 0" : "≥ 0"), got \(value)")
        }
        if let s = options.imageSize, s < 32 { throw ValidationError("--image-size must be ≥ 32 (VGG16's smallest input), got \(s)") }
        for (flag, value) in [("--steps-per-epoch", options.stepsPerEpoch), ("--validation-steps", options.validationSteps),
                              ("--test-steps", options.testSteps)] {
            if let value, value <= 0 { throw ValidationError("\(flag) must be > 0, got \(value)") }
        }
        guard ["rescale", "caffe"].contains(options.preprocessing) else {
            throw ValidationError("--preprocessing must be 'rescale' or 'caffe', got '\(options.preprocessing)'")
        }
        guard ["nearest", "constant", "reflect", "wrap"].contains(options.fillMode) else {
            throw ValidationError("--fill-mode must be nearest, constant, reflect or wrap, got '\(options.fillMode)'")
        }
        guard options.lr1 > 0, options.lr2 > 0 else { throw ValidationError("--lr1 and --lr2 must be > 0") }
    }

    func run() throws {
        LargeBufferReuse.enable()
        do {
            if options.distributed { try DemoDistribution.run(options) } else { try DemoWorkflow(options: options).run() }
        } catch let error as ValidationError {
            throw error
        } catch {
            // Library errors describe themselves (file, key, what to do); print them plainly.
            FileHandle.standardError.write(Data("demo-catsdogs: error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
