import Testing
import FinetuneCore
import FinetuneTestSupport

/// NaN and ±∞ through the kernels, against TensorFlow 2.21's own outputs (Goldens/gen_nonfinite.py).
/// A NaN must never vanish where TensorFlow keeps it: ReLU keeps it (also fused into a convolution's
/// output pass, in C), a max-pool drops it and starts from −FLT_MAX, its gradient routes as
/// TensorFlow's does.
@Suite("Non-finite values", .tags(.golden))
struct NonFiniteKernelTests {
    static let suite = Result { try GoldenSuite.load("nonfinite") }

    /// Equal where both are numbers (±0 alike), NaN exactly where `expected` is NaN.
    func expectSame(_ actual: Tensor, _ expected: Tensor, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(actual.shape == expected.shape, "\(what): shape", sourceLocation: sourceLocation)
        for (i, (a, e)) in zip(actual.scalars, expected.scalars).enumerated() {
            if e.isNaN { #expect(a.isNaN, "\(what)[\(i)]: \(a), TensorFlow NaN", sourceLocation: sourceLocation) }
            else { #expect(a == e, "\(what)[\(i)]: \(a), TensorFlow \(e)", sourceLocation: sourceLocation) }
        }
    }

    @Test("ReLU keeps NaN and +∞, as tf.nn.relu; its gradient is 0 at NaN")
    func relu() throws {
        let c = try Self.suite.get().named("relu")
        let x = try c.tensor("x"), dy = try c.tensor("dy")
        let y = reluForward(x)
        expectSame(y, try c.tensor("y"), "y")
        expectSame(reluBackward(output: y, outputGradient: dy), try c.tensor("dx"), "dx")
        expectSame(NaiveKernels.reluForward(x), try c.tensor("y"), "naive y")
        expectSame(NaiveKernels.reluBackward(output: y, outputGradient: dy), try c.tensor("dx"), "naive dx")
    }

    @Test("max-pool skips NaN from −FLT_MAX; its gradient routes as TensorFlow's", arguments: ["maxpool.2x2s2.valid", "maxpool.3x3s2.same"])
    func maxPool(_ name: String) throws {
        let c = try Self.suite.get().named(name)
        let pool = (c.params["pool"]?.array ?? []).compactMap { $0.int }
        let strides = (c.params["strides"]?.array ?? []).compactMap { $0.int }
        try #require(pool.count == 2 && strides.count == 2, "pool \(pool), strides \(strides) in the golden")
        let padding: Padding = c.params["padding"]?.string == "same" ? .same : .valid
        let x = try c.tensor("x"), dy = try c.tensor("dy")
        let y = maxPool2DForward(input: x, pool: (pool[0], pool[1]), strides: (strides[0], strides[1]), padding: padding)
        expectSame(y, try c.tensor("y"), "y")
        let dx = maxPool2DBackward(input: x, output: y, outputGradient: dy, pool: (pool[0], pool[1]),
                                   strides: (strides[0], strides[1]), padding: padding)
        expectSame(dx, try c.tensor("dx"), "dx")
        expectSame(NaiveKernels.maxPool2DForward(input: x, pool: (pool[0], pool[1]), strides: (strides[0], strides[1]),
                                                 padding: padding), try c.tensor("y"), "naive y")
        expectSame(NaiveKernels.maxPool2DBackward(input: x, outputGradient: dy, pool: (pool[0], pool[1]),
                                                  strides: (strides[0], strides[1]), padding: padding),
                   try c.tensor("dx"), "naive dx")
    }

    @Test("a convolution with fused ReLU keeps a NaN input: exactly TensorFlow's NaNs when direct, a superset as Winograd",
          arguments: OptionsCase.all)
    func convRelu(_ o: OptionsCase) throws {
        let c = try Self.suite.get().named("conv_relu")
        let expected = try c.tensor("y"), x = try c.tensor("x"), kernel = try c.tensor("kernel")
        let y = conv2DForward(input: x, kernel: kernel, bias: try c.tensor("bias"), padding: .same, options: o.options, relu: true)
        #expect(y.shape == expected.shape)
        let winograd = o.options.winogradTile(conv2DGeometry(input: x.shape, kernel: kernel.shape, strides: (1, 1),
                                                              padding: .same)) != nil
        var extra = 0
        for (i, (a, e)) in zip(y.scalars, expected.scalars).enumerated() {
            if e.isNaN { #expect(a.isNaN, "y[\(i)]: \(a), TensorFlow NaN") }
            else if a.isNaN { extra += 1 }   // a Winograd tile that holds the NaN pixel is NaN throughout
            else { #expect(abs(a - e) <= Float(c.tolerance) * max(1, abs(e)), "y[\(i)]: \(a), TensorFlow \(e)") }
        }
        if !winograd { #expect(extra == 0, "a direct convolution made \(extra) more NaNs than TensorFlow") }
        // Pooled in the output transform or after it: the same NaN-free maximum, bit for bit.
        let pooled = conv2DForwardMaxPooled(input: try c.tensor("x"), kernel: try c.tensor("kernel"), bias: try c.tensor("bias"),
                                            padding: .same, options: o.options, relu: true)
        let separate = maxPool2DForward(input: y)
        #expect(pooled.scalars.map(\.bitPattern) == separate.scalars.map(\.bitPattern))
    }

    @Test("a dense layer's ReLU keeps a NaN input")
    func denseRelu() throws {
        let c = try Self.suite.get().named("dense_relu")
        let z = denseForward(input: try c.tensor("x"), kernel: try c.tensor("kernel"), bias: nil)
        expectSame(reluForward(z), try c.tensor("y"), "y")
    }
}
