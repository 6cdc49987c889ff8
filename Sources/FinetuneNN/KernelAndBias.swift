import FinetuneCore

/// The parameters of a layer made of a kernel and an optional bias (`Conv2D`, `Dense`), under
/// Keras keys `<layer>.kernel` and `<layer>.bias`, in Keras' weight order.
enum KernelAndBias {
    static func parameters(layer: String, kernel: Tensor, bias: Tensor?) -> [(key: String, value: Tensor)] {
        if let bias { return [(layer + ".kernel", kernel), (layer + ".bias", bias)] }
        return [(layer + ".kernel", kernel)]
    }

    /// Replaces the kernel or the bias named by `key`; the shape must stay the same.
    static func set(_ key: String, to value: Tensor, layer: String, kernel: inout Tensor, bias: inout Tensor?) throws {
        if key == layer + ".kernel" {
            guard value.shape == kernel.shape else { throw LayerError.shapeMismatch(key: key, expected: kernel.shape, got: value.shape) }
            kernel = value
        } else if key == layer + ".bias", let current = bias {
            guard value.shape == current.shape else { throw LayerError.shapeMismatch(key: key, expected: current.shape, got: value.shape) }
            bias = value
        } else {
            throw LayerError.unknownParameter(key: key, layer: layer)
        }
    }
}
