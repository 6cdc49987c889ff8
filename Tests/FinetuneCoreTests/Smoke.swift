import Testing
import FinetuneCore
import FinetuneTestSupport

@Suite("Tensor")
struct TensorBasics {
    @Test("reshape keeps scalars, subscript is row-major")
    func reshape() {
        let t = Tensor(shape: [2, 3], scalars: [0, 1, 2, 3, 4, 5])
        #expect(t[1, 0] == 3)
        let r = t.reshaped([3, 2])
        #expect(r[1, 0] == 2)
        #expect(r.scalars == t.scalars)
    }
    @Test("im2col convolution matches the naive definition on a small odd case")
    func convMatchesNaive() {
        var rng = SeededRNG(seed: 1)
        let x = Tensor.uniform([2, 7, 9, 3], low: -1, high: 1, using: &rng)
        let w = Tensor.uniform([3, 3, 3, 5], low: -1, high: 1, using: &rng)
        let b = Tensor.uniform([5], low: -1, high: 1, using: &rng)
        for padding in Padding.allCases { for s in [1, 2] {
            let fast = conv2DForward(input: x, kernel: w, bias: b, strides: (s, s), padding: padding)
            let ref = NaiveKernels.conv2DForward(input: x, kernel: w, bias: b, strides: (s, s), padding: padding)
            expectClose(fast, ref, tolerance: 1e-6, "\(padding) s\(s)")
        } }
    }
}
