import FinetuneCore
import FinetuneTestSupport
import Testing

/// A depthwise convolution shape for table-driven tests.
struct DepthwiseCase: Sendable, CustomTestStringConvertible {
    var name: String
    var input: Shape
    var kernel: Shape          // (kh, kw, C, M)
    var strides: (Int, Int) = (1, 1)
    var padding: Padding
    var testDescription: String { name }
}

@Suite("DepthwiseConv2D kernels")
struct DepthwiseConv2DTests {
    static let cases: [DepthwiseCase] = [
        DepthwiseCase(name: "3×3 same s1", input: [2, 6, 7, 5], kernel: [3, 3, 5, 1], padding: .same),
        DepthwiseCase(name: "3×3 same s2, even size (pads 0 before, 1 after)", input: [2, 8, 10, 6], kernel: [3, 3, 6, 1],
                      strides: (2, 2), padding: .same),
        DepthwiseCase(name: "3×3 valid s2", input: [2, 9, 8, 4], kernel: [3, 3, 4, 1], strides: (2, 2), padding: .valid),
        DepthwiseCase(name: "5×5 same s2, odd size", input: [1, 11, 9, 3], kernel: [5, 5, 3, 1], strides: (2, 2), padding: .same),
        DepthwiseCase(name: "5×5 same over a 2×3 image", input: [2, 2, 3, 4], kernel: [5, 5, 4, 1], padding: .same),
        DepthwiseCase(name: "3×2 same s2×1", input: [1, 7, 6, 3], kernel: [3, 2, 3, 1], strides: (2, 1), padding: .same),
        DepthwiseCase(name: "depth multiplier 3", input: [2, 5, 6, 2], kernel: [3, 3, 2, 3], strides: (2, 2), padding: .same),
        DepthwiseCase(name: "33 channels, 1×1 image", input: [3, 1, 1, 33], kernel: [3, 3, 33, 1], padding: .same),
    ]

    /// Tolerance: ≤ 25-term float32 sums for y and dx; dw and db sum over every output pixel of the
    /// batch (≤ 120 terms) in Float per row and Double across rows.
    @Test("fast kernels match the naive twin", arguments: cases)
    func fastMatchesNaive(_ c: DepthwiseCase) {
        let x = hashUniform(seed: 61, shape: c.input, low: -1, high: 1)
        let w = hashUniform(seed: 62, shape: c.kernel, low: -0.5, high: 0.5)
        let g = depthwiseConv2DGeometry(input: c.input, kernel: c.kernel, strides: c.strides, padding: c.padding)
        let b = hashUniform(seed: 63, shape: [g.outChannels], low: -0.5, high: 0.5)
        let dy = hashUniform(seed: 64, shape: g.outputShape, low: -1, high: 1)
        for bias in [b, nil] {
            expectClose(depthwiseConv2DForward(input: x, kernel: w, bias: bias, strides: c.strides, padding: c.padding),
                        NaiveKernels.depthwiseConv2DForward(input: x, kernel: w, bias: bias, strides: c.strides, padding: c.padding),
                        tolerance: 1e-6, "\(c.name): y (bias \(bias != nil))")
        }
        let fast = depthwiseConv2DBackward(input: x, kernel: w, outputGradient: dy, strides: c.strides, padding: c.padding)
        let ref = NaiveKernels.depthwiseConv2DBackward(input: x, kernel: w, outputGradient: dy, strides: c.strides, padding: c.padding)
        expectClose(fast.input ?? .zeros([0]), ref.input, tolerance: 1e-6, "\(c.name): dx")
        expectClose(fast.kernel ?? .zeros([0]), ref.kernel, tolerance: 1e-6, "\(c.name): dw")
        expectClose(fast.bias ?? .zeros([0]), ref.bias, tolerance: 1e-6, "\(c.name): db")
    }

    @Test("the same bits on 1, 2 and 3 threads for the forward pass and the input gradient")
    func threadCounts() {
        let c = Self.cases[1]
        let x = hashUniform(seed: 71, shape: c.input, low: -1, high: 1)
        let w = hashUniform(seed: 72, shape: c.kernel, low: -0.5, high: 0.5)
        let dy = hashUniform(seed: 73, shape: depthwiseConv2DGeometry(input: c.input, kernel: c.kernel, strides: c.strides,
                                                                      padding: c.padding).outputShape, low: -1, high: 1)
        func run() -> (Tensor, Tensor?) {
            (depthwiseConv2DForward(input: x, kernel: w, bias: nil, strides: c.strides, padding: c.padding),
             depthwiseConv2DBackward(input: x, kernel: w, outputGradient: dy, strides: c.strides, padding: c.padding,
                                     computeKernelGradient: false).input)
        }
        let saved = Parallel.threadCount
        defer { Parallel.setThreadCount(saved) }
        Parallel.setThreadCount(1)
        let (y1, dx1) = run()
        for threads in [2, 3] {
            Parallel.setThreadCount(threads)
            let (y, dx) = run()
            #expect(y == y1 && dx == dx1, "\(threads) threads")
        }
    }

