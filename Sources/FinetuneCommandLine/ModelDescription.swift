import Foundation
import Finetune

/// Everything needed to rebuild a trained model and feed it images, stored as JSON in the
/// checkpoint's metadata under ``metadataKey``, so `predict`, `evaluate`, `explain`, `summary`
/// and `export` need nothing but the checkpoint.
///
/// With the VGG16 backbone (the default, and every record written before `backbone` existed) the
/// model is Chollet's transfer-learning model (Deep Learning with Python, ch. 5) generalised to any
/// number of classes: the VGG16 base (`vgg16`), `Flatten` (`flatten`), `Dense(units, relu)`
/// (`dense`), optionally `Dropout` (`dropout`), and `dense_1`: `Dense(1, sigmoid)` for two classes
/// (binary cross-entropy), `Dense(classes, softmax)` for more (categorical cross-entropy).
///
/// With another backbone (``Backbone``) it is the head of Keras' transfer-learning guide (and of
/// timm and fastai): the base, `GlobalAveragePooling2D` (`global_average_pooling2d`), optionally
/// `Dropout` (`dropout`), and the output layer `Dense` (`dense`), sigmoid or softmax as above.
package struct ModelDescription: Codable, Sendable, Equatable {
    /// The metadata key holding the JSON.
    package static let metadataKey = "finetune.model"

    /// Format of this record.
    package var version = 1
    /// Class names in label order (the class folders, sorted as Keras sorts them).
    package var classNames: [String]
    package var imageHeight: Int
    package var imageWidth: Int
    /// `rescale` (×1/255), `caffe` (Keras' VGG16 `preprocess_input`) or `none`.
    package var preprocessing: String
    /// Filters of the five VGG16 blocks (``VGG16/standardWidths`` for the real network).
    package var baseWidths: [Int]
    /// Units of the hidden dense layer.
    package var denseUnits: Int
    /// Dropout rate before the output layer (0: no dropout layer).
    package var dropout: Float
    /// The ``Backbone`` (`--backbone` word); nil: VGG16 (records written before the field existed).
    package var backbone: String?
    /// The final activation, `sigmoid` or `softmax`, when it does not follow from the class count
    /// (a Keras model with two softmax outputs); `nil`: sigmoid for two classes, softmax otherwise.
    package var head: String?

    package init(classNames: [String], imageHeight: Int, imageWidth: Int, preprocessing: String = "rescale",
                baseWidths: [Int] = VGG16.standardWidths, denseUnits: Int = 256, dropout: Float = 0,
                backbone: Backbone = .vgg16) {
        self.classNames = classNames
        self.imageHeight = imageHeight
        self.imageWidth = imageWidth
        self.preprocessing = preprocessing
        self.baseWidths = baseWidths
        self.denseUnits = denseUnits
        self.dropout = dropout
        self.backbone = backbone == .vgg16 ? nil : backbone.rawValue
    }

    /// The backbone; throws for a word this version does not know (a record from a newer one).
    package func backboneValue() throws -> Backbone { try Backbone.named(backbone ?? Backbone.vgg16.rawValue, flag: "backbone") }

    /// Two classes: one sigmoid output; more: one softmax output per class.
    package var isBinary: Bool { head.map { $0 == "sigmoid" } ?? (classNames.count == 2) }
    package var outputUnits: Int { isBinary ? 1 : classNames.count }
    package var inputShape: Shape { [imageHeight, imageWidth, 3] }
    package var classMode: ClassMode { isBinary ? .binary : .categorical }
    package var loss: any Loss { isBinary ? BinaryCrossEntropy() : CategoricalCrossEntropy() }
    package var metric: any Metric { isBinary ? BinaryAccuracy() : CategoricalAccuracy() }

    /// The accepted `--preprocessing` words.
    package static let preprocessingNames = ["rescale", "caffe", "tf", "torch", "lite", "none"]

    /// Throws for an unknown preprocessing word.
    package func preprocessingValue() throws -> Preprocessing { try Self.preprocessing(named: preprocessing) }

    /// The preprocessing a `--preprocessing` word names: `rescale` (×1/255, Chollet's), Keras'
    /// `preprocess_input` modes `caffe`, `tf` and `torch`, `lite` (EfficientNet-Lite's
    /// (x − 127) / 128), or `none`.
    package static func preprocessing(named word: String) throws -> Preprocessing {
        switch word {
        case "rescale": return .rescale255
        case "caffe": return .caffe
        case "tf": return .tf
        case "torch": return .torch
        case "lite": return .normalized(mean: [127, 127, 127], std: [128, 128, 128])
        case "none": return .none
        default:
            throw CommandLineError.invalidValue(flag: "--preprocessing", value: word,
                                                expected: preprocessingNames.joined(separator: ", "))
        }
    }

    /// The model, Keras-initialised from `rng` (glorot-uniform kernels, zero biases), drawn in
    /// layer order as Keras draws them.
    package func makeModel(using rng: inout some RandomNumberGenerator) throws -> Sequential {
        try checkClasses()
        let base = try backboneValue().base(inputShape: inputShape, vggWidths: baseWidths, using: &rng)
        return try makeModel(base: base) { shape in .glorotUniform(shape, using: &rng) }
    }

    /// The model with all-zero weights, to be replaced by a checkpoint's.
    package func makeModel() throws -> Sequential {
        try checkClasses()
        return try makeModel(base: try backboneValue().base(inputShape: inputShape, vggWidths: baseWidths)) { .zeros($0) }
    }

    private func checkClasses() throws {
        guard classNames.count >= 2 else {
            throw CommandLineError.invalidValue(flag: "--data", value: classNames.joined(separator: ","),
                                                expected: "at least two class folders")
        }
    }

    private func makeModel(base: any Layer, initializer: (Shape) -> Tensor) throws -> Sequential {
        guard try backboneValue().hasFlattenHead else {
            let features = try base.outputShape(for: Shape([1] + inputShape.dimensions)).dimensions.last!
            var layers: [any Layer] = [base, GlobalAveragePooling2D(name: "global_average_pooling2d")]
            if dropout > 0 { layers.append(Dropout(name: "dropout", rate: dropout)) }
            layers.append(try Dense(name: "dense", kernel: initializer([features, outputUnits]), bias: .zeros([outputUnits]),
                                    activation: isBinary ? .sigmoid : .softmax))
            return try Sequential(name: "sequential", inputShape: inputShape, layers)
        }
        let features = try base.outputShape(for: Shape([1] + inputShape.dimensions)).scalarCount
        var layers: [any Layer] = [base, Flatten(name: "flatten"),
                                   try Dense(name: "dense", kernel: initializer([features, denseUnits]),
                                             bias: .zeros([denseUnits]), activation: .relu)]
        if dropout > 0 { layers.append(Dropout(name: "dropout", rate: dropout)) }
        layers.append(try Dense(name: "dense_1", kernel: initializer([denseUnits, outputUnits]), bias: .zeros([outputUnits]),
                                activation: isBinary ? .sigmoid : .softmax))
        return try Sequential(name: "sequential", inputShape: inputShape, layers)
    }

    /// Class probabilities of one output row: [1 − p, p] for a sigmoid head, the row itself for softmax.
    package func probabilities(outputRow row: ArraySlice<Float>) -> [Float] {
        isBinary ? [1 - row[row.startIndex], row[row.startIndex]] : Array(row)
    }

    // MARK: Checkpoint metadata

    /// The JSON text stored in the metadata.
    package func encoded() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// The description stored in `checkpoint`; throws ``CommandLineError/notATrainedModel(path:)``
    /// when it has none.
    package init(checkpoint: Checkpoint, path: String) throws {
        try self.init(metadata: checkpoint.metadata, path: path)
    }

    /// The description stored under ``metadataKey`` in a checkpoint's or a safetensors file's
    /// metadata; throws ``CommandLineError/notATrainedModel(path:)`` when it has none.
    package init(metadata: [String: String], path: String) throws {
        guard let text = metadata[Self.metadataKey],
              let value = try? JSONDecoder().decode(ModelDescription.self, from: Data(text.utf8)) else {
            throw CommandLineError.notATrainedModel(path: path)
        }
        self = value
    }
}
