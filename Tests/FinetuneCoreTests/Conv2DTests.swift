import FinetuneCore
import FinetuneTestSupport
import Testing

/// A convolution shape for table-driven tests.
struct ConvCase: Sendable, CustomTestStringConvertible {
    var name: String
    var input: Shape
    var kernel: Shape
    var strides: (Int, Int) = (1, 1)
    var padding: Padding
    var testDescription: String { name }
}

/// Options for table-driven tests: the defaults, and chunks of one output row so that tiny shapes
/// cross chunk and thread boundaries.
struct OptionsCase: Sendable, CustomTestStringConvertible {
    var name: String
    var options: ConvolutionOptions
    var testDescription: String { name }

    static let all: [OptionsCase] = [
        OptionsCase(name: "default", options: .default),
        OptionsCase(name: "GEMM, 1 thread, 1-row chunks",
                    options: ConvolutionOptions(threads: 1, chunkBytes: 1, minimumChunkPixels: 1, algorithm: .gemm)),
        OptionsCase(name: "GEMM, 2 threads, 1-row chunks",
                    options: ConvolutionOptions(threads: 2, chunkBytes: 1, minimumChunkPixels: 1, threading: .chunks,
                                                algorithm: .gemm)),
        OptionsCase(name: "GEMM, 3 threads, 2-row chunks",
                    options: ConvolutionOptions(threads: 3, chunkBytes: 1, minimumChunkPixels: 12, threading: .chunks,
                                                algorithm: .gemm)),
        OptionsCase(name: "GEMM, 2 BLAS threads, 1-row chunks",
                    options: ConvolutionOptions(threads: 2, chunkBytes: 1, minimumChunkPixels: 1, threading: .splitGEMM,
                                                algorithm: .gemm)),
        OptionsCase(name: "Winograd, 1 thread, 1-row chunks",
                    options: ConvolutionOptions(threads: 1, chunkBytes: 1, minimumChunkPixels: 1, algorithm: .winograd)),
        OptionsCase(name: "Winograd, 2 threads, 1-row chunks",
                    options: ConvolutionOptions(threads: 2, chunkBytes: 1, minimumChunkPixels: 1, threading: .chunks,
                                                algorithm: .winograd)),
        OptionsCase(name: "Winograd, 2 BLAS threads",
                    options: ConvolutionOptions(threads: 2, threading: .splitGEMM, algorithm: .winograd)),
        // The α² products on OpenBLAS at every channel count, and on the unpacked kernel at every one.
        OptionsCase(name: "Winograd, OpenBLAS products, 2 threads, 1-row chunks",
                    options: ConvolutionOptions(threads: 2, chunkBytes: 1, minimumChunkPixels: 1, threading: .chunks,
                                                algorithm: .winograd, unpackedProductsMaximumChannels: 0)),
        // Shallow patches on OpenBLAS too (by default they run on the unpacked GEMM).
        OptionsCase(name: "GEMM, OpenBLAS for shallow patches, 2 threads, 1-row chunks",
                    options: ConvolutionOptions(threads: 2, chunkBytes: 1, minimumChunkPixels: 1, threading: .chunks,
                                                algorithm: .gemm, unpackedLoweringMaximumPatch: 0)),
        OptionsCase(name: "Winograd, unpacked products up to 8 channels, 2 split-GEMM threads",
                    options: ConvolutionOptions(threads: 2, threading: .splitGEMM, algorithm: .winograd,
                                                unpackedProductsMaximumChannels: 8)),
    ] + WinogradTile.all.flatMap { tile in [
        OptionsCase(name: "Winograd \(tile), 1 thread, 1-row chunks",
                    options: ConvolutionOptions(threads: 1, chunkBytes: 1, minimumChunkPixels: 1, algorithm: .winograd,
                                                winogradTileSize: tile.m)),
        OptionsCase(name: "Winograd \(tile), 2 threads, 1-row chunks",
                    options: ConvolutionOptions(threads: 2, chunkBytes: 1, minimumChunkPixels: 1, threading: .chunks,
                                                algorithm: .winograd, winogradTileSize: tile.m)),
        OptionsCase(name: "Winograd \(tile), 2 BLAS threads",
                    options: ConvolutionOptions(threads: 2, threading: .splitGEMM, algorithm: .winograd, winogradTileSize: tile.m)),
    ] }

