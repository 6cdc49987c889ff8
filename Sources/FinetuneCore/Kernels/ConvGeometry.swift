/// Every size of one NHWC × HWIO convolution (or pooling window), derived once.
package struct ConvGeometry: Hashable, Sendable, CustomStringConvertible {
    package let batch: Int, inHeight: Int, inWidth: Int, inChannels: Int
    package let kernelHeight: Int, kernelWidth: Int, outChannels: Int
    package let strideHeight: Int, strideWidth: Int
    package let padding: Padding
    package let outHeight: Int, outWidth: Int
    /// Zero rows/columns added before the first input row/column.
    package let padTop: Int, padLeft: Int

    package init(batch: Int, inHeight: Int, inWidth: Int, inChannels: Int,
                kernelHeight: Int, kernelWidth: Int, outChannels: Int,
                strides: (Int, Int) = (1, 1), padding: Padding) {
        precondition(strides.0 >= 1 && strides.1 >= 1, "strides must be ≥ 1")
        precondition(kernelHeight >= 1 && kernelWidth >= 1, "kernel must be ≥ 1×1")
        self.batch = batch; self.inHeight = inHeight; self.inWidth = inWidth; self.inChannels = inChannels
        self.kernelHeight = kernelHeight; self.kernelWidth = kernelWidth; self.outChannels = outChannels
        self.strideHeight = strides.0; self.strideWidth = strides.1; self.padding = padding
        func dim(_ n: Int, _ k: Int, _ s: Int) -> (out: Int, before: Int) {
            switch padding {
            case .valid: return (n >= k ? (n - k) / s + 1 : 0, 0)
            case .same:
                let out = (n + s - 1) / s
                let total = max((out - 1) * s + k - n, 0)
                return (out, total / 2)
            }
        }
        (outHeight, padTop) = dim(inHeight, kernelHeight, strides.0)
        (outWidth, padLeft) = dim(inWidth, kernelWidth, strides.1)
    }

    package var inputShape: Shape { [batch, inHeight, inWidth, inChannels] }
    package var kernelShape: Shape { [kernelHeight, kernelWidth, inChannels, outChannels] }
    package var outputShape: Shape { [batch, outHeight, outWidth, outChannels] }

    /// Multiply–adds of the forward pass ×2.
    package var forwardFLOPs: Double {
        2 * Double(batch * outHeight * outWidth * outChannels) * Double(kernelHeight * kernelWidth * inChannels)
    }

    package var description: String {
        "conv \(inputShape)⊛\(kernelShape) s\(strideHeight)×\(strideWidth) \(padding) → \(outputShape)"
    }
}

/// The geometry of convolving an NHWC `input` with an HWIO `kernel`.
package func conv2DGeometry(input: Shape, kernel: Shape, strides: (Int, Int), padding: Padding) -> ConvGeometry {
    precondition(input.rank == 4, "conv2D input must be NHWC, got \(input)")
    precondition(kernel.rank == 4, "conv2D kernel must be HWIO, got \(kernel)")
    precondition(input[3] == kernel[2], "conv2D: input has \(input[3]) channels, kernel expects \(kernel[2])")
    return ConvGeometry(batch: input[0], inHeight: input[1], inWidth: input[2], inChannels: input[3],
                        kernelHeight: kernel[0], kernelWidth: kernel[1], outChannels: kernel[3],
                        strides: strides, padding: padding)
}
