import ArgumentParser
import Foundation
import Finetune

/// `finetune augment-preview`: what the training augmentation does to an image.
package struct AugmentPreviewCommand: ParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "augment-preview",
        abstract: "Draw a grid of randomly augmented versions of one training image.",
        discussion: """
        Takes the first image of DATA_DIR (searched recursively; --index picks another), resizes \
        it to --image-size as training does, and writes a --rows × --columns grid of augmented \
        versions with the same flags `finetune train` takes.

        Examples:
          finetune augment-preview photos/train preview.png
          finetune augment-preview photos/train preview.png --rotation 10 --zoom 0.1 --index 5
        """)

    @Argument(help: ArgumentHelp("A folder of images (or one image).", valueName: "data-dir"))
    package var data: String

    @Argument(help: ArgumentHelp("The PNG to write.", valueName: "out.png"))
    package var output: String

    @Option(help: "Which image of the folder (0-based, in sorted order).")
    package var index: Int = 0

    @Option(name: .customLong("image-size"), help: "Images are resized to this height and width first.")
    package var imageSize: Int = TwoPhaseRecipe.chollet.imageSize

    @Option(help: "Rows of the grid.")
    package var rows: Int = 3

    @Option(help: "Columns of the grid.")
    package var columns: Int = 4

    @Option(help: "Seed of the augmentation draws.")
    package var seed: Int = 1

    @OptionGroup(title: "Augmentation") package var augmentation: AugmentationOptions

    package init() {}

    package func validate() throws {
        guard imageSize >= 1, rows >= 1, columns >= 1, index >= 0 else {
            throw ValidationError("--image-size, --rows and --columns must be ≥ 1 and --index ≥ 0")
        }
        guard augmentation.noAugment == false else { throw ValidationError("--no-augment leaves nothing to preview") }
    }

    package func run() throws {
        try runReportingErrors("augment-preview") { try write() }
        print("Wrote \(output)")
    }

    package func write() throws {
        let files = try ImageFiles.collect([data], argument: "DATA_DIR")
        guard index < files.count else {
            throw CommandLineError.invalidValue(flag: "--index", value: String(index), expected: "0…\(files.count - 1) (\(data) has \(files.count) images)")
        }
        guard let recipe = try augmentation.augmentation() else { return }
        let image = try ImageDecoder.decode(path: files[index]).resized(width: imageSize, height: imageSize, filter: .nearest)
        try recipe.writeGrid(of: image, rows: rows, columns: columns, seed: seed, to: URL(fileURLWithPath: output))
    }
}
