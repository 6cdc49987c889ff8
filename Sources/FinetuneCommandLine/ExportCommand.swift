import ArgumentParser
import Foundation
import Finetune

/// `finetune export`: a trained model's weights as a Keras 3 `.weights.h5`.
package struct ExportCommand: ParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a checkpoint's weights as a Keras 3 .weights.h5.",
        discussion: """
        Keras 3 reads the file with model.load_weights into the same architecture; the command \
        prints the Keras code that builds it.

        Example:
          finetune export run1/phase2.ftckpt run1/model.weights.h5
        """)

    @Argument(help: ArgumentHelp("A checkpoint written by `finetune train` (.ftckpt).", valueName: "checkpoint"))
    package var checkpoint: String

    @Argument(help: ArgumentHelp("Where to write the Keras weights (should end in .weights.h5).", valueName: "out.weights.h5"))
    package var output: String

    package init() {}

    package func validate() throws {
        guard output.hasSuffix(".weights.h5") else {
            throw ValidationError("OUT must end in .weights.h5 (Keras 3 refuses other names in load_weights), got '\(output)'")
        }
    }

    package func run() throws {
        try runReportingErrors("export") {
            let trained = try TrainedModel.load(checkpoint)
            try KerasWeights.write(model: trained.model, to: URL(fileURLWithPath: output))
            print("Wrote \(output). Load it in Keras 3 with:\n")
            print(Self.kerasCode(trained.description, weights: output))
        }
    }

    /// Python that builds the architecture in Keras 3 and loads the exported weights.
    package static func kerasCode(_ d: ModelDescription, weights: String) -> String {
        let base = d.baseWidths == VGG16.standardWidths
            ? "keras.applications.VGG16(include_top=False, weights=None, input_shape=(\(d.imageHeight), \(d.imageWidth), 3))"
            : "vgg16_with_widths(\(d.baseWidths))"
        let dropout = d.dropout > 0 ? "\n    keras.layers.Dropout(\(d.dropout))," : ""
        let note = d.baseWidths == VGG16.standardWidths ? ""
            : "# vgg16_with_widths(w): VGG16's 13 convolutions (Keras names) with w filters per block, as a keras.Model named vgg16\n"
        return note + """
        import keras
        model = keras.Sequential([
            keras.Input((\(d.imageHeight), \(d.imageWidth), 3)),
            \(base),
            keras.layers.Flatten(),
            keras.layers.Dense(\(d.denseUnits), activation="relu"),\(dropout)
            keras.layers.Dense(\(d.outputUnits), activation="\(d.isBinary ? "sigmoid" : "softmax")"),
        ])
        model.load_weights("\(weights)")
        # classes, in output order: \(d.classNames)
        """
    }
}
