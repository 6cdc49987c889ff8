import FinetuneCore

/// A convolution, the inference-mode ``BatchNormalization`` right after it and the ReLU or ReLU6
/// after that, run as one kernel call: the normalization and the clamp are the convolution's
/// ``ChannelEpilogue``, applied to each block of its output while the block is in cache — no pass
/// over the whole tensor for each, no tensor in between. The values are those of the three layers
/// run one by one, bit for bit (the epilogue does the same float operations).
///
/// ``Graph`` runs a chain this way where nothing needs its gradient (a frozen base, the frozen
/// prefix of a partly trainable one, inference) and the normalization uses its moving statistics:
/// the convolution (``Conv2D`` or ``DepthwiseConv2D``, without a fused activation of its own) feeds
/// only the normalization, and the normalization only the activation (``ReLU`` with or without a
/// cap, or ``Activation`` ReLU); without such an activation, the convolution and the normalization
/// alone. A ``ZeroPadding2D`` that feeds only a depthwise convolution joins it too (MobileNetV2's
/// `block_<i>_pad`): the convolution skips the taps that would read its zeros. And an ``Add`` whose
/// sum feeds only a ReLU (ResNet50's `_add` → `_out`) runs as one pass, ``addReLUForward(_:)``.
struct InferenceFusion {
    /// Layers it replaces, from the convolution (or the padding before it) on (2 to 4).
    let layerCount: Int
    /// The first layer's inputs ↦ the last fused layer's output.
    let run: ([Tensor]) -> Tensor

    /// The fusion starting at layer `k` of `graph`, if layers k, k + 1 (, k + 2) form one.
    /// `wants` is ``Graph/gradientPlan(_:)``, `readers` the number of layers reading each node.
    static func starting(at k: Int, in graph: Graph, wants: [Bool], readers: [Int], context: ForwardContext,
                         exposingLogits: Bool) -> InferenceFusion? {
        let layers = graph.layers, inputs = graph.inputs
        if layers[k] is Add {
            guard k + 1 < layers.count, inputs[k + 1] == [k + 1], readers[k + 1] == 1, !wants[k + 2],
                  !(exposingLogits && k + 1 == layers.count - 1), isReLU(layers[k + 1]) else { return nil }
            KernelCounters.record(.inferenceFusion)
            return InferenceFusion(layerCount: 2, run: addReLUForward)
        }
        guard inputs[k].count == 1 else { return nil }
        // c: the convolution's index (k, or k + 1 after a padding).
        var c = k
        var prePadding: ZeroPadding2DAmounts?
        if let pad = layers[k] as? ZeroPadding2D {
            guard k + 1 < layers.count, inputs[k + 1] == [k + 1], readers[k + 1] == 1, !wants[k + 1],
                  let conv = layers[k + 1] as? DepthwiseConv2D, conv.padding == .valid else { return nil }
            prePadding = pad.amounts
            c = k + 1
        }
        guard c + 1 < layers.count, !wants[c + 2],
              let bn = layers[c + 1] as? BatchNormalization, inputs[c + 1] == [c + 1], readers[c + 1] == 1,
              !(context.mode == .training && bn.updatesState(trainable: context.trainable)) else { return nil }
        let convolve: (Tensor, ChannelEpilogue) -> Tensor
        if prePadding == nil, let conv = layers[c] as? Conv2D, conv.activation == .linear {
            convolve = { conv.forwardInference($0, epilogue: $1) }
        } else if let conv = layers[c] as? DepthwiseConv2D, conv.activation == .linear {
            convolve = { conv.forwardInference($0, prePadding: prePadding, epilogue: $1) }
        } else {
            return nil
        }
        var last = c + 1, clamp = ChannelEpilogue.Clamp.none
        if c + 2 < layers.count, inputs[c + 2] == [c + 2], readers[c + 2] == 1, !wants[c + 3],
           !(exposingLogits && c + 2 == layers.count - 1) {
            if let relu = layers[c + 2] as? ReLU {
                clamp = relu.maxValue.map { .cappedReLU($0) } ?? .relu
                last = c + 2
            } else if let activation = layers[c + 2] as? Activation, activation.function == .relu {
                clamp = .relu
                last = c + 2
            }
        }
        let epilogue = bn.inferenceEpilogue(clamp: clamp)
        KernelCounters.record(.inferenceFusion)
        return InferenceFusion(layerCount: last - k + 1, run: { convolve($0[0], epilogue) })
    }

    /// Whether `layer` is max(·, 0) itself: ``Activation`` ReLU or ``ReLU`` without a cap.
    private static func isReLU(_ layer: any Layer) -> Bool {
        (layer as? Activation)?.function == .relu || (layer is ReLU && (layer as? ReLU)?.maxValue == nil)
    }
}

extension BatchNormalization {
    /// This layer in inference mode (moving statistics), then `clamp`, as a convolution epilogue.
    func inferenceEpilogue(clamp: ChannelEpilogue.Clamp) -> ChannelEpilogue {
        KernelCounters.record(.batchNormForward)
        return ChannelEpilogue(mean: movingMean, variance: movingVariance, gamma: gamma, beta: beta,
                               epsilon: Float(epsilon), clamp: clamp)
    }
}
