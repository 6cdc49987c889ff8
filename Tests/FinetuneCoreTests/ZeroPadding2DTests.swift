import FinetuneCore
import FinetuneTestSupport
import Testing

@Suite("ZeroPadding2D kernels")
struct ZeroPadding2DTests {
    @Test("forward and backward equal the naive twin exactly", arguments: [
        ZeroPadding2DAmounts(top: 1, bottom: 2, left: 3, right: 0),
        ZeroPadding2DAmounts(top: 0, bottom: 1, left: 0, right: 1),
        ZeroPadding2DAmounts(top: 3, bottom: 3, left: 3, right: 3),
        ZeroPadding2DAmounts(top: 0, bottom: 0, left: 0, right: 0),
    ])
    func matchesNaive(_ padding: ZeroPadding2DAmounts) {
        let x = hashUniform(seed: 121, shape: [2, 4, 5, 3], low: -1, high: 1)
        let y = zeroPadding2DForward(input: x, padding: padding)
        #expect(y == NaiveKernels.zeroPadding2DForward(input: x, padding: padding))
        let dy = hashUniform(seed: 122, shape: y.shape, low: -1, high: 1)
        #expect(zeroPadding2DBackward(outputGradient: dy, padding: padding)
                == NaiveKernels.zeroPadding2DBackward(outputGradient: dy, padding: padding))
    }

    @Test("the naive twin's backward is the adjoint of its forward: ⟨pad(x), r⟩ = ⟨x, crop(r)⟩")
    func adjoint() {
        let padding = ZeroPadding2DAmounts(top: 2, bottom: 0, left: 1, right: 2)
        let x = referenceUniform([1, 3, 2, 2], seed: 123)
        let r = referenceUniform(padding.paddedShape(x.shape), seed: 124)
        let lhs = NaiveKernels.zeroPadding2DForward(input: x, padding: padding).dot(r)
        let rhs = x.dot(NaiveKernels.zeroPadding2DBackward(outputGradient: r, padding: padding))
        #expect(abs(lhs - rhs) <= 1e-12)
    }
}
