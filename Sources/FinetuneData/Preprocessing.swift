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

    /// Keras' `rescale=1./255`, as in Chollet's recipe.
    public static let rescale255 = Preprocessing.rescale(Float(1.0 / 255.0))

    /// Applies the preprocessing in place to `pixels` RGB pixels (3 floats each).
    package func apply(to values: UnsafeMutableBufferPointer<Float>) {
        switch self {
        case .none: return
        case let .rescale(factor):
            for i in values.indices { values[i] *= factor }
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
}
