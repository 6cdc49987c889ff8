@testable import FinetuneCore
import FinetuneTestSupport
import Testing

/// A convolution's fused epilogue (inference batch normalization, then ReLU / ReLU6) against the
/// separate kernels it replaces: the same values bit for bit, NaN and −0 included.
@Suite("Convolution epilogues")
struct ChannelEpilogueTests {
    /// Per-channel statistics of `c` channels (variance > 0) from `seed`.
    static func statistics(_ c: Int, seed: UInt64) -> (mean: Tensor, variance: Tensor, gamma: Tensor, beta: Tensor) {
        (hashUniform(seed: seed, shape: [c], low: -1, high: 1), hashUniform(seed: seed + 1, shape: [c], low: 0.1, high: 3),
         hashUniform(seed: seed + 2, shape: [c], low: 0.5, high: 4), hashUniform(seed: seed + 3, shape: [c], low: -1, high: 2))
    }

    static let clamps: [ChannelEpilogue.Clamp] = [.none, .relu, .cappedReLU(6)]

    /// batchNormForward, then the clamp's own kernel: what the epilogue replaces.
    static func separate(_ z: Tensor, _ s: (mean: Tensor, variance: Tensor, gamma: Tensor, beta: Tensor), epsilon: Float,
                         _ clamp: ChannelEpilogue.Clamp) -> Tensor {
        let y = batchNormForward(input: z, mean: s.mean, variance: s.variance, gamma: s.gamma, beta: s.beta, epsilon: epsilon)
        switch clamp {
        case .none: return y
        case .relu: return reluForward(y)
        case let .cappedReLU(cap): return clippedReLUForward(y, maxValue: cap)
        }
    }

    static func bits(_ t: Tensor) -> [UInt32] { t.scalars.map(\.bitPattern) }

    @Test("on its own: the batch-normalization and clamp kernels bit for bit, NaN, ±0, ±∞ and the cap included",
          arguments: clamps)
    func matchesSeparateKernels(_ clamp: ChannelEpilogue.Clamp) {
        let c = 37   // two vectors of 16 and a tail
        var z = hashUniform(seed: 5, shape: [3, 4, 5, c], low: -8, high: 8).scalars
        for (i, v) in [Float.nan, 0, -0.0, .infinity, -.infinity, 6, 6.000001, 5.999999].enumerated() { z[i * 41] = v }
        let x = Tensor(shape: [3, 4, 5, c], scalars: z)
        let s = Self.statistics(c, seed: 7)
        let epilogue = ChannelEpilogue(mean: s.mean, variance: s.variance, gamma: s.gamma, beta: s.beta, epsilon: 1e-3,
                                       clamp: clamp)
        var fused = x
        fused.withUnsafeMutableBufferPointer { epilogue.apply(wholeTensor: $0, channels: c) }
        #expect(Self.bits(fused) == Self.bits(Self.separate(x, s, epsilon: 1e-3, clamp)))
        // A clamp alone: the activation kernel by itself.
        var clamped = x
        clamped.withUnsafeMutableBufferPointer { ChannelEpilogue(clamp: clamp).apply(wholeTensor: $0, channels: c) }
        let expected: Tensor
        switch clamp {
        case .none: expected = x
        case .relu: expected = reluForward(x)
        case let .cappedReLU(cap): expected = clippedReLUForward(x, maxValue: cap)
        }
        #expect(Self.bits(clamped) == Self.bits(expected))
    }

