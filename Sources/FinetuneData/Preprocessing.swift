/// What happens to an image's 0–255 floats after augmentation, before it joins a batch.
public enum Preprocessing: Sendable, Hashable {
    /// Values left as 0–255 floats.
    case none
    /// x · factor in Float32 (Chollet's `rescale=1./255`), as Keras'
    /// `ImageDataGenerator(rescale=…)` computes it on a float32 array.
    case rescale(Float)
    /// Keras' VGG16 `preprocess_input` ("caffe"): RGB → BGR, then minus the ImageNet means
    /// [103.939, 116.779, 123.68] (B, G, R), in Float32.
    case caffe
    /// Keras' `preprocess_input(mode="tf")` (MobileNetV2, Inception, …): x / 127.5 − 1, in Float32,
    /// values in [−1, 1].
    case tf
    /// Keras' `preprocess_input(mode="torch")` (ImageNet models trained in PyTorch): x / 255, then
    /// (x − mean) / std per RGB channel with ImageNet's mean [0.485, 0.456, 0.406] and std
    /// [0.229, 0.224, 0.225], in Float32 in Keras' order.
    case torch
    /// (x − mean[c]) / std[c] for RGB channel c, in Float32 on the 0–255 values: e.g. EfficientNet-Lite's
    /// published weights were trained on `.normalized(mean: [127, 127, 127], std: [128, 128, 128])`.
    case normalized(mean: [Float], std: [Float])

    /// Keras' `rescale=1./255`, as in Chollet's recipe.
    public static let rescale255 = Preprocessing.rescale(Float(1.0 / 255.0))

    /// Applies the preprocessing in place to `pixels` RGB pixels (3 floats each).
    package func apply(to values: UnsafeMutableBufferPointer<Float>) {
        switch self {
        case .none: return
        case let .rescale(factor):
            for i in values.indices { values[i] *= factor }
        case .tf:
            for i in values.indices { values[i] = values[i] / 127.5 - 1 }
        case .torch:
            for i in values.indices { values[i] /= 255 }
            Self.normalize(values, mean: Self.torchMean, std: Self.torchStd)
        case let .normalized(mean, std):
            Self.normalize(values, mean: mean, std: std)
        case .caffe:
            let means: (Float, Float, Float) = (103.939, 116.779, 123.68)
            var i = 0
            while i + 2 < values.count {
                let r = values[i], b = values[i + 2]
                values[i] = b - means.0
                values[i + 1] -= means.1
                values[i + 2] = r - means.2
                i += 3
            }
        }
    }

    /// ImageNet's RGB mean and standard deviation on [0, 1], as Keras' "torch" mode writes them.
    static let torchMean: [Float] = [0.485, 0.456, 0.406]
    static let torchStd: [Float] = [0.229, 0.224, 0.225]

    /// (x − mean[c]) / std[c] over interleaved RGB values: the subtraction, then the division, each
    /// a Float32 operation as NumPy's in-place `-=` and `/=` are.
    private static func normalize(_ values: UnsafeMutableBufferPointer<Float>, mean: [Float], std: [Float]) {
        precondition(mean.count == 3 && std.count == 3, "Preprocessing.normalized needs 3 means and 3 standard deviations")
        var i = 0
        while i + 2 < values.count {
            for c in 0..<3 { values[i + c] = (values[i + c] - mean[c]) / std[c] }
            i += 3
        }
    }

    /// Whether this preprocessing reads exactly three channels (RGB).
    package var needsRGB: Bool {
        switch self {
        case .none, .rescale, .tf: return false
        case .caffe, .torch, .normalized: return true
        }
    }
}
