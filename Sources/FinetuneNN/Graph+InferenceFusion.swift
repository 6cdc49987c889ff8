import FinetuneCore

/// A convolution, the inference-mode ``BatchNormalization`` reading it and what reads that — a ReLU
/// or ReLU6, or a residual block's ``Add`` (then, optionally, its ReLU) — run as one kernel call: the
/// normalization, the residual sum and the clamp are the convolution's ``ChannelEpilogue``, applied
/// to each block of its output while the block is in cache — no pass over the whole tensor for
/// each, no tensor in between. The values are those of the layers run one by one, bit for bit (the
/// epilogue does the same float operations).
///
/// ``Graph`` runs a chain this way where nothing needs its gradient (a frozen base, the frozen
/// prefix of a partly trainable one, inference) and the normalization uses its moving statistics:
/// the convolution (``Conv2D`` or ``DepthwiseConv2D``, without a fused activation of its own) feeds
/// only the normalization, and each later layer of the chain only the next. The layers need not be
/// adjacent in the graph's order: Keras' ResNet50 puts each stage's `_0_conv` and `_3_conv` before
/// their normalizations, and a residual `Add` after the other branch. The chain then runs in place
/// of its last layer, when the `Add`'s other input (the residual) is ready; until then nothing of it
/// is computed. A ``ZeroPadding2D`` that feeds only a depthwise convolution joins it too
/// (MobileNetV2's `block_<i>_pad`): the convolution skips the taps that would read its zeros. And an
/// ``Add`` that no chain takes, whose sum feeds only a ReLU, runs as one pass with it
/// (``addReLUForward(_:)``).
struct InferenceFusion {
    /// The layers it replaces, ascending; it runs in place of the last one and gives its output.
    let layers: [Int]
    /// The nodes it reads, in the order `run` takes them.
    let inputs: [Int]
    let run: ([Tensor]) -> Tensor

    /// The fusions of one run of `graph`, keyed by the layer each runs in place of, and for each
    /// layer whether a fusion replaces it. `wants` is ``Graph/gradientPlan(_:)``, `readers` the
    /// number of layers reading each node.
    static func plan(for graph: Graph, wants: [Bool], readers: [Int], context: ForwardContext,
                     exposingLogits: Bool) -> (byLast: [Int: InferenceFusion], replaced: [Bool]) {
        let layers = graph.layers, inputs = graph.inputs
        var readerLayers = [[Int]](repeating: [], count: layers.count + 1)
        for (k, from) in inputs.enumerated() { for node in from { readerLayers[node].append(k) } }
        var claimed = [Bool](repeating: false, count: layers.count)
        var replaced = [Bool](repeating: false, count: layers.count)
        var byLast: [Int: InferenceFusion] = [:]
        // The only layer reading node `node`, if it reads nothing else (when `alone`), is free and
        // gives an output nobody wants a gradient of, and is not the logits a caller asked for.
        func soleReader(of node: Int, alone: Bool = true) -> Int? {
            guard readers[node] == 1, let r = readerLayers[node].first, !claimed[r], !wants[r + 1],
                  !(exposingLogits && r == layers.count - 1) else { return nil }
            return alone && inputs[r] != [node] ? nil : r
        }
        for k in layers.indices where !claimed[k] {
            guard let fusion = chain(at: k) ?? addReLU(at: k) else { continue }
            for j in fusion.layers { claimed[j] = true }
            for j in fusion.layers.dropLast() { replaced[j] = true }
            byLast[fusion.layers.last!] = fusion
            KernelCounters.record(.inferenceFusion)
        }

        func addReLU(at k: Int) -> InferenceFusion? {
            guard layers[k] is Add, !wants[k + 1], let r = soleReader(of: k + 1), isReLU(layers[r]) else { return nil }
            return InferenceFusion(layers: [k, r], inputs: inputs[k], run: addReLUForward)
        }

        func chain(at k: Int) -> InferenceFusion? {
            guard inputs[k].count == 1 else { return nil }
            // c: the convolution's index (k, or the padding's only reader).
            var c = k
            var prePadding: ZeroPadding2DAmounts?
            if let pad = layers[k] as? ZeroPadding2D {
                guard !wants[k + 1], let next = soleReader(of: k + 1), let conv = layers[next] as? DepthwiseConv2D,
                      conv.padding == .valid else { return nil }
                prePadding = pad.amounts
                c = next
            }
            let convolve: (Tensor, ChannelEpilogue) -> Tensor
            if prePadding == nil, let conv = layers[c] as? Conv2D, conv.activation == .linear {
                convolve = { conv.forwardInference($0, epilogue: $1) }
            } else if let conv = layers[c] as? DepthwiseConv2D, conv.activation == .linear {
                convolve = { conv.forwardInference($0, prePadding: prePadding, epilogue: $1) }
            } else {
                return nil
            }
            guard let b = soleReader(of: c + 1), let bn = layers[b] as? BatchNormalization,
                  !(context.mode == .training && bn.updatesState(trainable: context.trainable)) else { return nil }
            var chain = prePadding == nil ? [c, b] : [k, c, b]
            var clamp = ChannelEpilogue.Clamp.none
            var residual: Int?
            if let r = soleReader(of: b + 1, alone: false) {
                if let activation = Self.clamp(of: layers[r]), inputs[r] == [b + 1] {
                    clamp = activation
                    chain.append(r)
                } else if layers[r] is Add, inputs[r].count == 2, let other = inputs[r].first(where: { $0 != b + 1 }) {
                    residual = other
                    chain.append(r)
                    if let q = soleReader(of: r + 1), let activation = Self.clamp(of: layers[q]) {
                        clamp = activation
                        chain.append(q)
                    }
                }
            }
            let epilogue = bn.inferenceEpilogue(clamp: residual == nil ? clamp : .none)
            let run: ([Tensor]) -> Tensor
            if residual != nil {
                run = { convolve($0[0], epilogue.adding(residual: $0[1], clamp: clamp)) }
            } else {
                run = { convolve($0[0], epilogue) }
            }
            return InferenceFusion(layers: chain, inputs: inputs[k] + (residual.map { [$0] } ?? []), run: run)
        }
        return (byLast, replaced)
    }

    /// The clamp `layer` is, if it is one: ``Activation`` ReLU, or ``ReLU`` with or without a cap.
    private static func clamp(of layer: any Layer) -> ChannelEpilogue.Clamp? {
        if (layer as? Activation)?.function == .relu { return .relu }
        guard let relu = layer as? ReLU else { return nil }
        return relu.maxValue.map { .cappedReLU($0) } ?? .relu
    }

    /// Whether `layer` is max(·, 0) itself: ``Activation`` ReLU or ``ReLU`` without a cap.
    private static func isReLU(_ layer: any Layer) -> Bool { clamp(of: layer) == .relu }
}

extension BatchNormalization {
    /// This layer in inference mode (moving statistics), then `clamp`, as a convolution epilogue.
    func inferenceEpilogue(clamp: ChannelEpilogue.Clamp) -> ChannelEpilogue {
        KernelCounters.record(.batchNormForward)
        return ChannelEpilogue(mean: movingMean, variance: movingVariance, gamma: gamma, beta: beta,
                               epsilon: Float(epsilon), clamp: clamp)
    }
}
