import ArgumentParser
import Foundation
import Finetune
import FinetuneONNX

/// `finetune export`: a trained model's weights as a Keras 3 `.weights.h5` or as safetensors, or
/// the whole model as ONNX (`.onnx`, for ONNX Runtime).
package struct ExportCommand: ParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a checkpoint's weights as a Keras 3 .weights.h5 or a .safetensors file, or the model as ONNX.",
        discussion: """
        Keras 3 reads a .weights.h5 with model.load_weights into the same architecture; the command \
        prints the Keras code that builds it. A .safetensors file (Hugging Face's format, read by \
        the Python safetensors package without running code) holds every weight under its Keras \
        name (block1_conv1/kernel, dense/bias), float32, channels last, with the class names and \
        the model's description in its metadata; the command prints the Keras code that loads it, \
        and `finetune predict`, `evaluate` and `summary` take it like a checkpoint.

        An .onnx file is the whole network (opset 13) for ONNX Runtime: input `input`, float32 \
        NHWC images (N, height, width, 3) resized as for training, output `probabilities` (the \
        sigmoid or softmax layer), class names in the model's metadata (class_names). The input \
        is preprocessed as for training (--preprocessing of `finetune train`) unless \
        --include-preprocessing puts that step into the graph, which then takes 0-255 pixels.

        Examples:
          finetune export run1/phase2.ftckpt run1/model.weights.h5
          finetune export run1/phase2.ftckpt run1/model.safetensors
          finetune export run1/phase2.ftckpt run1/model.onnx --include-preprocessing
        """)

    @Argument(help: ArgumentHelp("A checkpoint written by `finetune train` (.ftckpt).", valueName: "checkpoint"))
    package var checkpoint: String

    @Argument(help: ArgumentHelp("Where to write: Keras weights (ending in .weights.h5), safetensors (.safetensors) or an ONNX model (.onnx).",
                                 valueName: "out.weights.h5|out.safetensors|out.onnx"))
    package var output: String

    @Flag(name: .customLong("include-preprocessing"), help: "ONNX only: the model's preprocessing (×1/255, caffe's BGR and mean subtraction, tf's x/127.5 - 1, …) as graph operators, so the model takes 0-255 RGB pixels.")
    package var includePreprocessing = false

    package init() {}

    package func validate() throws {
        guard output.hasSuffix(".weights.h5") || output.hasSuffix(".safetensors") || output.hasSuffix(".onnx") else {
            throw ValidationError("OUT must end in .weights.h5 (Keras 3 refuses other names in load_weights), "
                + ".safetensors or .onnx, got '\(output)'")
        }
        guard !includePreprocessing || output.hasSuffix(".onnx") else {
            throw ValidationError("--include-preprocessing applies to ONNX only: name an OUT ending in .onnx, got '\(output)'")
        }
    }

    package func run() throws {
        try runReportingErrors("export") {
            let trained = try TrainedModel.load(checkpoint)
            if output.hasSuffix(".onnx") {
                try exportONNX(trained)
                return
            }
            let url = URL(fileURLWithPath: output)
            if output.hasSuffix(".safetensors") {
                try KerasWeights.writeSafetensors(model: trained.model, to: url, classNames: trained.description.classNames,
                                                  metadata: [ModelDescription.metadataKey: try trained.description.encoded()])
            } else {
                try KerasWeights.write(model: trained.model, to: url)
            }
            print("Wrote \(output). Load it in Keras 3 with:\n")
            print(Self.kerasCode(trained.description, weights: output))
        }
    }

    /// Writes `trained` as ONNX and says what the model takes.
    func exportONNX(_ trained: TrainedModel) throws {
        let d = trained.description
        let preprocessing = try d.preprocessingValue()
        try ONNXExport.write(trained.model, classNames: d.classNames, preprocessing: preprocessing,
                             includePreprocessing: includePreprocessing, to: URL(fileURLWithPath: output))
        let takes = includePreprocessing
            ? "0-255 RGB pixels (preprocessing '\(d.preprocessing)' is in the graph)"
            : "RGB pixels preprocessed as for training ('\(d.preprocessing)'; --include-preprocessing puts it into the graph)"
        print("Wrote \(output) (ONNX opset \(ONNXExport.opset)): input '\(ONNXExport.inputName)' (N, \(d.imageHeight), "
              + "\(d.imageWidth), 3) float32, \(takes); output '\(ONNXExport.outputName)' "
              + "(\(d.isBinary ? "sigmoid: P(\(d.classNames[1]))" : "softmax over \(d.classNames.count) classes")); "
              + "class names in its metadata (class_names).")
    }

    /// Python that builds the architecture in Keras 3 and loads the exported weights.
    package static func kerasCode(_ d: ModelDescription, weights: String) -> String {
        let backbone = (try? d.backboneValue()) ?? .vgg16
        guard backbone == .vgg16 else { return graphKerasCode(d, backbone: backbone, weights: weights) }
        let base = d.baseWidths == VGG16.standardWidths
            ? "keras.applications.VGG16(include_top=False, weights=None, input_shape=(\(d.imageHeight), \(d.imageWidth), 3))"
            : "vgg16_with_widths(\(d.baseWidths))"
        let dropout = d.dropout > 0 ? "\n    keras.layers.Dropout(\(d.dropout))," : ""
        // Keras 3 names a variable of the Sequential's own layers `sequential/dense/kernel`, of the
        // base's `block1_conv1/kernel`: the last two parts are the file's tensor names.
        let load = weights.hasSuffix(".safetensors") ? """
            from safetensors.numpy import load_file
            tensors = load_file("\(weights)")
            for v in model.weights:
                v.assign(tensors["/".join(v.path.split("/")[-2:])])
            """ : "model.load_weights(\"\(weights)\")"
        let note = d.baseWidths == VGG16.standardWidths ? ""
            : "# vgg16_with_widths(w): VGG16's 13 convolutions (Keras names) with w filters per block, as a keras.Model named vgg16\n"
        return note + """
        import keras
        model = keras.Sequential([
            keras.Input((\(d.imageHeight), \(d.imageWidth), 3)),
            \(base),
            keras.layers.Flatten(),
            keras.layers.Dense(\(d.denseUnits), activation="relu", name="dense"),\(dropout)
            keras.layers.Dense(\(d.outputUnits), activation="\(d.isBinary ? "sigmoid" : "softmax")", name="dense_1"),
        ])
        \(load)
        # classes, in output order: \(d.classNames)
        """
    }

    /// The Keras 3 code for a model on a functional backbone: Keras' application, then the head
    /// (`GlobalAveragePooling2D → Dropout → Dense`). EfficientNet-Lite has no Keras application.
    static func graphKerasCode(_ d: ModelDescription, backbone: Backbone, weights: String) -> String {
        let application: String
        switch backbone {
        case .resnet50: application = "ResNet50"
        case .mobilenetv2: application = "MobileNetV2"
        default:
            return """
            # \(backbone.displayName) has no keras.applications model. \(weights) holds its weights under Keras-style names
            # (stem_conv/kernel, block1a_dwconv/kernel, …, dense/kernel); `finetune train --initial-weights \(weights)`
            # reads it, and `finetune export model.onnx` gives a model for ONNX Runtime.
            # classes, in output order: \(d.classNames)
            """
        }
        let dropout = d.dropout > 0 ? "\n    keras.layers.Dropout(\(d.dropout))," : ""
        let load = weights.hasSuffix(".safetensors") ? """
            from safetensors.numpy import load_file
            tensors = load_file("\(weights)")
            for v in model.weights:
                v.assign(tensors["/".join(v.path.split("/")[-2:])])
            """ : "model.load_weights(\"\(weights)\")"
        return """
        import keras
        model = keras.Sequential([
            keras.Input((\(d.imageHeight), \(d.imageWidth), 3)),
            keras.applications.\(application)(include_top=False, weights=None, input_shape=(\(d.imageHeight), \(d.imageWidth), 3)),
            keras.layers.GlobalAveragePooling2D(),\(dropout)
            keras.layers.Dense(\(d.outputUnits), activation="\(d.isBinary ? "sigmoid" : "softmax")", name="dense"),
        ])
        \(load)
        # inputs preprocessed as '\(d.preprocessing)'; classes, in output order: \(d.classNames)
        """
    }
}
