import Finetune

/// Grad-CAM (Selvaraju et al. 2017, "Grad-CAM: Visual Explanations from Deep Networks via
/// Gradient-based Localization"), as Keras' Grad-CAM example computes it: for a convolution layer
/// with output A (h × w × k) and a class score y — the logit before the final softmax/sigmoid —
/// α_k = mean over (i, j) of ∂y/∂A_ijk, and the heatmap is relu(Σ_k α_k A_ijk) divided by its
/// maximum (all zeros when nothing is positive).
///
/// For a sigmoid head the score of class 1 is the logit z and the score of class 0 is −z.
package struct GradCAM {
    /// The model's leaf layers up to and including the explained layer.
    let prefix: Sequential
    /// The rest of the model, ending in the output layer.
    let suffix: Sequential
    let isBinary: Bool
    /// The explained layer's name.
    package let layerName: String

    /// Explains `layer` (default: the last ``Conv2D``, or the output of a functional base, whose
    /// last layers are its last convolution's activation) of `model`, a ``Sequential`` whose nested
    /// sequential models are flattened into their layers; a functional base counts as one layer. Throws when the layer does not exist or is last.
    package init(model: Sequential, layer: String? = nil, isBinary: Bool) throws {
        let leaves = Self.leaves(of: model)
        let target: Int
        if let layer {
            guard let index = leaves.firstIndex(where: { $0.name == layer }) else {
                throw CommandLineError.invalidValue(flag: "--layer", value: layer,
                                                    expected: "one of the model's layers: \(leaves.map(\.name).joined(separator: ", "))")
            }
            target = index
        } else {
            // A functional base (ResNet50, MobileNetV2, EfficientNet-Lite) is one leaf here: its
            // output, the last convolution's activation map, is what Keras' Grad-CAM example explains.
            guard let index = leaves.lastIndex(where: { $0 is Conv2D || $0 is Graph }) else {
                throw CommandLineError.invalidValue(flag: "--layer", value: "(last convolution)", expected: "a model with a Conv2D layer")
            }
            target = index
        }
        guard target < leaves.count - 1 else {
            throw CommandLineError.invalidValue(flag: "--layer", value: leaves[target].name, expected: "a layer before the output layer")
        }
        prefix = try Sequential(name: "gradcam_features", Array(leaves[...target]))
        suffix = try Sequential(name: "gradcam_head", Array(leaves[(target + 1)...]))
        self.isBinary = isBinary
        layerName = leaves[target].name
    }

    static func leaves(of layer: any Layer) -> [any Layer] {
        layer is Sequential ? layer.sublayers.flatMap { leaves(of: $0) } : [layer]
    }

    /// The heatmap (h × w of the explained layer, values in [0, 1]) of one image (1 × H × W × 3,
    /// preprocessed) for class `classIndex`.
    package func heatmap(_ image: Tensor, classIndex: Int) -> Tensor {
        let features = prefix(image)
        let (h, w, k) = (features.shape[1], features.shape[2], features.shape[3])
        var context = ForwardContext(mode: .inference, trainable: [], needsInputGradient: true)
        let (logits, _, pullback) = suffix.forwardLogits(features, context: &context)
        var seed = Tensor.zeros(logits.shape)
        if isBinary { seed.scalars[0] = classIndex == 1 ? 1 : -1 } else { seed.scalars[classIndex] = 1 }
        let gradient = pullback?(seed).input ?? Tensor.zeros(features.shape)
        var alpha = [Double](repeating: 0, count: k)
        for p in 0..<(h * w) { for c in 0..<k { alpha[c] += Double(gradient.scalars[p * k + c]) } }
        for c in 0..<k { alpha[c] /= Double(h * w) }
        var map = (0..<(h * w)).map { p in
            max(0, (0..<k).reduce(0.0) { $0 + alpha[$1] * Double(features.scalars[p * k + $1]) })
        }
        let top = map.max() ?? 0
        if top > 0 { map = map.map { $0 / top } }
        return Tensor(shape: [h, w], scalars: map.map(Float.init))
    }
}
