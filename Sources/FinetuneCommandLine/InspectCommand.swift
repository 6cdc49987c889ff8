import ArgumentParser
import Foundation
import Finetune

/// `finetune inspect`: what a Keras weights file (HDF5 or safetensors) holds, as Finetune reads it.
package struct InspectCommand: ParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "List the weights in a Keras .h5 or .safetensors file: keys, shapes and the detected layout.",
        discussion: """
        Shows the layout Finetune detected (keras2: `save_weights("x.h5")` and Keras' downloaded \
        VGG16 files; keras3: `save_weights("x.weights.h5")`; hedBackbone: the HED weights; \
        safetensors: tensors named <layer>/<weight>, with the file's metadata), then every layer \
        with weights, each tensor's shape, and which VGG16 layer it would load into (safetensors \
        load by name).

        Examples:
          finetune inspect ~/.keras/models/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5
          finetune inspect run1/model.weights.h5
          finetune inspect run1/model.safetensors
        """)

    @Argument(help: ArgumentHelp("A Keras .h5 or .safetensors weights file.", valueName: "weights.h5|weights.safetensors"))
    package var file: String

    package init() {}

    package func run() throws {
        try runReportingErrors("inspect") { print(try output()) }
    }

    package func output() throws -> String {
        guard FileManager.default.fileExists(atPath: file) else { throw CommandLineError.missingFile(flag: "WEIGHTS", path: file) }
        let weights = try KerasWeights.readIsolated(from: URL(fileURLWithPath: file))
        var lines = ["file: \(file)", "layout: \(weights.layout)",
                     "layers with weights: \(weights.entries.count), parameters: \(ModelSummary.grouped(weights.parameterCount))", ""]
        var convolutions = 0
        let vggNames = zip(1..., VGG16.blockDepths).flatMap { b, depth in (1...depth).map { "block\(b)_conv\($0)" } }
        for (key, value) in weights.metadata.sorted(by: { $0.key < $1.key }) {
            let shown = value.count > 200 ? value.prefix(200) + "… (\(value.count) characters)" : value
            lines.insert("metadata \(key): \(shown)", at: lines.count - 1)
        }
        for entry in weights.entries {
            if weights.layout == .safetensors {
                lines.append(zip(entry.tensorNames, entry.tensors).map { "\($0): \($1.shape)" }.joined(separator: ", "))
                continue
            }
            let shapes = entry.tensors.map { "\($0.shape)" }.joined(separator: ", ")
            var target = ""
            if entry.kind == .convolution {
                if convolutions < vggNames.count { target = "  → \(vggNames[convolutions])" }
                convolutions += 1
            }
            lines.append("\(entry.label): \(entry.kind?.description ?? "other") \(shapes)\(target)")
        }
        return lines.joined(separator: "\n")
    }
}
