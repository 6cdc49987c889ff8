import FinetuneCore
import FinetuneNN

/// Folds each inference-mode BatchNormalization into the convolution right before it (a
/// Conv2D or DepthwiseConv2D without a fused activation), so the exported graph has one Conv
/// where Finetune runs two layers: with s = γ/√(σ² + ε) per output channel,
/// W′ = W·s and b′ = (b − μ)·s + β, computed in Double and rounded once to Float.
/// The folded convolution keeps the convolution's name; any other BatchNormalization stays a
/// BatchNormalization operator.
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
