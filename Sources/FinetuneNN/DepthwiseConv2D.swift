import FinetuneCore

/// Depthwise 2-D convolution over NHWC input, Keras' `DepthwiseConv2D`: each input channel is
/// convolved with its own `depthMultiplier` filters (Howard et al. 2017, MobileNets; the 3×3 and
/// 5×5 stages of MobileNetV2's and EfficientNet's inverted residual blocks).
///
/// y[n,i,j,c·M+m] = f(b[c·M+m] + Σ_{p,q} x[n, i·s_h − pad_top + p, j·s_w − pad_left + q, c]·W[p,q,c,m]),
/// M the depth multiplier. Keys: `<name>.kernel` (kh, kw, C, M), `<name>.bias` (C·M) — Keras 3's
/// layout and names, so Keras weights load unchanged. `same` padding splits as TensorFlow does
/// (the smaller half on top/left). Initialisers as Keras: kernel glorot-uniform over the kernel's
/// shape (fans kh·kw·C and kh·kw·M), bias zero.
package struct DepthwiseConv2D: Layer {
    package let name: String
    /// (kh, kw, C, M).
    package private(set) var kernel: Tensor
    package private(set) var bias: Tensor?
    package let strides: (Int, Int)
    package let padding: Padding
    package let activation: ActivationFunction

    var kernelKey: String { name + ".kernel" }
    var biasKey: String { name + ".bias" }

    /// A freshly initialised layer for `inputChannels` channels (glorot-uniform kernel drawn from
    /// `rng`, zero bias). Keras' defaults: strides 1, `valid` padding, depth multiplier 1, bias.
    package init(name: String, inputChannels: Int, kernelSize: (Int, Int) = (3, 3), strides: (Int, Int) = (1, 1),
                padding: Padding = .valid, depthMultiplier: Int = 1, activation: ActivationFunction = .linear,
                useBias: Bool = true, using rng: inout some RandomNumberGenerator) {
        precondition(inputChannels > 0 && depthMultiplier > 0 && kernelSize.0 > 0 && kernelSize.1 > 0,
                     "DepthwiseConv2D '\(name)': channels, depth multiplier and kernel size must be positive")
        precondition(strides.0 > 0 && strides.1 > 0, "DepthwiseConv2D '\(name)': strides must be positive")
        self.name = name
        kernel = .glorotUniform([kernelSize.0, kernelSize.1, inputChannels, depthMultiplier], using: &rng)
        bias = useBias ? .zeros([inputChannels * depthMultiplier]) : nil
        self.strides = strides
        self.padding = padding
        self.activation = activation
    }

    /// A layer with the given weights: kernel (kh, kw, C, M), bias of C·M values or `nil`. Throws
    /// ``LayerError/shapeMismatch(key:expected:got:)`` for a kernel that is not rank 4 or a bias
    /// of the wrong size.
    package init(name: String, kernel: Tensor, bias: Tensor?, strides: (Int, Int) = (1, 1), padding: Padding = .valid,
                activation: ActivationFunction = .linear) throws {
        guard kernel.rank == 4, kernel.scalarCount > 0 else {
            throw LayerError.shapeMismatch(key: name + ".kernel", expected: [3, 3, kernel.shape.dimensions.first ?? 1, 1],
                                           got: kernel.shape)
        }
        if let bias, bias.shape != [kernel.shape[2] * kernel.shape[3]] {
            throw LayerError.shapeMismatch(key: name + ".bias", expected: [kernel.shape[2] * kernel.shape[3]], got: bias.shape)
        }
        precondition(strides.0 > 0 && strides.1 > 0, "DepthwiseConv2D '\(name)': strides must be positive")
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
            throw LayerError.incompatibleInput(layer: name, input: input, reason: "DepthwiseConv2D needs NHWC input (rank 4)")
        }
        guard input[3] == kernel.shape[2] else {
            throw LayerError.incompatibleInput(layer: name, input: input,
                                               reason: "expected \(kernel.shape[2]) channels, got \(input[3])")
        }
        let g = depthwiseConv2DGeometry(input: input, kernel: kernel.shape, strides: strides, padding: padding)
        guard g.outHeight > 0, g.outWidth > 0 else {
            throw LayerError.incompatibleInput(layer: name, input: input,
                                               reason: "a \(kernel.shape[0])×\(kernel.shape[1]) \(padding) kernel leaves no output")
        }
        return g.outputShape
    }

    /// The convolution, then `epilogue` on each output row, for a frozen layer in a pass that needs
    /// no gradient (``InferenceFusion``).
    /// `prePadding`: a ``ZeroPadding2D`` before it, fused in as well.
    func forwardInference(_ x: Tensor, prePadding: ZeroPadding2DAmounts? = nil, epilogue: ChannelEpilogue) -> Tensor {
        precondition(activation == .linear && x.rank == 4 && x.shape[3] == kernel.shape[2],
                     "DepthwiseConv2D '\(name)': fused inference needs a linear layer and \(kernel.shape[2])-channel NHWC input, got \(x.shape)")
        return depthwiseConv2DForward(input: x, kernel: kernel, bias: bias, strides: strides, padding: padding,
                                      prePadding: prePadding, epilogue: epilogue)
    }

    package func forward(_ x: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback?) {
        precondition(x.rank == 4 && x.shape[3] == kernel.shape[2],
                     "DepthwiseConv2D '\(name)': input \(x.shape) does not have \(kernel.shape[2]) channels (NHWC)")
        let z = depthwiseConv2DForward(input: x, kernel: kernel, bias: bias, strides: strides, padding: padding)
        let trainKernel = context.trainable.contains(kernelKey)
        let trainBias = bias != nil && context.trainable.contains(biasKey)
        let needsInput = context.needsInputGradient
        guard needsInput || trainKernel || trainBias else { return (activation(z), nil) }
        let (w, strides, padding, kernelKey, biasKey) = (kernel, strides, padding, kernelKey, biasKey)
        return activated(activation, logits: z, pullback: Pullback { dz in
            var gradients = LayerGradients(input: nil)
            if needsInput || trainKernel {
                let r = depthwiseConv2DBackward(input: x, kernel: w, outputGradient: dz, strides: strides, padding: padding,
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
