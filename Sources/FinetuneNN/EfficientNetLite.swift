import FinetuneCore

/// EfficientNet-Lite0/1/2 (Tan & Le 2019, "EfficientNet: Rethinking Model Scaling for Convolutional
/// Neural Networks"; the Lite variants of TensorFlow's `efficientnet_lite_builder.py`: no
/// squeeze-excitation, ReLU6, stem and head not width-scaled) as a functional graph, the network
/// behind ``Applications/efficientNetLite(_:inputShape:includeTop:using:)``.
///
/// Layers follow Keras' `keras.applications.EfficientNetB0` names (without its squeeze-excitation
/// and stochastic-depth layers, which Lite does not have): `stem_conv`, `stem_bn`,
/// `stem_activation`; in block `block<stage><letter>` (stages 1…7, letters a, b, … for the repeats)
/// `_expand_conv`, `_expand_bn`, `_expand_activation` (not in stage 1, whose expansion ratio is 1),
/// `_dwconv`, `_bn`, `_activation`, `_project_conv`, `_project_bn` and `_add` (the residual, when the
/// block keeps stride 1 and its channel count); `top_conv`, `top_bn`, `top_activation`; with the top,
/// `avg_pool`, `top_dropout`, `predictions`. The torch checkpoint's modules map onto them one to one
/// (``torchModules(_:includeTop:)``).
package enum EfficientNetLite {
    /// One stage of the base network (Lite0): `repeats` blocks of kernel `kernel`, the first with
    /// stride `stride`, expansion ratio `expansion`, `input` → `output` channels.
    package struct Stage: Sendable, Equatable {
        package var repeats: Int, kernel: Int, stride: Int, expansion: Int, input: Int, output: Int
    }

    /// `efficientnet_lite_builder.py`'s block strings r1_k3_s11_e1_i32_o16 … r1_k3_s11_e6_i192_o320.
    package static let baseStages: [Stage] = [
        Stage(repeats: 1, kernel: 3, stride: 1, expansion: 1, input: 32, output: 16),
        Stage(repeats: 2, kernel: 3, stride: 2, expansion: 6, input: 16, output: 24),
        Stage(repeats: 2, kernel: 5, stride: 2, expansion: 6, input: 24, output: 40),
        Stage(repeats: 3, kernel: 3, stride: 2, expansion: 6, input: 40, output: 80),
        Stage(repeats: 3, kernel: 5, stride: 1, expansion: 6, input: 80, output: 112),
        Stage(repeats: 4, kernel: 5, stride: 2, expansion: 6, input: 112, output: 192),
        Stage(repeats: 1, kernel: 3, stride: 1, expansion: 6, input: 192, output: 320),
    ]

    /// Width and depth coefficients, native resolution and classifier dropout of Lite0…Lite2.
    package struct Variant: Sendable, Equatable {
        package var width: Double, depth: Double, resolution: Int, dropout: Float
    }

    package static let variants: [Variant] = [
        Variant(width: 1.0, depth: 1.0, resolution: 224, dropout: 0.2),
        Variant(width: 1.0, depth: 1.1, resolution: 240, dropout: 0.2),
        Variant(width: 1.1, depth: 1.2, resolution: 260, dropout: 0.3),
    ]

    /// The variant's native input: its resolution squared, 3 channels.
    package static func nativeShape(_ variant: Int) -> Shape {
        [variants[variant].resolution, variants[variant].resolution, 3]
    }

    /// Stem and head widths (fixed: Lite does not scale them).
    package static let stemFilters = 32
    package static let headFilters = 1280
    package static let classes = 1000
    package static let minimumSize = 32

    /// Channels scaled by `width` and rounded to a multiple of 8, never more than 10 % down
    /// (`round_filters`).
    package static func roundFilters(_ filters: Int, width: Double) -> Int {
        let scaled = Double(filters) * width
        var rounded = max(8, Int(scaled + 4) / 8 * 8)
        if Double(rounded) < 0.9 * scaled { rounded += 8 }
        return rounded
    }

    /// The stages of variant `v`: channels width-scaled, repeats depth-scaled (⌈d·r⌉) except the
    /// first and last stage's, and the first stage fed by the fixed 32-channel stem.
    package static func stages(_ v: Variant) -> [Stage] {
        baseStages.enumerated().map { i, stage in
            var s = stage
            s.input = i == 0 ? stemFilters : roundFilters(stage.input, width: v.width)
            s.output = roundFilters(stage.output, width: v.width)
            if i != 0 && i != baseStages.count - 1 {
                s.repeats = Int((v.depth * Double(stage.repeats)).rounded(.up))
            }
            return s
        }
    }

    /// A block's layer-name prefix: `block<stage><letter>`.
    static func blockName(stage: Int, repeat r: Int) -> String {
        "block\(stage + 1)\(Character(Unicode.Scalar(UInt8(ascii: "a") + UInt8(r))))"
    }

    /// The kind of a layer with weights, for mapping a checkpoint onto it.
    package enum Kind: Sendable, Equatable { case convolution, depthwise, batchNormalization, dense }

    /// Every layer with weights, in the checkpoint's module order: the torch module path
    /// (`_blocks.3._depthwise_conv`), this graph's layer name and the layer's kind.
    package static func torchModules(_ variant: Int, includeTop: Bool) -> [(torch: String, layer: String, kind: Kind)] {
        var modules: [(torch: String, layer: String, kind: Kind)] = [
            ("_conv_stem", "stem_conv", .convolution), ("_bn0", "stem_bn", .batchNormalization)]
        var index = 0
        for (s, stage) in stages(variants[variant]).enumerated() {
            for r in 0..<stage.repeats {
                let p = "_blocks.\(index).", b = blockName(stage: s, repeat: r)
                if stage.expansion != 1 {
                    modules += [(p + "_expand_conv", b + "_expand_conv", .convolution),
                                (p + "_bn0", b + "_expand_bn", .batchNormalization)]
                }
                modules += [(p + "_depthwise_conv", b + "_dwconv", .depthwise), (p + "_bn1", b + "_bn", .batchNormalization),
                            (p + "_project_conv", b + "_project_conv", .convolution),
                            (p + "_bn2", b + "_project_bn", .batchNormalization)]
                index += 1
            }
        }
        modules += [("_conv_head", "top_conv", .convolution), ("_bn1", "top_bn", .batchNormalization)]
        if includeTop { modules.append(("_fc", "predictions", .dense)) }
        return modules
    }

    /// The graph of variant 0, 1 or 2 for `inputShape` (height, width, 3; default the native
    /// square), its weights made by `initializer(shape)` (BatchNorm starts at γ = 1, β = 0, mean 0,
    /// variance 1). Every convolution pads as TensorFlow's `SAME` for the actual input size.
    package static func graph(_ variant: Int, inputShape: Shape?, includeTop: Bool,
                              initializer: (Shape) -> Tensor) throws -> Graph {
        let name = "efficientnet_lite\(variant)"
        guard variants.indices.contains(variant) else {
            throw LayerError.incompatibleInput(layer: name, input: inputShape ?? [],
                                               reason: "EfficientNet-Lite comes as variants 0, 1 and 2, not \(variant)")
        }
        let v = variants[variant]
        let shape = inputShape ?? nativeShape(variant)
        guard shape.rank == 3, shape[0] >= minimumSize, shape[1] >= minimumSize, shape[2] == 3 else {
            throw LayerError.incompatibleInput(layer: name, input: shape,
                                               reason: "EfficientNet-Lite takes (height, width, 3) with height and width ≥ \(minimumSize)")
        }
        var g = GraphBuilder(input: shape)
        func conv(_ name: String, _ x: GraphBuilder.Node, _ cin: Int, _ cout: Int, kernel k: Int = 1,
                  stride s: Int = 1) throws -> GraphBuilder.Node {
            try g.add(Conv2D(name: name, kernel: initializer([k, k, cin, cout]), bias: nil, strides: (s, s), padding: .same), to: x)
        }
        func bnRelu6(_ prefix: String, bn: String, activation: String, _ x: GraphBuilder.Node, _ c: Int,
                     relu: Bool = true) throws -> GraphBuilder.Node {
            let y = try g.add(BatchNormalization(name: prefix + bn, channels: c, momentum: 0.99, epsilon: 1e-3), to: x)
            return relu ? try g.add(ReLU(maxValue: 6, name: prefix + activation), to: y) : y
        }
        var x = try conv("stem_conv", g.input, 3, stemFilters, kernel: 3, stride: 2)
        x = try bnRelu6("stem", bn: "_bn", activation: "_activation", x, stemFilters)
        for (s, stage) in stages(v).enumerated() {
            for r in 0..<stage.repeats {
                let b = blockName(stage: s, repeat: r)
                let cin = r == 0 ? stage.input : stage.output
                let stride = r == 0 ? stage.stride : 1
                let expanded = cin * stage.expansion
                var y = x
                if stage.expansion != 1 {
                    y = try conv(b + "_expand_conv", y, cin, expanded)
                    y = try bnRelu6(b, bn: "_expand_bn", activation: "_expand_activation", y, expanded)
                }
                y = try g.add(DepthwiseConv2D(name: b + "_dwconv", kernel: initializer([stage.kernel, stage.kernel, expanded, 1]),
                                              bias: nil, strides: (stride, stride), padding: .same), to: y)
                y = try bnRelu6(b, bn: "_bn", activation: "_activation", y, expanded)
                y = try conv(b + "_project_conv", y, expanded, stage.output)
                y = try bnRelu6(b, bn: "_project_bn", activation: "", y, stage.output, relu: false)
                if stride == 1 && cin == stage.output { y = try g.add(Add(name: b + "_add"), to: y, x) }
                x = y
            }
        }
        x = try conv("top_conv", x, stages(v).last!.output, headFilters)
        x = try bnRelu6("top", bn: "_bn", activation: "_activation", x, headFilters)
        if includeTop {
            x = try g.add(GlobalAveragePooling2D(name: "avg_pool"), to: x)
            x = try g.add(Dropout(name: "top_dropout", rate: v.dropout), to: x)
            x = try g.add(Dense(name: "predictions", kernel: initializer([headFilters, classes]), bias: .zeros([classes]),
                                activation: .softmax), to: x)
        }
        return try g.graph(output: x, name: name)
    }
}
