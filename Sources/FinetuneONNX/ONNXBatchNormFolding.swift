import FinetuneCore
import FinetuneNN

/// Folds each inference-mode BatchNormalization into the convolution right before it (a
/// Conv2D or DepthwiseConv2D without a fused activation), so the exported graph has one Conv
/// where Finetune runs two layers: with s = γ/√(σ² + ε) per output channel,
/// W′ = W·s and b′ = (b − μ)·s + β, computed in Double and rounded once to Float.
/// The folded convolution keeps the convolution's name; any other BatchNormalization stays a
/// BatchNormalization operator. In a ``Graph`` a convolution absorbs the BatchNormalization
/// that reads it only when nothing else reads the convolution's output.
enum ONNXBatchNormFolding {
    static func fold(_ layers: [any Layer]) -> [any Layer] {
        var result: [any Layer] = []
        var i = 0
        while i < layers.count {
            if i + 1 < layers.count, let bn = layers[i + 1] as? BatchNormalization, let folded = fold(layers[i], bn) {
                result.append(folded)
                i += 2
            } else {
                result.append(layers[i])
                i += 1
            }
        }
        return result
    }

    /// A graph's layers in order, each with the nodes it reads (as ``Graph/inputs``); a folded
    /// BatchNormalization becomes a step without a layer whose node is its convolution's, and the
    /// convolution the folded one.
    static func fold(_ graph: Graph) -> [(layer: (any Layer)?, inputs: [Int])] {
        var readers = Array(repeating: 0, count: graph.layers.count + 1)
        for from in graph.inputs { for node in from { readers[node] += 1 } }
        var steps: [(layer: (any Layer)?, inputs: [Int])] = Array(zip(graph.layers.map { Optional($0) }, graph.inputs))
        for (j, layer) in graph.layers.enumerated() {
            guard let bn = layer as? BatchNormalization, let node = graph.inputs[j].first, node > 0,
                  readers[node] == 1, let convolution = steps[node - 1].layer, let folded = fold(convolution, bn) else { continue }
            steps[node - 1].layer = folded
            steps[j].layer = nil
        }
        return steps
    }

    /// `layer` with `bn` folded in, or `nil` when it cannot absorb it.
    static func fold(_ layer: any Layer, _ bn: BatchNormalization) -> (any Layer)? {
        if let conv = layer as? Conv2D, conv.activation == .linear, conv.filters == bn.gamma.scalarCount {
            let (kernel, bias) = scaled(kernel: conv.kernel, bias: conv.bias, bn)
            return try? Conv2D(name: conv.name, kernel: kernel, bias: bias, strides: conv.strides, padding: conv.padding)
        }
        if let conv = layer as? DepthwiseConv2D, conv.activation == .linear,
           conv.kernel.shape[2] * conv.kernel.shape[3] == bn.gamma.scalarCount {
            let (kernel, bias) = scaled(kernel: conv.kernel, bias: conv.bias, bn)
            return try? DepthwiseConv2D(name: conv.name, kernel: kernel, bias: bias, strides: conv.strides, padding: conv.padding)
        }
        return nil
    }

    /// The kernel and bias with `bn` folded in. A scalar's output channel is its flat index
    /// modulo the channel count, in HWIO as in (kh, kw, C, M) (channel c·M + m).
    private static func scaled(kernel: Tensor, bias: Tensor?, _ bn: BatchNormalization)
        -> (Tensor, Tensor) {
        let gamma = bn.gamma.scalars, beta = bn.beta.scalars, mean = bn.movingMean.scalars, variance = bn.movingVariance.scalars
        let scale = gamma.indices.map { Double(gamma[$0]) / (Double(variance[$0]) + bn.epsilon).squareRoot() }
        let channels = scale.count
        let w = kernel.scalars
        let folded = w.indices.map { Float(Double(w[$0]) * scale[$0 % channels]) }
        let b = bias?.scalars ?? [Float](repeating: 0, count: channels)
        let foldedBias = (0..<channels).map { Float((Double(b[$0]) - Double(mean[$0])) * scale[$0] + Double(beta[$0])) }
        return (Tensor(shape: kernel.shape, scalars: folded), Tensor(shape: [channels], scalars: foldedBias))
    }
}