    @Test("with a residual: normalization, Add, then the clamp, bit for bit, NaN, ±0, ±∞ and the cap included, on every row offset",
          arguments: clamps)
    func residualMatchesSeparateKernels(_ clamp: ChannelEpilogue.Clamp) {
        let c = 37, shape: Shape = [3, 4, 5, 37]
        var z = hashUniform(seed: 15, shape: shape, low: -8, high: 8).scalars
        var r = hashUniform(seed: 16, shape: shape, low: -8, high: 8).scalars
        for (i, v) in [Float.nan, 0, -0.0, .infinity, -.infinity, 6, 6.000001, 5.999999].enumerated() {
            z[i * 41] = v
            r[i * 43 + 7] = v
        }
        r[3] = .infinity
        z[3] = -.infinity   // −∞ + ∞: NaN, as Add gives it
        let x = Tensor(shape: shape, scalars: z), residual = Tensor(shape: shape, scalars: r)
        let s = Self.statistics(c, seed: 17)
        for normalized in [true, false] {
            let base = normalized
                ? ChannelEpilogue(mean: s.mean, variance: s.variance, gamma: s.gamma, beta: s.beta, epsilon: 1e-3, clamp: .none)
                : ChannelEpilogue(clamp: .none)
            let epilogue = base.adding(residual: residual, clamp: clamp)
            // Applied a few rows at a time at their offsets, as a convolution's chunks apply it.
            var fused = x
            fused.withUnsafeMutableBufferPointer { y in
                var row = 0
                for rows in [1, 7, 2, 50] where row < 60 {
                    let n = min(rows, 60 - row)
                    epilogue.apply(y.baseAddress! + row * c, rows: n, channels: c, at: row * c)
                    row += n
                }
            }
            let normalizedX = normalized ? Self.separate(x, s, epsilon: 1e-3, .none) : x
            let sum = addForward([normalizedX, residual])
            let expected: Tensor
            switch clamp {
            case .none: expected = sum
            case .relu: expected = reluForward(sum)
            case let .cappedReLU(cap): expected = clippedReLUForward(sum, maxValue: cap)
            }
            #expect(Self.bits(fused) == Self.bits(expected), "normalized: \(normalized)")
            // The residual may come first in the Add: the same bits.
            #expect(Self.bits(addForward([residual, normalizedX])) == Self.bits(sum))
        }
    }

    /// (input, kernel, strides, padding): pointwise (packed and unpacked GEMM), a strided 1×1, a
    /// stride-2 3×3 through im2col, a 3×3 stride-1 one that runs as Winograd, with bias.
    static let convolutions: [(Shape, Shape, (Int, Int), Padding)] = [
        ([2, 9, 11, 16], [1, 1, 16, 48], (1, 1), .same),
        ([2, 7, 6, 96], [1, 1, 96, 40], (1, 1), .valid),
        ([2, 9, 9, 24], [1, 1, 24, 64], (2, 2), .valid),
        ([2, 13, 12, 3], [3, 3, 3, 32], (2, 2), .same),
        ([1, 14, 14, 64], [3, 3, 64, 64], (1, 1), .same),
    ]

    @Test("conv2DForward with an epilogue is the convolution, then batch normalization and the clamp, bit for bit",
          arguments: 0..<5, clamps)
    func convolution(_ index: Int, _ clamp: ChannelEpilogue.Clamp) {
        let (input, kernel, strides, padding) = Self.convolutions[index]
        let f = kernel[3]
        let x = hashUniform(seed: 11, shape: input, low: -1, high: 1)
        let w = hashUniform(seed: 12, shape: kernel, low: -0.5, high: 0.5)
        let b = index == 4 ? hashUniform(seed: 13, shape: [f], low: -0.2, high: 0.2) : nil
        let s = Self.statistics(f, seed: 14)
        let epilogue = ChannelEpilogue(mean: s.mean, variance: s.variance, gamma: s.gamma, beta: s.beta, epsilon: 1.001e-5,
                                       clamp: clamp)
        for threads in [1, 2] {
            let options = ConvolutionOptions(threads: threads)
            let z = conv2DForward(input: x, kernel: w, bias: b, strides: strides, padding: padding, options: options)
            let fused = conv2DForward(input: x, kernel: w, bias: b, strides: strides, padding: padding, options: options,
                                      epilogue: epilogue)
            #expect(Self.bits(fused) == Self.bits(Self.separate(z, s, epsilon: 1.001e-5, clamp)), "\(input) \(kernel), \(threads) threads")
        }
    }

