import FinetuneCore

/// Keras' pretrained-network architectures (`keras.applications.*`) without their classifier
/// (`include_top=False`): the convolutional base a transfer-learning head goes on. Each network
/// has Keras 3's exact layer names, order and padding, so Keras' weight files load into it
/// (`KerasWeights.read(from:)` then `load(into:)`: Keras 3 `save_weights` files and the legacy
/// ImageNet files Keras downloads, such as `resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5`),
/// and freeze policies name its layers as Keras does (`FreezePolicy.from("conv5_block1_1_conv")`).
///
/// ```swift
/// var rng = SeededRNG(seed: 1)
/// var base = try Applications.resNet50(inputShape: [160, 160, 3], using: &rng)
/// try KerasWeights.read(from: notopFile).load(into: &base)
/// ```
///
/// No pooling is applied: the base returns the last feature map (NHWC); put
/// ``Layers/globalAveragePooling2D(name:)`` or ``Layers/globalMaxPooling2D(name:)`` in the head
/// (Keras' `pooling="avg"` / `"max"`). A frozen base runs its BatchNormalization layers in
/// inference mode and never updates their statistics, as Keras 3 does.
public enum Applications {
    /// ResNet50 (He et al. 2016), Keras' `ResNet50(include_top=False, input_shape=inputShape)`:
    /// (height, width, 3) with height and width ≥ 32 → (⌈height/32⌉, ⌈width/32⌉, 2048). Layers `conv1_pad` … `conv5_block3_out`; convolution kernels
    /// glorot-uniform from `rng`, biases zero, BatchNormalization at Keras' initial values
    /// (epsilon 1.001e-5). Throws ``LayerError`` for another input shape.
    public static func resNet50(inputShape: Shape = [224, 224, 3], using rng: inout some RandomNumberGenerator) throws -> any Layer {
        try ResNet50.graph(inputShape: inputShape, kernel: { .glorotUniform($0, using: &rng) })
    }

    /// MobileNetV2 with width multiplier 1.0 (Sandler et al. 2018), Keras' `MobileNetV2(alpha=1.0,
    /// include_top=False, input_shape=inputShape)`: (height, width, 3) with height and width ≥ 32
    /// → (⌈height/32⌉, ⌈width/32⌉, 1280). Layers `Conv1` … `out_relu`, ReLU6 activations;
    /// kernels glorot-uniform from `rng`, BatchNormalization at Keras' initial values (epsilon
    /// 1e-3, momentum 0.999). Throws ``LayerError`` for another input shape.
    public static func mobileNetV2(inputShape: Shape = [224, 224, 3], using rng: inout some RandomNumberGenerator) throws -> any Layer {
        try MobileNetV2.graph(inputShape: inputShape, kernel: { .glorotUniform($0, using: &rng) })
    }

    /// ResNet50 with all-zero kernels, placeholders for weights that will be loaded (Keras'
    /// `weights=` argument), without drawing 23 million random numbers first.
    package static func resNet50(inputShape: Shape = [224, 224, 3]) throws -> Graph {
        try ResNet50.graph(inputShape: inputShape, kernel: { .zeros($0) })
    }

    /// MobileNetV2 with all-zero kernels, placeholders for weights that will be loaded.
    package static func mobileNetV2(inputShape: Shape = [224, 224, 3]) throws -> Graph {
        try MobileNetV2.graph(inputShape: inputShape, kernel: { .zeros($0) })
    }

    /// Throws unless `shape` is (height, width, 3) with height and width ≥ `minimumSize`, Keras'
    /// `obtain_input_shape` check.
    static func requireImageInput(_ shape: Shape, network: String, minimumSize: Int) throws {
        guard shape.rank == 3, shape[0] >= minimumSize, shape[1] >= minimumSize, shape[2] == 3 else {
            throw LayerError.incompatibleInput(
                layer: network, input: shape,
                reason: "\(network) takes (height, width, 3) with height and width ≥ \(minimumSize), as Keras' does")
        }
    }
}