    /// Each algorithm with the default chunking.
    static let algorithms: [OptionsCase] = ConvolutionOptions.Algorithm.allCases.map {
        OptionsCase(name: $0.rawValue, options: ConvolutionOptions(algorithm: $0))
    } + WinogradTile.all.map {
        OptionsCase(name: "winograd \($0)", options: ConvolutionOptions(algorithm: .winograd, winogradTileSize: $0.m))
    }
}

@Suite("Conv2D")
struct Conv2DTests {
    static let cases: [ConvCase] = [
        ConvCase(name: "3×3 same s1", input: [3, 7, 9, 3], kernel: [3, 3, 3, 5], padding: .same),
        ConvCase(name: "3×3 same s2", input: [3, 7, 9, 3], kernel: [3, 3, 3, 5], strides: (2, 2), padding: .same),
        ConvCase(name: "3×3 valid s1", input: [2, 8, 7, 4], kernel: [3, 3, 4, 3], padding: .valid),
        ConvCase(name: "3×3 same s1, 1×1 image", input: [2, 1, 1, 3], kernel: [3, 3, 3, 2], padding: .same),
        ConvCase(name: "2×2 same s1 (pads bottom/right)", input: [2, 6, 5, 4], kernel: [2, 2, 4, 3], padding: .same),
        ConvCase(name: "5×5 valid s2", input: [3, 7, 9, 5], kernel: [5, 5, 5, 3], strides: (2, 2), padding: .valid),
        ConvCase(name: "1×1 pointwise", input: [2, 5, 4, 6], kernel: [1, 1, 6, 7], padding: .same),
        ConvCase(name: "1×1 stride 2", input: [2, 5, 4, 6], kernel: [1, 1, 6, 3], strides: (2, 2), padding: .valid),
        ConvCase(name: "5×5 same over a 3×2 image", input: [1, 3, 2, 3], kernel: [5, 5, 3, 4], padding: .same),
        ConvCase(name: "3×1 same s2×1", input: [2, 9, 7, 3], kernel: [3, 1, 3, 2], strides: (2, 1), padding: .same),
        ConvCase(name: "tall single-channel image", input: [1, 20, 3, 1], kernel: [3, 3, 1, 2], padding: .same),
    ]

