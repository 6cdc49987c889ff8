import FinetuneCore
import FinetuneTestSupport
import Testing

@Suite("MaxPool2D")
struct MaxPool2DTests {
    private func geometry(_ c: GoldenCase) throws -> (pool: (Int, Int), strides: (Int, Int), padding: Padding) {
        (try c.pair("pool"), try c.pair("strides"), try c.padding())
    }

    @Test("forward and backward match TensorFlow, ties to the first maximum", .tags(.golden),
          arguments: KernelGoldens.names(kind: "maxpool2d"))
    func golden(_ name: String) throws {
        let c = try KernelGoldens.named(name)
        let (pool, strides, padding) = try geometry(c)
        let x = try c.input("x"), dy = try c.input("dy")
        let y = maxPool2DForward(input: x, pool: pool, strides: strides, padding: padding)
        expectClose(y, try c.tensor("y"), tolerance: c.tolerance, "\(name) y")
        let dx = maxPool2DBackward(input: x, output: y, outputGradient: dy, pool: pool, strides: strides, padding: padding)
        expectClose(dx, try c.tensor("dx"), tolerance: c.tolerance, "\(name) dx")
        #expect(dx.scalars.map { $0 != 0 } == (try c.tensor("dx")).scalars.map { $0 != 0 }, "\(name): routing differs")
    }

    @Test("the naive twin matches the golden", .tags(.golden), arguments: KernelGoldens.names(kind: "maxpool2d"))
    func naiveGolden(_ name: String) throws {
        let c = try KernelGoldens.named(name)
        let (pool, strides, padding) = try geometry(c)
        let x = try c.input("x"), dy = try c.input("dy")
        expectClose(NaiveKernels.maxPool2DForward(input: x, pool: pool, strides: strides, padding: padding),
                    try c.tensor("y"), tolerance: c.tolerance, "\(name) naive y")
        expectClose(NaiveKernels.maxPool2DBackward(input: x, outputGradient: dy, pool: pool, strides: strides, padding: padding),
                    try c.tensor("dx"), tolerance: c.tolerance, "\(name) naive dx")
    }

    @Test("fast kernels equal the naive twin exactly on ties, negative values and odd sizes")
    func fastMatchesNaive() {
        for (shape, pool, strides, padding) in [([2, 9, 7, 5] as Shape, (2, 2), (2, 2), Padding.valid),
                                                ([1, 5, 6, 3], (3, 3), (2, 2), .same),
                                                ([2, 4, 5, 2], (3, 2), (1, 1), .same),
                                                ([3, 1, 1, 4], (2, 2), (2, 2), .same)] {
            // Quantised values: many equal maxima, all negative in places.
            let raw = hashUniform(seed: 51, shape: shape, low: -2, high: 1)
            let x = Tensor(shape: shape, scalars: raw.scalars.map { ($0 * 2).rounded(.down) / 2 })
            let y = maxPool2DForward(input: x, pool: pool, strides: strides, padding: padding)
            #expect(y == NaiveKernels.maxPool2DForward(input: x, pool: pool, strides: strides, padding: padding))
            let dy = hashUniform(seed: 52, shape: y.shape, low: -1, high: 1)
            let dx = maxPool2DBackward(input: x, output: y, outputGradient: dy, pool: pool, strides: strides, padding: padding)
            expectClose(dx, NaiveKernels.maxPool2DBackward(input: x, outputGradient: dy, pool: pool, strides: strides,
                                                           padding: padding),
                        tolerance: 1e-6, "\(shape) pool \(pool) strides \(strides) \(padding)")
        }
    }

    @Test("the naive twin's gradient matches central differences away from ties")
    func finiteDifferences() {
        let x = referenceUniform([2, 5, 6, 2], seed: 53)     // distinct values: max is locally linear
        for (pool, strides, padding) in [((2, 2), (2, 2), Padding.valid), ((3, 3), (2, 2), .same), ((3, 3), (1, 1), .same)] {
            let y = NaiveKernels.maxPool2DForward(input: x, pool: pool, strides: strides, padding: padding)
            let r = referenceUniform(y.shape, seed: 54)
            let dx = NaiveKernels.maxPool2DBackward(input: x, outputGradient: r, pool: pool, strides: strides, padding: padding)
            let numeric = centralDifferences(at: x, h: 1e-6) {
                NaiveKernels.maxPool2DForward(input: $0, pool: pool, strides: strides, padding: padding).dot(r)
            }
            expectClose(dx, numeric, tolerance: 1e-8, "pool \(pool) strides \(strides) \(padding)")
        }
    }

    @Test("counts its calls")
    func counts() {
        let x = hashUniform(seed: 1, shape: [1, 4, 4, 1], low: -1, high: 1)
        let (_, c) = KernelCounters.counting {
            let y = maxPool2DForward(input: x)
            _ = maxPool2DBackward(input: x, output: y, outputGradient: y)
        }
        #expect(c[.maxPoolForward] == 1 && c[.maxPoolBackward] == 1)
    }
}
