import FinetuneCore
import FinetuneNN

/// Weights trained elsewhere, mapped onto a Finetune network with the same layer layout: the
/// source's layers with weights (convolutions, depthwise convolutions, batch normalizations, dense
/// layers) are matched one to one, in order, with the network's — whatever their names — and every
/// shape is checked. The source is read into ``Layer`` values in Keras' layouts first (an ONNX
/// model by ``ONNXWeightReader``, a safetensors file by the tools).
///
/// Where the source has folded a BatchNormalization into the convolution it reads (ONNX
/// exporters do, `finetune export` too), the network's BatchNormalization gets the identity
/// (γ = 1, β = the convolution's bias when the network's convolution has none, else 0; mean 0,
/// variance 1 − ε) and the convolution the folded kernel and bias: the same function, so
/// fine-tuning starts from the same predictions. A source epsilon other than the network's is
/// moved into the variance (σ² + ε stays the same); a source convolution bias the network's
/// convolution lacks is moved into the BatchNormalization's mean. Layers the source has after the
/// network's last (a classifier) are left out and listed.
package enum WeightImport {
    /// A layer with weights read from the source, in Keras' layouts.
    package struct Layer: Sendable {
        package enum Kind: String, Sendable { case convolution, depthwise = "depthwise convolution",
                                                  batchNormalization = "batch normalization", dense }
        package var kind: Kind
        /// How the source names it (an ONNX node, a safetensors tensor prefix), for messages.
        package var label: String
        /// Conv (kh, kw, in, out); depthwise (kh, kw, channels, multiplier); dense (in, out).
        package var kernel: Tensor?
        package var bias: Tensor?
        /// Batch normalization: γ, β, moving mean, moving variance, epsilon (nil: unknown, taken as the network's).
        package var gamma: Tensor?, beta: Tensor?, mean: Tensor?, variance: Tensor?
        package var epsilon: Double?

        package init(kind: Kind, label: String, kernel: Tensor? = nil, bias: Tensor? = nil) {
            self.kind = kind
            self.label = label
            self.kernel = kernel
            self.bias = bias
        }

        package static func batchNormalization(label: String, gamma: Tensor, beta: Tensor, mean: Tensor, variance: Tensor,
                                               epsilon: Double?) -> Self {
            var layer = Self(kind: .batchNormalization, label: label)
            (layer.gamma, layer.beta, layer.mean, layer.variance, layer.epsilon) = (gamma, beta, mean, variance, epsilon)
            return layer
        }
    }

    /// What an import did besides copying.
    package struct Report: Sendable, Equatable {
        /// Network BatchNormalization layers set to the identity because the source had folded them.
        package var unfolded: [String] = []
        /// Source layers after the network's last one, left out.
        package var leftOut: [String] = []
    }

    /// `tensor` with its axes reordered: result axis i is input axis `order[i]` (OIHW → HWIO is [2, 3, 1, 0]).
    package static func transposed(_ tensor: Tensor, _ order: [Int]) -> Tensor {
        let dims = tensor.shape.dimensions
        return Tensor(shape: Shape(order.map { dims[$0] }), scalars: ONNXLayerConverters.permuted(tensor, order))
    }

    /// The network's layers with weights, in ``FinetuneNN/Layer/sublayers`` order (Keras' `model.layers`).
    static func weightedLayers(_ layer: any FinetuneNN.Layer) -> [any FinetuneNN.Layer] {
        if layer.sublayers.isEmpty {
            return layer is Conv2D || layer is DepthwiseConv2D || layer is BatchNormalization || layer is Dense ? [layer] : []
        }
        return layer.sublayers.flatMap(weightedLayers)
    }

    /// Sets `network`'s weights from `source` (see the type's overview); `file` names the source in errors.
    package static func load(_ source: [Layer], into network: inout some FinetuneNN.Layer, file: String) throws -> Report {
        let targets = weightedLayers(network)
        var report = Report()
        var values: [(key: String, value: Tensor)] = []
        var i = 0
        /// Biases the source's convolutions had and the network's have not, by convolution: into its BatchNormalization.
        var pendingBiases: [String: (tensor: Tensor, label: String)] = [:]
        let producers = convolutionsFeedingBatchNormalization(network)
        func fail(_ target: any FinetuneNN.Layer, _ problem: String) -> WeightImportError {
            WeightImportError.mismatch(file: file, source: i < source.count ? source[i].label : "(end of file)",
                                       layer: target.name, problem: problem)
        }
        func check(_ tensor: Tensor?, _ what: String, _ expected: Shape, _ target: any FinetuneNN.Layer) throws -> Tensor {
            guard let tensor else { throw fail(target, "it has no \(what)") }
            guard tensor.shape == expected else {
                throw fail(target, "its \(what) has shape \(tensor.shape), the network's \(target.name) needs \(expected)")
            }
            return tensor
        }
        for (t, target) in targets.enumerated() {
            let next = i < source.count ? source[i] : nil
            switch target {
            case let conv as Conv2D:
                guard let next, next.kind == .convolution else {
                    throw fail(target, "the network's layer with weights no. \(t + 1) is a convolution, the file's is \(next.map { "a \($0.kind.rawValue)" } ?? "missing")")
                }
                values.append((conv.name + ".kernel", try check(next.kernel, "kernel", conv.kernel.shape, target)))
                pendingBiases[conv.name] = try place(bias: next.bias, of: next, into: conv.bias, key: conv.name + ".bias",
                                                     &values, target, check)
                i += 1
            case let conv as DepthwiseConv2D:
                // Keras 3 names a depthwise kernel `kernel` too: a rank-4 Keras-layout kernel of the depthwise shape is one.
                guard let next, next.kind == .depthwise || (next.kind == .convolution && next.kernel?.shape == conv.kernel.shape) else {
                    throw fail(target, "the network's layer with weights no. \(t + 1) is a depthwise convolution, the file's is \(next.map { "a \($0.kind.rawValue)" } ?? "missing")")
                }
                values.append((conv.name + ".kernel", try check(next.kernel, "kernel", conv.kernel.shape, target)))
                pendingBiases[conv.name] = try place(bias: next.bias, of: next, into: conv.bias, key: conv.name + ".bias",
                                                     &values, target, check)
                i += 1
            case let bn as BatchNormalization:
                let c = bn.gamma.shape
                guard let next, next.kind == .batchNormalization else {
                    // Folded into the convolution before it by the source: the identity, plus any bias.
                    guard let producer = producers[bn.name] else {
                        throw fail(target, "the network's layer with weights no. \(t + 1) is a batch normalization, the file's is \(next.map { "a \($0.kind.rawValue)" } ?? "missing")")
                    }
                    let beta = try pendingBiases.removeValue(forKey: producer).map { try check($0.tensor, "bias", c, target) } ?? .zeros(c)
                    values += [(bn.name + ".gamma", Tensor(repeating: 1, shape: c)), (bn.name + ".beta", beta),
                               (bn.name + ".moving_mean", .zeros(c)),
                               (bn.name + ".moving_variance", Tensor(repeating: Float(1 - bn.epsilon), shape: c))]
                    report.unfolded.append(bn.name)
                    continue
                }
                var mean = try check(next.mean, "moving mean", c, target)
                var variance = try check(next.variance, "moving variance", c, target)
                if let producer = producers[bn.name], let bias = pendingBiases.removeValue(forKey: producer) {
                    // BN(x + b) with mean μ is BN(x) with mean μ − b.
                    mean = Tensor(shape: c, scalars: zip(mean.scalars, try check(bias.tensor, "bias", c, target).scalars).map { $0 - $1 })
                }
                if let sourceEpsilon = next.epsilon, Float(sourceEpsilon) != Float(bn.epsilon) {   // ONNX keeps a float32
                    let shift = sourceEpsilon - bn.epsilon
                    let moved = variance.scalars.map { Float(Double($0) + shift) }
                    if let bad = moved.firstIndex(where: { $0 < 0 }) {
                        throw fail(target, "its epsilon \(sourceEpsilon) is smaller than the network's \(bn.epsilon) and channel \(bad)'s "
                                   + "variance \(variance.scalars[bad]) cannot absorb the difference")
                    }
                    variance = Tensor(shape: c, scalars: moved)
                }
                values += [(bn.name + ".gamma", try check(next.gamma, "gamma", c, target)),
                           (bn.name + ".beta", try check(next.beta, "beta", c, target)),
                           (bn.name + ".moving_mean", mean), (bn.name + ".moving_variance", variance)]
                i += 1
            case let dense as Dense:
                guard let next, next.kind == .dense else {
                    throw fail(target, "the network's layer with weights no. \(t + 1) is a dense layer, the file's is \(next.map { "a \($0.kind.rawValue)" } ?? "missing")")
                }
                values.append((dense.name + ".kernel", try check(next.kernel, "kernel", dense.kernel.shape, target)))
                if let stray = try place(bias: next.bias, of: next, into: dense.bias, key: dense.name + ".bias", &values, target, check) {
                    throw fail(target, "it has a bias (\(stray.label)), the network's \(dense.name) has none")
                }
                i += 1
            default:
                continue
            }
        }
        if let (layer, stray) = pendingBiases.first {
            throw WeightImportError.mismatch(file: file, source: stray.label, layer: layer,
                                             problem: "it has a bias the network's \(layer) has no place for (no batch normalization reads it)")
        }
        report.leftOut = source[i...].map(\.label)
        for (key, value) in values { try network.setParameter(key, to: value) }
        return report
    }

    /// For each BatchNormalization that reads a convolution's output, that convolution's name: in a
    /// ``Graph`` by its edges (Keras orders ResNet50's `_0_conv` … `_3_conv` before `_0_bn`, `_3_bn`),
    /// in a ``Sequential`` the layer before.
    static func convolutionsFeedingBatchNormalization(_ layer: any FinetuneNN.Layer) -> [String: String] {
        var result: [String: String] = [:]
        func isConvolution(_ l: any FinetuneNN.Layer) -> Bool { l is Conv2D || l is DepthwiseConv2D }
        if let graph = layer as? Graph {
            for (k, l) in graph.layers.enumerated() where l is BatchNormalization {
                if let node = graph.inputs[k].first, node > 0, isConvolution(graph.layers[node - 1]) {
                    result[l.name] = graph.layers[node - 1].name
                }
            }
        } else if let sequential = layer as? Sequential {
            for (a, b) in zip(sequential.layers, sequential.layers.dropFirst()) where b is BatchNormalization && isConvolution(a) {
                result[b.name] = a.name
            }
        }
        for child in layer.sublayers { result.merge(convolutionsFeedingBatchNormalization(child)) { a, _ in a } }
        return result
    }

    /// Puts a source layer's bias where the network keeps it: its own bias (zeros when the source
    /// has none), or — the network's layer having none — returned, for the BatchNormalization after it.
    private static func place(bias: Tensor?, of source: Layer, into targetBias: Tensor?, key: String,
                              _ values: inout [(key: String, value: Tensor)], _ target: any FinetuneNN.Layer,
                              _ check: (Tensor?, String, Shape, any FinetuneNN.Layer) throws -> Tensor) throws -> (tensor: Tensor, label: String)? {
        if let targetBias {
            values.append((key, try bias.map { try check($0, "bias", targetBias.shape, target) } ?? .zeros(targetBias.shape)))
            return nil
        }
        guard let bias, bias.scalars.contains(where: { $0 != 0 }) else { return nil }
        return (bias, source.label)
    }
}