    @Test("forward and backward match the NumPy/Keras golden, with every algorithm", .tags(.golden),
          arguments: KernelGoldens.names(kind: "conv2d"), OptionsCase.algorithms)
    func golden(_ name: String, _ o: OptionsCase) throws {
        let c = try KernelGoldens.named(name)
        let x = try c.input("x"), w = try c.input("w"), b = try c.input("b"), dy = try c.input("dy")
        let strides = try c.pair("strides"), padding = try c.padding()
        let what = "\(name) (\(o.name))"
        let y = conv2DForward(input: x, kernel: w, bias: b, strides: strides, padding: padding, options: o.options)
        expectClose(y, try c.tensor("y"), tolerance: c.tolerance, "\(what) y")
        let grads = conv2DBackward(input: x, kernel: w, outputGradient: dy, strides: strides, padding: padding,
                                   options: o.options)
        expectClose(try #require(grads.input), try c.tensor("dx"), tolerance: c.tolerance, "\(what) dx")
        try c.expectKernelGradient(try #require(grads.kernel), "\(what) dw")
        expectClose(try #require(grads.bias), try c.tensor("db"), tolerance: c.tolerance, "\(what) db")
    }

    @Test("the naive twin matches the golden", .tags(.golden),
          arguments: KernelGoldens.names(kind: "conv2d") { !$0.hasPrefix("vgg16.") })
    func naiveGolden(_ name: String) throws {
        let c = try KernelGoldens.named(name)
        let x = try c.input("x"), w = try c.input("w"), b = try c.input("b"), dy = try c.input("dy")
        let strides = try c.pair("strides"), padding = try c.padding()
        expectClose(NaiveKernels.conv2DForward(input: x, kernel: w, bias: b, strides: strides, padding: padding),
                    try c.tensor("y"), tolerance: c.tolerance, "\(name) naive y")
        let g = NaiveKernels.conv2DBackward(input: x, kernel: w, outputGradient: dy, strides: strides, padding: padding)
        expectClose(g.input, try c.tensor("dx"), tolerance: c.tolerance, "\(name) naive dx")
        try c.expectKernelGradient(g.kernel, "\(name) naive dw")
        expectClose(g.bias, try c.tensor("db"), tolerance: c.tolerance, "\(name) naive db")
    }

    /// Tolerance: the fast kernels accumulate ≤ 125-term dot products in float32; the twin in Double.
    @Test("fast kernels match the naive twin for every chunking and thread count, reproducibly",
          arguments: cases, OptionsCase.all)
    func fastMatchesNaive(_ c: ConvCase, _ o: OptionsCase) {
        let x = hashUniform(seed: 11, shape: c.input, low: -1, high: 1)
        let w = hashUniform(seed: 12, shape: c.kernel, low: -0.5, high: 0.5)
        let b = hashUniform(seed: 13, shape: [c.kernel[3]], low: -0.5, high: 0.5)
        let g = conv2DGeometry(input: c.input, kernel: c.kernel, strides: c.strides, padding: c.padding)
        let dy = hashUniform(seed: 14, shape: g.outputShape, low: -1, high: 1)
        let what = "\(c.name), \(o.name)"

        let y = conv2DForward(input: x, kernel: w, bias: b, strides: c.strides, padding: c.padding, options: o.options)
        let yRef = NaiveKernels.conv2DForward(input: x, kernel: w, bias: b, strides: c.strides, padding: c.padding)
        expectClose(y, yRef, tolerance: 1e-5, "\(what): y")
        let unbiased = conv2DForward(input: x, kernel: w, bias: nil, strides: c.strides, padding: c.padding, options: o.options)
        expectClose(unbiased, NaiveKernels.conv2DForward(input: x, kernel: w, bias: nil, strides: c.strides, padding: c.padding),
                    tolerance: 1e-5, "\(what): y without bias")

        let fast = conv2DBackward(input: x, kernel: w, outputGradient: dy, strides: c.strides, padding: c.padding,
                                  options: o.options)
        let ref = NaiveKernels.conv2DBackward(input: x, kernel: w, outputGradient: dy, strides: c.strides, padding: c.padding)
        expectClose(fast.input ?? .zeros([0]), ref.input, tolerance: 1e-5, "\(what): dx")
        expectClose(fast.kernel ?? .zeros([0]), ref.kernel, tolerance: 1e-5, "\(what): dw")
        expectClose(fast.bias ?? .zeros([0]), ref.bias, tolerance: 1e-5, "\(what): db")

        // Same options, same bits.
        let again = conv2DBackward(input: x, kernel: w, outputGradient: dy, strides: c.strides, padding: c.padding,
                                   options: o.options)
        #expect(conv2DForward(input: x, kernel: w, bias: b, strides: c.strides, padding: c.padding, options: o.options) == y)
        #expect(again.input == fast.input && again.kernel == fast.kernel && again.bias == fast.bias, "\(what): not reproducible")
    }

    /// Threads take the chunks of a Winograd convolution as they become free, so which thread runs
    /// which chunk changes from run to run; each chunk writes only its own output tiles from its own
    /// scratch, so the forward pass and the input gradient must not depend on it, nor on the number
    /// of threads (repeated to give a race between the threads' scratch a chance to show).
    @Test("Winograd forward and input gradient: the same bits on 1, 2 and 3 threads sharing 1-row chunks",
          arguments: WinogradTile.all)
    func winogradChunksShared(_ tile: WinogradTile) {
        let x = hashUniform(seed: 41, shape: [3, 13, 11, 5], low: -1, high: 1)
        let w = hashUniform(seed: 42, shape: [3, 3, 5, 7], low: -0.5, high: 0.5)
        let b = hashUniform(seed: 43, shape: [7], low: -0.5, high: 0.5)
        let dy = hashUniform(seed: 44, shape: [3, 13, 11, 7], low: -1, high: 1)
        func run(_ threads: Int) -> (Tensor, Tensor?) {
            let options = ConvolutionOptions(threads: threads, chunkBytes: 1, minimumChunkPixels: 1, threading: .chunks,
                                             algorithm: .winograd, winogradTileSize: tile.m)
            let y = conv2DForward(input: x, kernel: w, bias: b, strides: (1, 1), padding: .same, options: options, relu: true)
            let dx = conv2DBackward(input: x, kernel: w, outputGradient: dy, strides: (1, 1), padding: .same,
                                    computeKernelGradient: false, options: options).input
            return (y, dx)
        }
        let (y1, dx1) = run(1)
        let linear = NaiveKernels.conv2DForward(input: x, kernel: w, bias: b, strides: (1, 1), padding: .same)
        expectClose(y1, Tensor(shape: linear.shape, scalars: linear.scalars.map { max($0, 0) }), tolerance: 1e-5, "\(tile): y")
        for threads in [2, 3, 2, 3, 2] {
            let (y, dx) = run(threads)
            #expect(y == y1, "\(tile), \(threads) threads: y")
            #expect(dx == dx1, "\(tile), \(threads) threads: dx")
        }
    }

    /// The unpacked GEMM starts its sums from the bias and clamps them as it stores the last block
    /// of 128 patch rows; OpenBLAS gets a bias pre-fill and a separate ReLU pass. Both must give the
    /// naive twin's max(y, 0): patches 18 to 144 deep (one and two blocks), 85 filters (full 64-wide
    /// strips, 16-wide ones and a 5-wide masked tail), pixel counts not a multiple of six.
    @Test("ReLU and bias fused into the shallow-patch GEMM match separate passes", arguments: [
        ConvCase(name: "3×3 same, C = 2", input: [2, 5, 7, 2], kernel: [3, 3, 2, 85], padding: .same),
        ConvCase(name: "3×3 same, C = 16 (two patch blocks)", input: [1, 4, 5, 16], kernel: [3, 3, 16, 85], padding: .same),
        ConvCase(name: "5×5 valid s2, C = 3", input: [2, 9, 11, 3], kernel: [5, 5, 3, 20], strides: (2, 2), padding: .valid),
    ], [0, 64, Int.max])
    func fusedReLU(_ c: ConvCase, _ maximumPatch: Int) {
        let x = hashUniform(seed: 31, shape: c.input, low: -1, high: 1)
        let w = hashUniform(seed: 32, shape: c.kernel, low: -0.5, high: 0.5)
        let b = hashUniform(seed: 33, shape: [c.kernel[3]], low: -0.5, high: 0.5)
        for threads in [1, 2] {
            let options = ConvolutionOptions(threads: threads, chunkBytes: 1, minimumChunkPixels: 7, threading: .chunks,
                                             algorithm: .gemm, unpackedLoweringMaximumPatch: maximumPatch)
            for bias in [b, nil] {
                let y = conv2DForward(input: x, kernel: w, bias: bias, strides: c.strides, padding: c.padding,
                                      options: options, relu: true)
                let linear = NaiveKernels.conv2DForward(input: x, kernel: w, bias: bias, strides: c.strides, padding: c.padding)
                let expected = Tensor(shape: linear.shape, scalars: linear.scalars.map { max($0, 0) })
                expectClose(y, expected, tolerance: 1e-5,
                            "\(c.name), patches ≤ \(maximumPatch) unpacked, \(threads) thread(s), bias \(bias != nil)")
                #expect(y.scalars.allSatisfy { $0 >= 0 })
            }
        }
    }

    /// Pooled in the Winograd output transform (even tile sizes) or, for F(3), after the
    /// convolution: either way the same bits as the convolution followed by the max-pool. Odd
    /// output sizes drop the last row or column; 20 filters leave a masked 4-wide tail; 1-row chunks
    /// on 2 threads cross chunk and thread boundaries inside an image.
    @Test("a max-pool fused into the convolution gives the bits of the two run in turn", arguments: [
        ConvCase(name: "3×3 same, 9×11 → 4×5", input: [2, 9, 11, 5], kernel: [3, 3, 5, 20], padding: .same),
        ConvCase(name: "3×3 same, 12×14 → 6×7", input: [1, 12, 14, 16], kernel: [3, 3, 16, 16], padding: .same),
        ConvCase(name: "3×3 valid, 9×8 → 3×3", input: [2, 9, 8, 17], kernel: [3, 3, 17, 33], padding: .valid),
        ConvCase(name: "3×3 same, 3×3 → 1×1", input: [3, 3, 3, 16], kernel: [3, 3, 16, 16], padding: .same),
    ], [2, 3, 4, 6])
    func fusedMaxPool(_ c: ConvCase, _ tileSize: Int) {
        let x = hashUniform(seed: 41, shape: c.input, low: -1, high: 1)
        let w = hashUniform(seed: 42, shape: c.kernel, low: -0.5, high: 0.5)
        let b = hashUniform(seed: 43, shape: [c.kernel[3]], low: -0.5, high: 0.5)
        for options in [
            ConvolutionOptions(algorithm: .winograd, winogradTileSize: tileSize),
            ConvolutionOptions(threads: 2, chunkBytes: 1, minimumChunkPixels: 1, threading: .chunks, algorithm: .winograd,
                               winogradTileSize: tileSize),
            ConvolutionOptions(threads: 2, threading: .splitGEMM, algorithm: .winograd, winogradTileSize: tileSize),
        ] {
            for (bias, relu) in [(b, true), (nil, true), (b, false)] {
                let y = conv2DForward(input: x, kernel: w, bias: bias, padding: c.padding, options: options, relu: relu)
                let expected = maxPool2DForward(input: y, pool: (2, 2), strides: (2, 2), padding: .valid)
                let (fused, counts) = KernelCounters.counting {
                    conv2DForwardMaxPooled(input: x, kernel: w, bias: bias, padding: c.padding, options: options, relu: relu)
                }
                #expect(fused == expected, "\(c.name), F(\(tileSize)), \(options.threading), bias \(bias != nil), relu \(relu)")
                #expect(counts[.conv2DForward] == 1 && counts[.maxPoolForward] == 1)
            }
        }
    }

    @Test("the naive twin's gradients match central differences", arguments: [
        ConvCase(name: "3×3 same s1", input: [2, 4, 5, 2], kernel: [3, 3, 2, 3], padding: .same),
        ConvCase(name: "2×2 same s2", input: [1, 5, 4, 2], kernel: [2, 2, 2, 2], strides: (2, 2), padding: .same),
        ConvCase(name: "3×2 valid s2×1", input: [1, 6, 5, 2], kernel: [3, 2, 2, 2], strides: (2, 1), padding: .valid),
    ])
    func finiteDifferences(_ c: ConvCase) {
        let x = referenceUniform(c.input, seed: 21)
        let w = referenceUniform(c.kernel, seed: 22)
        let b = referenceUniform([c.kernel[3]], seed: 23)
        let g = conv2DGeometry(input: c.input, kernel: c.kernel, strides: c.strides, padding: c.padding)
        let r = referenceUniform(g.outputShape, seed: 24)   // L = ⟨y, r⟩, so dL/dy = r
        func loss(_ x: ReferenceTensor, _ w: ReferenceTensor, _ b: ReferenceTensor) -> Double {
            NaiveKernels.conv2DForward(input: x, kernel: w, bias: b, strides: c.strides, padding: c.padding).dot(r)
        }
        let grads = NaiveKernels.conv2DBackward(input: x, kernel: w, outputGradient: r, strides: c.strides, padding: c.padding)
        // L is linear in each argument: central differences are exact up to rounding (≈ 1e-16/h).
        expectClose(grads.input, centralDifferences(at: x, h: 1e-3) { loss($0, w, b) }, tolerance: 1e-9, "\(c.name): dx")
        expectClose(grads.kernel, centralDifferences(at: w, h: 1e-3) { loss(x, $0, b) }, tolerance: 1e-9, "\(c.name): dw")
        expectClose(grads.bias, centralDifferences(at: b, h: 1e-3) { loss(x, w, $0) }, tolerance: 1e-9, "\(c.name): db")
    }

    @Test("backward computes, and counts, only the gradients asked for")
    func onlyWhatIsAsked() {
        let x = hashUniform(seed: 1, shape: [1, 4, 4, 2], low: -1, high: 1)
        let w = hashUniform(seed: 2, shape: [3, 3, 2, 3], low: -1, high: 1)
        let dy = hashUniform(seed: 3, shape: [1, 4, 4, 3], low: -1, high: 1)
        let (frozen, frozenCounts) = KernelCounters.counting {
            conv2DBackward(input: x, kernel: w, outputGradient: dy, padding: .same, computeKernelGradient: false)
        }
        #expect(frozen.input != nil && frozen.kernel == nil && frozen.bias == nil)
        #expect(frozenCounts[.conv2DInputGradient] == 1 && frozenCounts[.conv2DKernelGradient] == 0)
        let (first, firstCounts) = KernelCounters.counting {
            conv2DBackward(input: x, kernel: w, outputGradient: dy, padding: .same, computeInputGradient: false)
        }
        #expect(first.input == nil && first.kernel != nil && first.bias != nil)
        #expect(firstCounts[.conv2DInputGradient] == 0 && firstCounts[.conv2DKernelGradient] == 1)
        let (_, forwardCounts) = KernelCounters.counting {
            conv2DForward(input: x, kernel: w, bias: nil, padding: .same)
        }
        #expect(forwardCounts[.conv2DForward] == 1 && forwardCounts[.conv2DKernelGradient] == 0)
    }

    @Test("empty batches and zero filters give empty results")
    func empty() {
        let w = hashUniform(seed: 2, shape: [3, 3, 2, 3], low: -1, high: 1)
        let y = conv2DForward(input: .zeros([0, 4, 4, 2]), kernel: w, bias: nil, padding: .same)
        #expect(y.shape == [0, 4, 4, 3])
        let g = conv2DBackward(input: .zeros([0, 4, 4, 2]), kernel: w, outputGradient: .zeros([0, 4, 4, 3]), padding: .same)
        #expect(g.input?.shape == [0, 4, 4, 2] && g.kernel == .zeros([3, 3, 2, 3]) && g.bias == .zeros([3]))
    }
}

/// Release-sized checks: `FINETUNE_SLOW=1 swift test -c release --filter Conv2DSlowTests`.
@Suite("Conv2D at VGG16 sizes", .enabled(if: slowTestsEnabled), .tags(.slow))
struct Conv2DSlowTests {
    @Test("fast kernels match the naive twin at VGG16 channel counts", arguments: [
        ConvCase(name: "block1_conv1 2×32×32", input: [2, 32, 32, 3], kernel: [3, 3, 3, 64], padding: .same),
        ConvCase(name: "block1_conv2 2×24×24", input: [2, 24, 24, 64], kernel: [3, 3, 64, 64], padding: .same),
        ConvCase(name: "block3_conv1 2×9×9", input: [2, 9, 9, 128], kernel: [3, 3, 128, 256], padding: .same),
        ConvCase(name: "block5_conv2 1×5×5", input: [1, 5, 5, 512], kernel: [3, 3, 512, 512], padding: .same),
    ], OptionsCase.all)
    func vggMatchesNaive(_ c: ConvCase, _ o: OptionsCase) {
        let x = hashUniform(seed: 31, shape: c.input, low: -1, high: 1)
        let w = hashUniform(seed: 32, shape: c.kernel, low: -0.05, high: 0.05)
        let b = hashUniform(seed: 33, shape: [c.kernel[3]], low: -0.5, high: 0.5)
        let dy = hashUniform(seed: 34, shape: conv2DGeometry(input: c.input, kernel: c.kernel, strides: c.strides,
                                                             padding: c.padding).outputShape, low: -1, high: 1)
        let what = "\(c.name), \(o.name)"
        // Up to 4608-term float32 dot products: rounding ≈ √4608·6e-8 ≈ 4e-6 relative.
        expectClose(conv2DForward(input: x, kernel: w, bias: b, padding: c.padding, options: o.options),
                    NaiveKernels.conv2DForward(input: x, kernel: w, bias: b, padding: c.padding),
                    tolerance: 1e-5, "\(what): y")
        let fast = conv2DBackward(input: x, kernel: w, outputGradient: dy, padding: c.padding, options: o.options)
        let ref = NaiveKernels.conv2DBackward(input: x, kernel: w, outputGradient: dy, padding: c.padding)
        expectClose(fast.input ?? .zeros([0]), ref.input, tolerance: 1e-5, "\(what): dx")
        expectClose(fast.kernel ?? .zeros([0]), ref.kernel, tolerance: 1e-5, "\(what): dw")
        expectClose(fast.bias ?? .zeros([0]), ref.bias, tolerance: 1e-5, "\(what): db")
    }

    @Test("full-size block1_conv2 (2×150×150×64): every threading agrees, spot values match the definition")
    func fullSize() {
        let x = hashUniform(seed: 41, shape: [2, 150, 150, 64], low: -1, high: 1)
        let w = hashUniform(seed: 42, shape: [3, 3, 64, 64], low: -0.05, high: 0.05)
        let b = hashUniform(seed: 43, shape: [64], low: -0.5, high: 0.5)
        let dy = hashUniform(seed: 44, shape: [2, 150, 150, 64], low: -1, high: 1)
        let y = conv2DForward(input: x, kernel: w, bias: b, padding: .same)
        let grads = conv2DBackward(input: x, kernel: w, outputGradient: dy, padding: .same)
        // Real-size chunking (default chunk sizes) under each algorithm and threading. Two float32
        // algorithms, each ≈ 1e-6 from the exact values, agree to 1e-5.
        for o in OptionsCase.all.dropFirst() where o.name.contains("2") {
            let opts = ConvolutionOptions(threads: o.options.threads, threading: o.options.threading,
                                          algorithm: o.options.algorithm)
            expectClose(conv2DForward(input: x, kernel: w, bias: b, padding: .same, options: opts), y, tolerance: 1e-5, "\(o.name): y")
            let g = conv2DBackward(input: x, kernel: w, outputGradient: dy, padding: .same, options: opts)
            expectClose(g.input ?? .zeros([0]), grads.input ?? .zeros([1]), tolerance: 1e-5, "\(o.name): dx")
            expectClose(g.kernel ?? .zeros([0]), grads.kernel ?? .zeros([1]), tolerance: 1e-5, "\(o.name): dw")
        }
        // Spot checks straight from the definition, in Double.
        var rng = SeededRNG(seed: 45)
        let dx = grads.input ?? .zeros(x.shape), dw = grads.kernel ?? .zeros(w.shape)
        for _ in 0..<40 {
            let n = Int.random(in: 0..<2, using: &rng), i = Int.random(in: 0..<150, using: &rng)
            let j = [0, 149, Int.random(in: 0..<150, using: &rng)][Int.random(in: 0..<3, using: &rng)]
            let f = Int.random(in: 0..<64, using: &rng)
            var yv = Double(b[f]), dxv = 0.0
            for p in 0..<3 { for q in 0..<3 {
                let r = i - 1 + p, c = j - 1 + q
                if r >= 0, r < 150, c >= 0, c < 150 {
                    for ch in 0..<64 { yv += Double(x[n, r, c, ch]) * Double(w[p, q, ch, f]) }
                }
                // dx at (n, i, j, channel f): tap (p, q) of output (i + 1 − p, j + 1 − q) reads input (i, j).
                let oi = i + 1 - p, oj = j + 1 - q
                if oi >= 0, oi < 150, oj >= 0, oj < 150 {
                    for o in 0..<64 { dxv += Double(dy[n, oi, oj, o]) * Double(w[p, q, f, o]) }
                }
            } }
            // 576-term float32 sums of terms ≤ 0.05 in size, values ≈ 0.4: rounding ≲ 1e-6 absolute.
            #expect(abs(Double(y[n, i, j, f]) - yv) <= 1e-5, "y[\(n),\(i),\(j),\(f)]: \(y[n, i, j, f]) vs \(yv)")
            #expect(abs(Double(dx[n, i, j, f]) - dxv) <= 1e-5, "dx[\(n),\(i),\(j),\(f)]: \(dx[n, i, j, f]) vs \(dxv)")
        }
        for _ in 0..<10 {
            let p = Int.random(in: 0..<3, using: &rng), q = Int.random(in: 0..<3, using: &rng)
            let c = Int.random(in: 0..<64, using: &rng), f = Int.random(in: 0..<64, using: &rng)
            var v = 0.0
            for n in 0..<2 { for i in 0..<150 { for j in 0..<150 {
                let r = i - 1 + p, cc = j - 1 + q
                guard r >= 0, r < 150, cc >= 0, cc < 150 else { continue }
                v += Double(x[n, r, cc, c]) * Double(dy[n, i, j, f])
            } } }
            // A 45 000-term sum of random-sign products: compare relative to its typical size √N.
            #expect(abs(Double(dw[p, q, c, f]) - v) <= 1e-5 * (45_000.0).squareRoot(), "dw[\(p),\(q),\(c),\(f)]: \(dw[p, q, c, f]) vs \(v)")
        }
    }
}