    @Test("a depthwise convolution with an epilogue and a zero padding before it is the four kernels one after the other, bit for bit",
          arguments: DepthwiseConv2DTests.cases.filter { $0.kernel[3] == 1 })
    func depthwise(_ c: DepthwiseCase) {
        let x = hashUniform(seed: 21, shape: c.input, low: -1, high: 1)
        let w = hashUniform(seed: 22, shape: c.kernel, low: -1, high: 1)
        let channels = c.kernel[2]
        let b = hashUniform(seed: 23, shape: [channels], low: -0.2, high: 0.2)
        let s = Self.statistics(channels, seed: 24)
        for clamp in Self.clamps {
            let epilogue = ChannelEpilogue(mean: s.mean, variance: s.variance, gamma: s.gamma, beta: s.beta, epsilon: 1e-3,
                                           clamp: clamp)
            let z = depthwiseConv2DForward(input: x, kernel: w, bias: b, strides: c.strides, padding: c.padding)
            let fused = depthwiseConv2DForward(input: x, kernel: w, bias: b, strides: c.strides, padding: c.padding,
                                               epilogue: epilogue)
            #expect(Self.bits(fused) == Self.bits(Self.separate(z, s, epsilon: 1e-3, clamp)), "\(c.name) \(clamp)")
            // MobileNetV2's stride-2 blocks: ZeroPadding2D then a 'valid' depthwise convolution.
            for pad in [ZeroPadding2DAmounts(top: 0, bottom: 1, left: 0, right: 1),
                        ZeroPadding2DAmounts(top: 1, bottom: 1, left: 1, right: 1),
                        ZeroPadding2DAmounts(top: 2, bottom: 0, left: 1, right: 3)] {
                let padded = zeroPadding2DForward(input: x, padding: pad)
                guard padded.shape[1] >= c.kernel[0], padded.shape[2] >= c.kernel[1] else { continue }
                let unfused = depthwiseConv2DForward(input: padded, kernel: w, bias: nil, strides: c.strides, padding: .valid)
                let prePadded = depthwiseConv2DForward(input: x, kernel: w, bias: nil, strides: c.strides, padding: .valid,
                                                       prePadding: pad, epilogue: epilogue)
                #expect(Self.bits(prePadded) == Self.bits(Self.separate(unfused, s, epsilon: 1e-3, clamp)), "\(c.name) \(pad)")
            }
        }
    }

    @Test("the vectorised depthwise row kernel keeps 16-channel vectors, tails and image edges apart",
          arguments: [1, 15, 16, 17, 40])
    func depthwiseChannels(_ channels: Int) {
        for (size, strides, kernel) in [(9, (1, 1), 3), (12, (2, 2), 5), (5, (2, 2), 3), (3, (1, 1), 5)] {
            let x = hashUniform(seed: 31, shape: [2, size, size + 2, channels], low: -1, high: 1)
            let w = hashUniform(seed: 32, shape: [kernel, kernel, channels, 1], low: -1, high: 1)
            let y = depthwiseConv2DForward(input: x, kernel: w, bias: nil, strides: strides, padding: .same)
            let reference = NaiveKernels.depthwiseConv2DForward(input: x, kernel: w, bias: nil, strides: strides, padding: .same)
            expectClose(y, reference, tolerance: 1e-6, "\(channels) channels, \(size)×\(size + 2), \(kernel)×\(kernel) / \(strides.0)")
        }
    }

    @Test("Add then ReLU in one pass is the two kernels bit for bit; sums of 2 and 3 tensors add left to right")
    func addReLU() {
        var a = hashUniform(seed: 41, shape: [3, 30, 40, 37], low: -2, high: 2).scalars
        a[0] = .nan; a[1] = -0.0; a[2] = 0
        let x = [Tensor(shape: [3, 30, 40, 37], scalars: a), hashUniform(seed: 42, shape: [3, 30, 40, 37], low: -2, high: 2),
                 hashUniform(seed: 43, shape: [3, 30, 40, 37], low: -2, high: 2)]
        for inputs in [Array(x.prefix(2)), x] {
            let sum = inputs.dropFirst().reduce(inputs[0].scalars) { s, t in zip(s, t.scalars).map { $0 + $1 } }
            #expect(Self.bits(addForward(inputs)) == sum.map(\.bitPattern))
            #expect(Self.bits(addReLUForward(inputs)) == Self.bits(reluForward(addForward(inputs))))
        }
        var accumulated = x[0]
        add(x[1], into: &accumulated)
        #expect(Self.bits(accumulated) == Self.bits(addForward(Array(x.prefix(2)))))
    }
}
