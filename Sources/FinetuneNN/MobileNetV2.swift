import FinetuneCore

/// MobileNetV2 (width multiplier 1.0) without its classifier (Sandler et al. 2018,
/// "MobileNetV2: Inverted Residuals and Linear Bottlenecks"), layer for layer Keras 3's
/// `keras.applications.MobileNetV2(alpha=1.0, include_top=False)`: the same layer names, order
/// and padding, BatchNormalization with epsilon 1e-3 and momentum 0.999, so Keras' weight files
/// (`model.save_weights` of Keras 3, the legacy
/// `mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5`) load into it unchanged.
///
/// `Conv1` (3×3/2 `same`, 32, no bias), `bn_Conv1`, `Conv1_relu` (ReLU6); 17 inverted residual
/// blocks — block 0 named `expanded_conv_…` without an expansion, blocks 1–16 `block_<i>_…`:
/// `expand` (1×1, 6× the input channels), `expand_BN`, `expand_relu`; for stride 2 `pad` (Keras'
/// `correct_pad`: one zero row/column fewer on top/left when the size is even) and a `valid`
/// depthwise convolution, else a `same` one: `depthwise` (3×3), `depthwise_BN`,
/// `depthwise_relu`; `project` (1×1, linear), `project_BN`; `add` when the block keeps shape.
/// Then `Conv_1` (1×1, 1280), `Conv_1_bn`, `out_relu`. No convolution has a bias.
/// 224×224×3 → 7×7×1280; 2,257,984 parameters (34,112 of them moving statistics).
package enum MobileNetV2 {
    /// Smallest height and width Keras accepts.
    package static let minimumSize = 32
    /// (output channels, stride, expansion) of blocks 0…16.
    package static let blocks: [(filters: Int, stride: Int, expansion: Int)] = [
        (16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6), (64, 2, 6), (64, 1, 6), (64, 1, 6),
        (64, 1, 6), (96, 1, 6), (96, 1, 6), (96, 1, 6), (160, 2, 6), (160, 1, 6), (160, 1, 6), (320, 1, 6),
    ]

    /// The network for `inputShape` (height, width, 3): kernels from `kernel` (given each
    /// kernel's shape), BatchNormalization gamma 1, beta 0, moving mean 0, moving variance 1
    /// (Keras' initial values). Named `mobilenetv2_1.00_<height>`, as Keras names it.
    package static func graph(inputShape: Shape, kernel: (Shape) -> Tensor) throws -> Graph {
        try Applications.requireImageInput(inputShape, network: "mobilenetv2", minimumSize: minimumSize)
        var g = GraphBuilder(input: inputShape)
        func channels(_ x: GraphBuilder.Node) -> Int { g.shapes[x.index].dimensions.last! }
        func conv(_ name: String, _ x: GraphBuilder.Node, filters: Int, size: Int, stride: Int = 1) throws -> GraphBuilder.Node {
            try g.add(Conv2D(name: name, kernel: kernel([size, size, channels(x), filters]), bias: nil,
                             strides: (stride, stride), padding: .same), to: x)
        }
        func bn(_ name: String, _ x: GraphBuilder.Node) throws -> GraphBuilder.Node {
            try g.add(BatchNormalization(name: name, channels: channels(x), momentum: 0.999, epsilon: 1e-3), to: x)
        }
        func relu6(_ name: String, _ x: GraphBuilder.Node) throws -> GraphBuilder.Node {
            try g.add(ReLU(maxValue: 6, name: name), to: x)
        }
        var x = try conv("Conv1", g.input, filters: 32, size: 3, stride: 2)
        x = try bn("bn_Conv1", x)
        x = try relu6("Conv1_relu", x)
        for (id, block) in blocks.enumerated() {
            let input = x, inputChannels = channels(x)
            let prefix = id == 0 ? "expanded_conv_" : "block_\(id)_"
            if id > 0 {
                x = try conv(prefix + "expand", x, filters: block.expansion * inputChannels, size: 1)
                x = try bn(prefix + "expand_BN", x)
                x = try relu6(prefix + "expand_relu", x)
            }
            if block.stride == 2 {
                let size = g.shapes[x.index].dimensions
                x = try g.add(ZeroPadding2D(name: prefix + "pad", padding: correctPad(height: size[1], width: size[2])), to: x)
            }
            x = try g.add(DepthwiseConv2D(name: prefix + "depthwise", kernel: kernel([3, 3, channels(x), 1]), bias: nil,
                                          strides: (block.stride, block.stride),
                                          padding: block.stride == 1 ? .same : .valid), to: x)
            x = try bn(prefix + "depthwise_BN", x)
            x = try relu6(prefix + "depthwise_relu", x)
            x = try conv(prefix + "project", x, filters: block.filters, size: 1)
            x = try bn(prefix + "project_BN", x)
            if inputChannels == block.filters && block.stride == 1 {
                x = try g.add(Add(name: prefix + "add"), to: input, x)
            }
        }
        x = try conv("Conv_1", x, filters: 1280, size: 1)
        x = try bn("Conv_1_bn", x)
        x = try relu6("out_relu", x)
        return try g.graph(output: x, name: "mobilenetv2_1.00_\(inputShape[0])")
    }

    /// Keras' `imagenet_utils.correct_pad` for a 3×3 kernel: ((top, bottom), (left, right)) zeros
    /// before a stride-2 `valid` convolution — (0, 1) on an axis of even size, (1, 1) on an odd one.
    package static func correctPad(height: Int, width: Int) -> ((Int, Int), (Int, Int)) {
        ((height % 2, 1), (width % 2, 1))
    }
}
