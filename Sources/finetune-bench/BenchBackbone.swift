import ArgumentParser
import Finetune

/// The network `finetune-bench compare` / `measure` time: Chollet's VGG16 classifier (the default)
/// or a BatchNormalization backbone — ResNet50, MobileNetV2, EfficientNet-Lite0 without its top —
/// with GlobalAveragePooling2D → Dense(1, sigmoid), as the Keras peer builds each
/// (`Peers/keras_peer.py --backbone`).
///
/// Phase 1 freezes the whole base (its BatchNormalization layers in inference mode); phase 2 trains
/// from ``phase2From`` on: VGG16 from `block5_conv1` (the recipe), ResNet50 from
/// `conv5_block1_1_conv` (stage 5), MobileNetV2 from `block_13_expand` (blocks 13–16 and `Conv_1`),
/// EfficientNet-Lite0 from `block6a_expand_conv` (its last two block groups, stages 6 and 7, and
/// the head).
enum BenchBackbone: String, ExpressibleByArgument, CaseIterable {
    case vgg16, resnet50, mobilenetv2
    case efficientNetLite0 = "efficientnet-lite0"

    /// The first trainable layer of phase 2.
    var phase2From: String {
        switch self {
        case .vgg16: return TwoPhaseRecipe.chollet.unfreezeFrom
        case .resnet50: return "conv5_block1_1_conv"
        case .mobilenetv2: return "block_13_expand"
        case .efficientNetLite0: return "block6a_expand_conv"
        }
    }

    /// The classifier for `image`×`image`×3 inputs, random weights from `rng`, and the name of
    /// its base (what phase 1 freezes).
    func model(image: Int, using rng: inout SeededRNG) throws -> (model: any Layer, base: String) {
        let shape: Shape = [image, image, 3]
        let base: any Layer
        switch self {
        case .vgg16:
            let model = try VGG16.binaryClassifier(inputShape: shape, denseUnits: TwoPhaseRecipe.chollet.denseUnits,
                                                   using: &rng)
            return (model, "vgg16")
        case .resnet50: base = try Applications.resNet50(inputShape: shape, using: &rng)
        case .mobilenetv2: base = try Applications.mobileNetV2(inputShape: shape, using: &rng)
        case .efficientNetLite0: base = try Applications.efficientNetLite(0, inputShape: shape, using: &rng)
        }
        let features = try base.outputShape(for: Shape([1] + shape.dimensions)).dimensions.last!
        let model = try Sequential(name: "classifier", inputShape: shape, [
            base, Layers.globalAveragePooling2D(name: "pool"),
            Layers.dense(name: "predictions", inputSize: features, units: 1, activation: .sigmoid, using: &rng),
        ])
        return (model, base.name)
    }
}
