import ArgumentParser
import Foundation
import Finetune
import FinetuneONNX

/// `finetune import`: a backbone trained elsewhere — an ONNX model or a safetensors file with the
/// backbone's layer layout — as a Keras-named safetensors file that `finetune train --weights`
/// reads.
package struct ImportCommand: ParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Turn an ONNX or safetensors VGG16 / ResNet50 / MobileNetV2 into Keras-named weights for finetune train.",
        discussion: """
        The file's layers with weights (convolutions, depthwise convolutions, batch normalizations, \
        dense layers) must come in the backbone's order, as Keras builds it; their names do not \
        matter. Each is mapped onto the backbone's Keras layer, converted to Keras' layout \
        (ONNX and PyTorch OIHW kernels to HWIO, dense (out, in) to (in, out)) and checked shape by \
        shape; the first layer that does not fit is named with both shapes. A batch normalization \
        the exporter folded into its convolution becomes the identity after the folded \
        convolution (the same function). Layers after the backbone's last (a classifier) are left \
        out and listed.

        ONNX: Conv, BatchNormalization, Gemm and MatMul nodes in graph order, weights as \
        initializers or Constant nodes. Safetensors: tensors grouped by name up to the last '/' or \
        '.', in the file's order; Keras names (kernel, bias, gamma, beta, moving_mean, \
        moving_variance) are Keras layouts, PyTorch names (weight, bias, running_mean, running_var) \
        PyTorch layouts; PyTorch's integer num_batches_tracked counters are left out.

        Examples:
          finetune import mobilenetv2.onnx --backbone mobilenetv2 --out mnv2.safetensors
          finetune train --data photos --out run1 --backbone mobilenetv2 --weights mnv2.safetensors
        """)

    @Argument(help: ArgumentHelp("The model or weights to import (.onnx or .safetensors).", valueName: "file"))
    package var file: String

    @Option(help: ArgumentHelp("The layer layout of the file: \(Backbone.names).", valueName: "name"))
    package var backbone: Backbone

    @Option(help: ArgumentHelp("Where to write the Keras-named weights (ending in .safetensors).", valueName: "out.safetensors"))
    package var out: String

    package init() {}

    package func validate() throws {
        guard file.hasSuffix(".onnx") || file.hasSuffix(".safetensors") else {
            throw ValidationError("FILE must be an ONNX model (.onnx) or a safetensors file (.safetensors), got '\(file)'")
        }
        guard out.hasSuffix(".safetensors") else {
            throw ValidationError("--out must end in .safetensors (finetune train --weights reads it), got '\(out)'")
        }
    }

    package func run() throws {
        try runReportingErrors("import") {
            var base = try backbone.base(inputShape: [64, 64, 3])
            let report = try Self.importWeights(from: file, into: &base)
            try KerasWeights.writeSafetensors(model: base, to: URL(fileURLWithPath: out))
            var lines = ["Wrote \(out): \(base.parameters.count) \(backbone.rawValue) tensors from \(file)."]
            if !report.unfolded.isEmpty {
                lines.append("Batch normalizations folded into their convolutions in the file: \(report.unfolded.count) "
                             + "(first: \(report.unfolded[0])); each is the identity after its folded convolution.")
            }
            if !report.leftOut.isEmpty {
                lines.append("Left out, after the backbone's last layer: \(report.leftOut.joined(separator: ", ")).")
            }
            lines.append("Train on it with: finetune train --backbone \(backbone.rawValue) --weights \(out) --data DIR --out RUN")
            print(lines.joined(separator: "\n"))
        }
    }

    /// Reads `file` (ONNX or safetensors) and loads its weights into `base`.
    package static func importWeights(from file: String, into base: inout any Layer) throws -> WeightImport.Report {
        let url = URL(fileURLWithPath: file)
        let layers: [WeightImport.Layer]
        if file.hasSuffix(".onnx") {
            let data: Data
            do { data = try Data(contentsOf: url) } catch {
                throw WeightImportError.unreadable(file: file, what: "the file", problem: "it cannot be read (\(error.localizedDescription))")
            }
            layers = try ONNXWeightReader.layers(of: data, file: file)
        } else {
            layers = try safetensorsLayers(try KerasWeights.read(from: url), file: file)
        }
        return try WeightImport.load(layers, into: &base, file: file)
    }

    /// A safetensors file's tensors grouped into layers by the name up to the last `/` or `.`, in
    /// file order, each read by its weight names (Keras' or PyTorch's).
    static func safetensorsLayers(_ weights: KerasWeights, file: String) throws -> [WeightImport.Layer] {
        var groups: [(prefix: String, tensors: [String: Tensor])] = []
        var index: [String: Int] = [:]
        for entry in weights.entries {
            for (name, tensor) in zip(entry.tensorNames, entry.tensors) {
                let cut = name.lastIndex { $0 == "/" || $0 == "." }
                let prefix = cut.map { String(name[..<$0]) } ?? ""
                let weight = cut.map { String(name[name.index(after: $0)...]) } ?? name
                if let at = index[prefix] { groups[at].tensors[weight] = tensor } else {
                    index[prefix] = groups.count
                    groups.append((prefix, [weight: tensor]))
                }
            }
        }
        let transposed = WeightImport.transposed
        return try groups.compactMap { prefix, t -> WeightImport.Layer? in
            let label = prefix.isEmpty ? "(top level)" : prefix
            if let mean = t["moving_mean"] ?? t["running_mean"] {
                guard let gamma = t["gamma"] ?? t["weight"], let beta = t["beta"] ?? t["bias"],
                      let variance = t["moving_variance"] ?? t["running_var"] else {
                    throw WeightImportError.unreadable(file: file, what: "batch normalization '\(label)'",
                                                       problem: "it lacks gamma/weight, beta/bias or moving_variance/running_var")
                }
                return .batchNormalization(label: label, gamma: gamma, beta: beta, mean: mean, variance: variance, epsilon: nil)
            }
            if let kernel = t["depthwise_kernel"] {   // Keras (kh, kw, C, M)
                return .init(kind: .depthwise, label: label, kernel: kernel, bias: t["bias"])
            }
            if let kernel = t["kernel"] {   // Keras (kh, kw, in, out) or (in, out)
                return .init(kind: kernel.rank == 4 ? .convolution : .dense, label: label, kernel: kernel, bias: t["bias"])
            }
            if let w = t["weight"] {   // PyTorch (out, in/groups, kh, kw) or (out, in)
                switch w.rank {
                case 2: return .init(kind: .dense, label: label, kernel: transposed(w, [1, 0]), bias: t["bias"])
                case 4 where w.shape[1] == 1 && w.shape[0] > 1:
                    // A depthwise kernel (C, 1, kh, kw), multiplier 1; a 1-input-channel convolution has no group to tell it apart.
                    return .init(kind: .depthwise, label: label, kernel: transposed(w, [2, 3, 0, 1]), bias: t["bias"])
                case 4: return .init(kind: .convolution, label: label, kernel: transposed(w, [2, 3, 1, 0]), bias: t["bias"])
                default: break
                }
            }
            return nil
        }
    }
}