    @Test("the naive twin's gradients match central differences", arguments: [
        DepthwiseCase(name: "3×3 same s2", input: [2, 5, 4, 2], kernel: [3, 3, 2, 1], strides: (2, 2), padding: .same),
        DepthwiseCase(name: "2×3 valid, multiplier 2", input: [1, 4, 5, 2], kernel: [2, 3, 2, 2], padding: .valid),
    ])
    func finiteDifferences(_ c: DepthwiseCase) {
        let x = referenceUniform(c.input, seed: 81)
        let w = referenceUniform(c.kernel, seed: 82)
        let g = depthwiseConv2DGeometry(input: c.input, kernel: c.kernel, strides: c.strides, padding: c.padding)
        let b = referenceUniform([g.outChannels], seed: 83)
        let r = referenceUniform(g.outputShape, seed: 84)
        func loss(_ x: ReferenceTensor, _ w: ReferenceTensor, _ b: ReferenceTensor) -> Double {
            NaiveKernels.depthwiseConv2DForward(input: x, kernel: w, bias: b, strides: c.strides, padding: c.padding).dot(r)
        }
        let grads = NaiveKernels.depthwiseConv2DBackward(input: x, kernel: w, outputGradient: r, strides: c.strides,
                                                         padding: c.padding)
        // L is linear in each argument: central differences are exact up to rounding.
        expectClose(grads.input, centralDifferences(at: x, h: 1e-3) { loss($0, w, b) }, tolerance: 1e-9, "\(c.name): dx")
        expectClose(grads.kernel, centralDifferences(at: w, h: 1e-3) { loss(x, $0, b) }, tolerance: 1e-9, "\(c.name): dw")
        expectClose(grads.bias, centralDifferences(at: b, h: 1e-3) { loss(x, w, $0) }, tolerance: 1e-9, "\(c.name): db")
    }

    @Test("backward computes, and counts, only the gradients asked for")
    func onlyWhatIsAsked() {
        let x = hashUniform(seed: 1, shape: [1, 4, 4, 2], low: -1, high: 1)
        let w = hashUniform(seed: 2, shape: [3, 3, 2, 1], low: -1, high: 1)
        let dy = hashUniform(seed: 3, shape: [1, 4, 4, 2], low: -1, high: 1)
        let (frozen, counts) = KernelCounters.counting {
            depthwiseConv2DBackward(input: x, kernel: w, outputGradient: dy, padding: .same, computeKernelGradient: false)
        }
        #expect(frozen.input != nil && frozen.kernel == nil && frozen.bias == nil)
        #expect(counts[.depthwiseConv2DInputGradient] == 1 && counts[.depthwiseConv2DKernelGradient] == 0)
        let (first, firstCounts) = KernelCounters.counting {
            depthwiseConv2DBackward(input: x, kernel: w, outputGradient: dy, padding: .same, computeInputGradient: false)
        }
        #expect(first.input == nil && first.kernel != nil && first.bias != nil)
        #expect(firstCounts[.depthwiseConv2DInputGradient] == 0 && firstCounts[.depthwiseConv2DKernelGradient] == 1)
    }

    @Test("an empty batch gives empty results and zero weight gradients")
    func empty() {
        let w = hashUniform(seed: 2, shape: [3, 3, 2, 1], low: -1, high: 1)
        #expect(depthwiseConv2DForward(input: .zeros([0, 4, 4, 2]), kernel: w, bias: nil, padding: .same).shape == [0, 4, 4, 2])
        let g = depthwiseConv2DBackward(input: .zeros([0, 4, 4, 2]), kernel: w, outputGradient: .zeros([0, 4, 4, 2]), padding: .same)
        #expect(g.input?.shape == [0, 4, 4, 2] && g.kernel == .zeros([3, 3, 2, 1]) && g.bias == .zeros([2]))
    }
}
