import FinetuneCore

/// 2-D convolution over NHWC input with an HWIO kernel, Keras' `Conv2D`.
///
/// y = f(conv(x, W) + b), y[n,i,j,o] = f(b[o] + Σ_{p,q,c} x[n, i·s_h − pad_top + p, j·s_w − pad_left + q, c]·W[p,q,c,o]).
/// Keys: `<name>.kernel` (kh, kw, in, out), `<name>.bias` (out) — Keras' layout, so Keras
/// weights load unchanged. Initialisers as Keras: kernel glorot-uniform (fans × kh·kw), bias zero.
/// The activation is fused (`activation: .relu`, as VGG16 uses it) or left to a separate
/// ``Activation`` layer (`.linear`).
package struct Conv2D: LogitsExposing {
    /// The Keras layer name; keys are `<name>.kernel` and `<name>.bias`.
    package let name: String
    /// The kernel, (kh, kw, in, out) — HWIO, Keras' layout.
    package private(set) var kernel: Tensor
    /// `nil` when the layer has no bias (`useBias: false`).
    package private(set) var bias: Tensor?
    /// Vertical and horizontal stride.
    package let strides: (Int, Int)
    /// `valid` (no padding) or `same` (output size ⌈input / stride⌉, TensorFlow's split).
    package let padding: Padding
    /// The fused activation f (`.linear` for none).
    package let activation: ActivationFunction
    /// Winograd transforms of the kernel while it is frozen (copies of the layer share it; an
    /// entry is only reused for the very kernel storage it was made from).
    private let winogradCache = WinogradKernelCache()

    /// Output channels.
    package var filters: Int { kernel.shape[3] }
    /// Input channels the kernel expects.
    package var inputChannels: Int { kernel.shape[2] }
    /// Kernel height and width.
    package var kernelSize: (Int, Int) { (kernel.shape[0], kernel.shape[1]) }
    /// `<name>.kernel`.
    package var kernelKey: String { name + ".kernel" }
    /// `<name>.bias`.
    package var biasKey: String { name + ".bias" }

    /// A freshly initialised layer (glorot-uniform kernel drawn from `rng`, zero bias).
    package init(name: String, inputChannels: Int, filters: Int, kernelSize: (Int, Int) = (3, 3),
                strides: (Int, Int) = (1, 1), padding: Padding = .valid,
                activation: ActivationFunction = .linear, useBias: Bool = true,
                using rng: inout some RandomNumberGenerator) {
        precondition(inputChannels > 0 && filters > 0 && kernelSize.0 > 0 && kernelSize.1 > 0,
                     "Conv2D '\(name)': channels, filters and kernel size must be positive")
        self.name = name
        self.kernel = .glorotUniform([kernelSize.0, kernelSize.1, inputChannels, filters], using: &rng)
        self.bias = useBias ? .zeros([filters]) : nil
        self.strides = strides
        self.padding = padding
        self.activation = activation
    }

    /// A layer with the given weights (kernel HWIO, bias of `filters` values or `nil`).
    package init(name: String, kernel: Tensor, bias: Tensor?, strides: (Int, Int) = (1, 1),
                padding: Padding = .valid, activation: ActivationFunction = .linear) throws {
        guard kernel.rank == 4 else {
            throw LayerError.shapeMismatch(key: name + ".kernel", expected: [3, 3, kernel.shape.dimensions.last ?? 1, 1], got: kernel.shape)
        }
        if let bias, bias.shape != [kernel.shape[3]] {
            throw LayerError.shapeMismatch(key: name + ".bias", expected: [kernel.shape[3]], got: bias.shape)
        }
        self.name = name
        self.kernel = kernel
        self.bias = bias
        self.strides = strides
        self.padding = padding
        self.activation = activation
    }

    package var parameters: [(key: String, value: Tensor)] {
        KernelAndBias.parameters(layer: name, kernel: kernel, bias: bias)
    }

    package mutating func setParameter(_ key: String, to value: Tensor) throws {
        try KernelAndBias.set(key, to: value, layer: name, kernel: &kernel, bias: &bias)
    }

    package func outputShape(for input: Shape) throws -> Shape {
        guard input.rank == 4 else {
            throw LayerError.incompatibleInput(layer: name, input: input, reason: "Conv2D needs NHWC input (rank 4)")
        }
        guard input[3] == inputChannels else {
            throw LayerError.incompatibleInput(layer: name, input: input,
                                               reason: "expected \(inputChannels) channels, got \(input[3])")
        }
        let g = ConvGeometry(batch: input[0], inHeight: input[1], inWidth: input[2], inChannels: input[3],
                             kernelHeight: kernel.shape[0], kernelWidth: kernel.shape[1], outChannels: filters,
                             strides: strides, padding: padding)
        guard g.outHeight > 0, g.outWidth > 0 else {
            throw LayerError.incompatibleInput(layer: name, input: input,
                                               reason: "a \(kernel.shape[0])×\(kernel.shape[1]) \(padding) kernel leaves no output")
        }
        return g.outputShape
    }

    package func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback?) {
        guard activation == .relu else {
            let (z, activation, pullback) = forwardLogits(input, context: &context)
            return activated(activation, logits: z, pullback: pullback)
        }
        // ReLU fused into the convolution's output pass; its gradient mask is read off the output.
        let (y, pullback) = convolve(input, relu: true, context: &context)
        guard let pullback else { return (y, nil) }
        return (y, Pullback { dy in pullback(reluBackward(output: y, outputGradient: dy)) })
    }

    package func forwardLogits(_ x: Tensor, context: inout ForwardContext)
        -> (logits: Tensor, activation: ActivationFunction, pullback: Pullback?) {
        let (z, pullback) = convolve(x, relu: false, context: &context)
        return (z, activation, pullback)
    }

    /// conv(x, W) + b (then max(·, 0) when `relu`), and the pullback of the convolution itself
    /// (its output gradient is dL/d(conv + b)).
    /// This layer's output max-pooled by `pool`, in one pass (``conv2DForwardMaxPooled(input:kernel:bias:strides:padding:options:winogradCache:relu:)``),
    /// or `nil` when the pair cannot be fused: the activation is not ReLU, the pool is not 2 × 2
    /// with stride 2 and 'valid' padding, or this layer would need a pullback (it trains, or its
    /// input gradient is asked for), which needs the unpooled output.
    func forwardMaxPooled(_ x: Tensor, by pool: MaxPool2D, context: ForwardContext) -> Tensor? {
        guard activation == .relu, pool.poolSize == (2, 2), pool.strides == (2, 2), pool.padding == .valid,
              !context.needsInputGradient, !context.trainable.contains(kernelKey),
              !(bias != nil && context.trainable.contains(biasKey)),
              x.rank == 4, x.shape[3] == inputChannels else { return nil }
        return conv2DForwardMaxPooled(input: x, kernel: kernel, bias: bias, strides: strides, padding: padding,
                                      options: .default, winogradCache: winogradCache, relu: true)
    }

    /// conv(x, W) + b, then `epilogue` on each output block, for a frozen layer in a pass that needs
    /// no gradient (``InferenceFusion``).
    func forwardInference(_ x: Tensor, epilogue: ChannelEpilogue) -> Tensor {
        precondition(activation == .linear && x.rank == 4 && x.shape[3] == inputChannels,
                     "Conv2D '\(name)': fused inference needs a linear layer and \(inputChannels)-channel NHWC input, got \(x.shape)")
        return conv2DForward(input: x, kernel: kernel, bias: bias, strides: strides, padding: padding, options: .default,
                             winogradCache: winogradCache, epilogue: epilogue)
    }

    private func convolve(_ x: Tensor, relu: Bool, context: inout ForwardContext) -> (Tensor, Pullback?) {
        precondition(x.rank == 4 && x.shape[3] == inputChannels,
                     "Conv2D '\(name)': input \(x.shape) does not have \(inputChannels) channels (NHWC)")
        let trainKernel = context.trainable.contains(kernelKey)
        let z = conv2DForward(input: x, kernel: kernel, bias: bias, strides: strides, padding: padding,
                              options: .default, winogradCache: trainKernel ? nil : winogradCache, relu: relu)
        let trainBias = bias != nil && context.trainable.contains(biasKey)
        let needsInput = context.needsInputGradient
        guard needsInput || trainKernel || trainBias else { return (z, nil) }
        let (w, strides, padding, kernelKey, biasKey) = (kernel, strides, padding, kernelKey, biasKey)
        return (z, Pullback { dz in
            var gradients = LayerGradients(input: nil)
            if needsInput || trainKernel {
                let r = conv2DBackward(input: x, kernel: w, outputGradient: dz, strides: strides, padding: padding,
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
