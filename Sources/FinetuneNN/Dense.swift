import FinetuneCore

/// Fully connected layer, Keras' `Dense`: y = f(x·W + b), x (n, in), W (in, out), b (out).
///
/// Keys `<name>.kernel` (in, out) and `<name>.bias` (out). Kernel glorot-uniform, bias zero.
/// A sigmoid or softmax activation exposes its logits (`LogitsExposing`), so a loss computes
/// from x·W + b as Keras 3 does.
package struct Dense: LogitsExposing {
    /// The Keras layer name; keys are `<name>.kernel` and `<name>.bias`.
    package let name: String
    /// The kernel, (in, out).
    package private(set) var kernel: Tensor
    /// `nil` when the layer has no bias.
    package private(set) var bias: Tensor?
    /// The fused activation f (`.linear` for none).
    package let activation: ActivationFunction

    /// Input features the kernel expects.
    package var inputSize: Int { kernel.shape[0] }
    /// Output features.
    package var units: Int { kernel.shape[1] }
    /// `<name>.kernel`.
    package var kernelKey: String { name + ".kernel" }
    /// `<name>.bias`.
    package var biasKey: String { name + ".bias" }

    /// A freshly initialised layer (glorot-uniform kernel drawn from `rng`, zero bias).
    package init(name: String, inputSize: Int, units: Int, activation: ActivationFunction = .linear,
                useBias: Bool = true, using rng: inout some RandomNumberGenerator) {
        precondition(inputSize > 0 && units > 0, "Dense '\(name)': sizes must be positive")
        self.name = name
        self.kernel = .glorotUniform([inputSize, units], using: &rng)
        self.bias = useBias ? .zeros([units]) : nil
        self.activation = activation
    }

    /// A layer with the given weights (kernel (in, out), bias of `out` values or `nil`).
    package init(name: String, kernel: Tensor, bias: Tensor?, activation: ActivationFunction = .linear) throws {
        guard kernel.rank == 2 else {
            throw LayerError.shapeMismatch(key: name + ".kernel", expected: [kernel.scalarCount, 1], got: kernel.shape)
        }
        if let bias, bias.shape != [kernel.shape[1]] {
            throw LayerError.shapeMismatch(key: name + ".bias", expected: [kernel.shape[1]], got: bias.shape)
        }
        self.name = name
        self.kernel = kernel
        self.bias = bias
        self.activation = activation
    }

    package var parameters: [(key: String, value: Tensor)] {
        KernelAndBias.parameters(layer: name, kernel: kernel, bias: bias)
    }

    package mutating func setParameter(_ key: String, to value: Tensor) throws {
        try KernelAndBias.set(key, to: value, layer: name, kernel: &kernel, bias: &bias)
    }

    package func outputShape(for input: Shape) throws -> Shape {
        guard input.rank == 2, input[1] == inputSize else {
            throw LayerError.incompatibleInput(layer: name, input: input,
                                               reason: "Dense expects (batch, \(inputSize)); put a Flatten before it")
        }
        return [input[0], units]
    }

    package func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback?) {
        let (z, activation, pullback) = forwardLogits(input, context: &context)
        return activated(activation, logits: z, pullback: pullback)
    }

    package func forwardLogits(_ x: Tensor, context: inout ForwardContext)
        -> (logits: Tensor, activation: ActivationFunction, pullback: Pullback?) {
        precondition(x.rank == 2 && x.shape[1] == inputSize,
                     "Dense '\(name)': input \(x.shape) is not (batch, \(inputSize))")
        let z = denseForward(input: x, kernel: kernel, bias: bias)
        let trainKernel = context.trainable.contains(kernelKey)
        let trainBias = bias != nil && context.trainable.contains(biasKey)
        let needsInput = context.needsInputGradient
        guard needsInput || trainKernel || trainBias else { return (z, activation, nil) }
        let (w, kernelKey, biasKey) = (kernel, kernelKey, biasKey)
        return (z, activation, Pullback { dz in
            var gradients = LayerGradients(input: nil)
            if needsInput || trainKernel {
                let r = denseBackward(input: x, kernel: w, outputGradient: dz,
                                      computeInputGradient: needsInput, computeKernelGradient: trainKernel)
                gradients.input = r.input
                if trainKernel { gradients.parameters[kernelKey] = r.kernel }
                if trainBias { gradients.parameters[biasKey] = r.bias ?? sumOverLeadingAxes(dz) }
            } else {
                gradients.parameters[biasKey] = sumOverLeadingAxes(dz)
            }
            return gradients
        })
    }
}
