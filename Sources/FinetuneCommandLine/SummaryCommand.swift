import ArgumentParser
import Foundation
import Finetune

/// `finetune summary`: Keras' `model.summary()` for a checkpoint, or the layers of a weights file.
package struct SummaryCommand: ParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "Show a model's layers, output shapes and parameter counts.",
        discussion: """
        For a Keras 3 .keras archive or a .safetensors file written by `finetune export`: the layer \
        table of the model its config or metadata describes. \
        For a checkpoint written by `finetune train`: the classes, image size and preprocessing, \
        then a Keras-style table of layers with the trainable and non-trainable counts of the phase \
        the checkpoint was saved in. For a Keras .h5 or other .safetensors weights file: its layers \
        with weights, their kind and parameter counts.

        Examples:
          finetune summary run1/phase2.ftckpt
          finetune summary ~/.keras/models/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5
        """)

    @Argument(help: ArgumentHelp("A .ftckpt checkpoint, a Keras 3 .keras archive, or a Keras .h5 or .safetensors weights file.", valueName: "checkpoint|weights.h5|weights.safetensors"))
    package var file: String

    package init() {}

    package func run() throws {
        try runReportingErrors("summary") { print(try output()) }
    }

    package func output() throws -> String {
        guard FileManager.default.fileExists(atPath: file) else { throw CommandLineError.missingFile(flag: "FILE", path: file) }
        if file.hasSuffix(".h5") { return try Self.weightsSummary(KerasWeights.readIsolated(from: URL(fileURLWithPath: file))) }
        if file.hasSuffix(".safetensors") {
            let weights = try KerasWeights.read(from: URL(fileURLWithPath: file))
            guard weights.metadata[ModelDescription.metadataKey] != nil else { return Self.weightsSummary(weights) }
        }
        let trained = try TrainedModel.load(file, argument: "FILE")
        if file.hasSuffix(".keras") || file.hasSuffix(".safetensors") {
            let d = trained.description
            return "\(file): \(file.hasSuffix(".keras") ? "Keras 3 archive" : "safetensors export"), input \(d.imageHeight)×\(d.imageWidth)×3, \(d.classNames.count) classes (\(d.isBinary ? "sigmoid" : "softmax") head)\n\n"
                + (try trained.model.summary()).description
        }
        let checkpoint = try Checkpoint.read(from: URL(fileURLWithPath: file))
        let trainable = (try? checkpoint.decodeTrainerState(TrainerState.self)).map { Set($0.trainable) }
        let d = trained.description
        let summary = try trained.model.summary(trainable: trainable, expandNested: false)
        var lines = ["classes: \(d.classNames.joined(separator: ", ")) (\(d.isBinary ? "sigmoid" : "softmax") head)",
                     "input: \(d.imageHeight)×\(d.imageWidth)×3, preprocessing: \(d.preprocessing)"]
        if let phase = checkpoint.metadata["phase"], let epoch = checkpoint.metadata["epoch"] {
            lines.append("saved after epoch \(epoch), phase \(phase)")
        }
        return (lines + ["", summary.description]).joined(separator: "\n")
    }

    /// A table of the layers with weights in a Keras weights file.
    static func weightsSummary(_ weights: KerasWeights) -> String {
        let width = max(weights.entries.map(\.label.count).max() ?? 5, 5)
        var lines = ["\(weights.file.lastPathComponent): \(weights.layout) layout, \(weights.entries.count) layers with weights", "",
                     "layer".padding(toLength: width, withPad: " ", startingAt: 0) + "  kind          params"]
        for entry in weights.entries {
            let params = entry.tensors.reduce(0) { $0 + $1.scalarCount }
            lines.append(entry.label.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                         + (entry.kind?.description ?? "other").padding(toLength: 12, withPad: " ", startingAt: 0)
                         + String(repeating: " ", count: max(0, 8 - ModelSummary.grouped(params).count)) + ModelSummary.grouped(params))
        }
        lines += ["", "Total params: \(ModelSummary.grouped(weights.parameterCount))"]
        return lines.joined(separator: "\n")
    }
}
