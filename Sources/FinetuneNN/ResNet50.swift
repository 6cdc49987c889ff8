import FinetuneCore

/// ResNet50 without its classifier (He et al. 2016, "Deep Residual Learning for Image
/// Recognition"), layer for layer Keras 3's `keras.applications.ResNet50(include_top=False)`:
/// the same layer names, order, padding and BatchNormalization epsilon (1.001e-5), so Keras'
/// weight files — `model.save_weights` of Keras 3 and the legacy
/// `resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5` — load into it unchanged.
///
/// Stem: `conv1_pad` (3 zeros each side), `conv1_conv` (7×7/2, 64), `conv1_bn`, `conv1_relu`,
/// `pool1_pad` (1), `pool1_pool` (3×3/2 max). Then four stages `conv2`…`conv5` of 3, 4, 6, 3
/// bottleneck blocks with 64, 128, 256, 512 filters (×4 at each block's output); block
/// `conv<s>_block<b>`: `_1_conv` (1×1, stride 2 in the first block of stages 3–5), `_1_bn`,
/// `_1_relu`, `_2_conv` (3×3 `same`), `_2_bn`, `_2_relu`, `_3_conv` (1×1), `_3_bn`; the first
/// block of a stage has a projection shortcut `_0_conv` (1×1, same stride), `_0_bn`; `_add`
/// (shortcut + main path), `_out` (ReLU). Every convolution has a bias. 224×224×3 → 7×7×2048;
/// 23,587,712 parameters (53,120 of them moving statistics).
package enum ResNet50 {
    /// Smallest height and width Keras accepts.
    package static let minimumSize = 32
    /// Keras' epsilon for every BatchNormalization of ResNet50.
    package static let batchNormEpsilon = 1.001e-5
    /// (bottleneck filters, blocks, stride of the first block) per stage `conv2`…`conv5`.
    package static let stages: [(filters: Int, blocks: Int, stride: Int)] = [(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)]

    /// The network for `inputShape` (height, width, 3): kernels from `kernel` (given each
    /// kernel's shape), biases zero, BatchNormalization gamma 1, beta 0, moving mean 0, moving
    /// variance 1 (Keras' initial values). Named `resnet50`, as Keras names it.
    package static func graph(inputShape: Shape, kernel: (Shape) -> Tensor) throws -> Graph {
        try Applications.requireImageInput(inputShape, network: "resnet50", minimumSize: minimumSize)
        var g = GraphBuilder(input: inputShape)
        func conv(_ name: String, _ x: GraphBuilder.Node, filters: Int, size: Int, stride: Int = 1,
                  padding: Padding = .valid) throws -> GraphBuilder.Node {
            let channels = g.shapes[x.index].dimensions.last!
            let layer = try Conv2D(name: name, kernel: kernel([size, size, channels, filters]), bias: .zeros([filters]),
                                   strides: (stride, stride), padding: padding)
            return try g.add(layer, to: x)
        }
        func bn(_ name: String, _ x: GraphBuilder.Node) throws -> GraphBuilder.Node {
            try g.add(BatchNormalization(name: name, channels: g.shapes[x.index].dimensions.last!, epsilon: batchNormEpsilon),
                      to: x)
        }
        var x = try g.add(ZeroPadding2D(name: "conv1_pad", padding: ((3, 3), (3, 3))), to: g.input)
        x = try conv("conv1_conv", x, filters: 64, size: 7, stride: 2)
        x = try bn("conv1_bn", x)
        x = try g.add(Activation(.relu, name: "conv1_relu"), to: x)
        x = try g.add(ZeroPadding2D(name: "pool1_pad", padding: ((1, 1), (1, 1))), to: x)
        x = try g.add(MaxPool2D(name: "pool1_pool", poolSize: (3, 3), strides: (2, 2)), to: x)
        for (s, stage) in stages.enumerated() {
            for b in 1...stage.blocks {
                let name = "conv\(s + 2)_block\(b)"
                let stride = b == 1 ? stage.stride : 1
                var shortcut = x
                if b == 1 {
                    shortcut = try conv(name + "_0_conv", x, filters: 4 * stage.filters, size: 1, stride: stride)
                    shortcut = try bn(name + "_0_bn", shortcut)
                }
                var y = try conv(name + "_1_conv", x, filters: stage.filters, size: 1, stride: stride)
                y = try bn(name + "_1_bn", y)
                y = try g.add(Activation(.relu, name: name + "_1_relu"), to: y)
                y = try conv(name + "_2_conv", y, filters: stage.filters, size: 3, padding: .same)
                y = try bn(name + "_2_bn", y)
                y = try g.add(Activation(.relu, name: name + "_2_relu"), to: y)
                y = try conv(name + "_3_conv", y, filters: 4 * stage.filters, size: 1)
                y = try bn(name + "_3_bn", y)
                y = try g.add(Add(name: name + "_add"), to: shortcut, y)
                x = try g.add(Activation(.relu, name: name + "_out"), to: y)
            }
        }
        return try g.graph(output: x, name: "resnet50")
    }
}
