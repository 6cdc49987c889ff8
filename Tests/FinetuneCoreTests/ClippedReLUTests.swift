import FinetuneCore
import FinetuneTestSupport
import Testing

@Suite("Clipped ReLU kernels")
struct ClippedReLUTests {
    @Test("forward and backward equal the naive twin, at 0, at the cap and around them", arguments: [Float(6), 4.5, 1e-3])
    func matchesNaive(_ cap: Float) {
        var values = hashUniform(seed: 131, shape: [5, 40], low: -8, high: 8).scalars
        values.replaceSubrange(0..<8, with: [0, -0, cap, cap.nextDown, cap.nextUp, .leastNonzeroMagnitude, .infinity, -.infinity])
        let x = Tensor(shape: [5, 40], scalars: values)
        let dy = hashUniform(seed: 132, shape: [5, 40], low: -1, high: 1)
        #expect(clippedReLUForward(x, maxValue: cap) == NaiveKernels.clippedReLUForward(x, maxValue: cap))
        for passes in [true, false] {
            let dx = clippedReLUBackward(input: x, outputGradient: dy, maxValue: cap, passesAtMaxValue: passes)
            #expect(dx == NaiveKernels.clippedReLUBackward(input: x, outputGradient: dy, maxValue: cap, passesAtMaxValue: passes))
            #expect(dx[0, 2] == (passes ? dy[0, 2] : 0), "gradient at exactly the cap")
            #expect(dx[0, 0] == 0 && dx[0, 1] == 0, "no gradient at 0")
        }
    }

    @Test("NaN stays NaN and gets no gradient, as in TensorFlow")
    func nan() {
        let x = Tensor(shape: [3], scalars: [.nan, 1, 7])
        let y = clippedReLUForward(x, maxValue: 6)
        #expect(y[0].isNaN && y[1] == 1 && y[2] == 6)
        let dx = clippedReLUBackward(input: x, outputGradient: Tensor(repeating: 1, shape: [3]), maxValue: 6, passesAtMaxValue: true)
        #expect(dx.scalars == [0, 1, 0])
    }
}
