import FinetuneCore
import FinetuneTestSupport
import Testing

@Suite("Dense")
struct DenseTests {
    @Test("forward and backward match the NumPy/Keras golden", .tags(.golden), arguments: KernelGoldens.names(kind: "dense"))
    func golden(_ name: String) throws {
        let c = try KernelGoldens.named(name)
        let x = try c.input("x"), w = try c.input("w"), b = try c.input("b"), dy = try c.input("dy")
        expectClose(denseForward(input: x, kernel: w, bias: b), try c.tensor("y"), tolerance: c.tolerance, "\(name) y")
        let g = denseBackward(input: x, kernel: w, outputGradient: dy)
        expectClose(try #require(g.input), try c.tensor("dx"), tolerance: c.tolerance, "\(name) dx")
        try c.expectKernelGradient(try #require(g.kernel), "\(name) dw")
        expectClose(try #require(g.bias), try c.tensor("db"), tolerance: c.tolerance, "\(name) db")
    }

    @Test("the naive twin matches the golden", .tags(.golden), arguments: KernelGoldens.names(kind: "dense"))
    func naiveGolden(_ name: String) throws {
        let c = try KernelGoldens.named(name)
        let x = try c.input("x"), w = try c.input("w"), b = try c.input("b"), dy = try c.input("dy")
        expectClose(NaiveKernels.denseForward(input: x, kernel: w, bias: b), try c.tensor("y"), tolerance: c.tolerance, "\(name) y")
        let g = NaiveKernels.denseBackward(input: x, kernel: w, outputGradient: dy)
        expectClose(g.input, try c.tensor("dx"), tolerance: c.tolerance, "\(name) dx")
        try c.expectKernelGradient(g.kernel, "\(name) dw")
        expectClose(g.bias, try c.tensor("db"), tolerance: c.tolerance, "\(name) db")
    }

    @Test("fast kernels match the naive twin, with and without bias")
    func fastMatchesNaive() {
        for (n, k, m) in [(1, 1, 1), (3, 17, 5), (20, 300, 7), (7, 64, 1)] {
            let x = hashUniform(seed: 61, shape: [n, k], low: -1, high: 1)
            let w = hashUniform(seed: 62, shape: [k, m], low: -0.25, high: 0.25)
            let b = hashUniform(seed: 63, shape: [m], low: -1, high: 1)
            let dy = hashUniform(seed: 64, shape: [n, m], low: -1, high: 1)
            expectClose(denseForward(input: x, kernel: w, bias: b), NaiveKernels.denseForward(input: x, kernel: w, bias: b),
                        tolerance: 1e-5, "\(n)×\(k)×\(m) y")
            expectClose(denseForward(input: x, kernel: w, bias: nil), NaiveKernels.denseForward(input: x, kernel: w, bias: nil),
                        tolerance: 1e-5, "\(n)×\(k)×\(m) y without bias")
            let fast = denseBackward(input: x, kernel: w, outputGradient: dy)
            let ref = NaiveKernels.denseBackward(input: x, kernel: w, outputGradient: dy)
            expectClose(fast.input ?? .zeros([0]), ref.input, tolerance: 1e-5, "\(n)×\(k)×\(m) dx")
            expectClose(fast.kernel ?? .zeros([0]), ref.kernel, tolerance: 1e-5, "\(n)×\(k)×\(m) dw")
            expectClose(fast.bias ?? .zeros([0]), ref.bias, tolerance: 1e-5, "\(n)×\(k)×\(m) db")
        }
    }

    @Test("the naive twin's gradients match central differences")
    func finiteDifferences() {
        let x = referenceUniform([3, 4], seed: 65), w = referenceUniform([4, 2], seed: 66), b = referenceUniform([2], seed: 67)
        let r = referenceUniform([3, 2], seed: 68)
        let g = NaiveKernels.denseBackward(input: x, kernel: w, outputGradient: r)
        expectClose(g.input, centralDifferences(at: x, h: 1e-3) { NaiveKernels.denseForward(input: $0, kernel: w, bias: b).dot(r) },
                    tolerance: 1e-9, "dx")
        expectClose(g.kernel, centralDifferences(at: w, h: 1e-3) { NaiveKernels.denseForward(input: x, kernel: $0, bias: b).dot(r) },
                    tolerance: 1e-9, "dw")
        expectClose(g.bias, centralDifferences(at: b, h: 1e-3) { NaiveKernels.denseForward(input: x, kernel: w, bias: $0).dot(r) },
                    tolerance: 1e-9, "db")
    }

    @Test("backward computes, and counts, only the gradients asked for")
    func onlyWhatIsAsked() {
        let x = hashUniform(seed: 1, shape: [2, 3], low: -1, high: 1), w = hashUniform(seed: 2, shape: [3, 4], low: -1, high: 1)
        let dy = hashUniform(seed: 3, shape: [2, 4], low: -1, high: 1)
        let (frozen, c1) = KernelCounters.counting { denseBackward(input: x, kernel: w, outputGradient: dy, computeKernelGradient: false) }
        #expect(frozen.input != nil && frozen.kernel == nil && frozen.bias == nil)
        #expect(c1[.denseInputGradient] == 1 && c1[.denseKernelGradient] == 0)
        let (first, c2) = KernelCounters.counting { denseBackward(input: x, kernel: w, outputGradient: dy, computeInputGradient: false) }
        #expect(first.input == nil && first.kernel != nil && first.bias != nil)
        #expect(c2[.denseInputGradient] == 0 && c2[.denseKernelGradient] == 1)
        let (_, c3) = KernelCounters.counting { denseForward(input: x, kernel: w, bias: nil) }
        #expect(c3[.denseForward] == 1)
    }
}
