import ArgumentParser
import Foundation
import Finetune
import FinetuneCommandLine
import FinetuneRuntime

/// `swift run -c release demo-catsdogs` — Chollet's whole workflow: VGG16 base + new head,
/// phase 1 (frozen base), phase 2 (unfrozen from `--unfreeze-from`), test evaluation, history,
/// plots. Its flags are `finetune train`'s (``TrainOptions``), applied to
/// ``TrainConfiguration/cholletCatsVsDogs(data:)``, which `finetune train`'s ``TrainWorkflow`` runs.
@main
struct DemoCatsDogs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo-catsdogs",
        abstract: "Fine-tune a pretrained VGG16 on cats vs dogs, the Keras way (Chollet, ch. 5), in Swift.",
        discussion: """
        Writes into --out: run.json (the command, written first), history.json, history.csv, accuracy.png, \
        loss.png, accuracy_smoothed.png, loss_smoothed.png, phase1.ftckpt, phase2.ftckpt, last.ftckpt \
        (after every epoch, for --resume) and metrics.json. The last line printed is `test acc: 0.xxxx`. \
        A non-empty --out is refused unless --resume or --overwrite is given. Before training, every image \
        of every split is checked (class folders identical across splits, two classes, headers readable).

        Ctrl-C or SIGTERM stops after the current training step (a second one stops at once), keeps the \
        last epoch's last.ftckpt and prints the command that resumes the run; the unfinished epoch is \
        redone on resume, which then continues exactly as if never interrupted.

        Exit status: 0 success, 1 runtime error (a damaged file, a full disk), 64 usage error (a flag, \
        the dataset layout, a checkpoint of another run), 130 interrupted.
        """)

    @OptionGroup var options: TrainOptions

    func run() throws {
        let configuration = try configuration()
        try TrainOptions.checkPaths(of: configuration)
        Runtime.configureProcess()   // the process settings Finetune is fastest with (see Runtime)
        try TrainWorkflow.runAsCommand(configuration)
    }

    /// The flags on Chollet's recipe; without `--data`, on a generated dataset with a short
    /// schedule (``TrainConfiguration/generatedDataRecipe``).
    func configuration(arguments: [String] = CommandLine.arguments) throws -> TrainConfiguration {
        var preset = TrainConfiguration.cholletCatsVsDogs(data: options.data)
        preset.arguments = arguments
        return try options.configuration(on: preset)
    }
}
