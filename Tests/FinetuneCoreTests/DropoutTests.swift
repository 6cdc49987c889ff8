import FinetuneCore
import FinetuneTestSupport
import Testing

@Suite("Dropout")
struct DropoutTests {
    @Test("keeps about 1 − rate of the units, scaled by 1/(1 − rate)", arguments: [0.0, 0.25, 0.5])
    func keepsAndScales(rate: Float) {
        var rng = SeededRNG(seed: 91)
        let x = hashUniform(seed: 92, shape: [100, 100], low: 0.5, high: 1)
        let (y, mask) = dropoutForward(x, rate: rate, using: &rng)
        let scale = 1 / (1 - rate)
        #expect(mask.scalars.allSatisfy { $0 == 0 || $0 == scale })
        let kept = Double(mask.scalars.filter { $0 != 0 }.count) / 10_000
        #expect(abs(kept - Double(1 - rate)) < 0.02)   // > 4 standard errors (≤ 0.005)
        for i in 0..<x.scalarCount { #expect(y.scalars[i] == x.scalars[i] * mask.scalars[i]) }
    }

    @Test("the same generator state draws the same mask")
    func deterministic() {
        var a = SeededRNG(seed: 5), b = SeededRNG(seed: 5)
        let x = Tensor(repeating: 1, shape: [64])
        #expect(dropoutForward(x, rate: 0.5, using: &a).mask == dropoutForward(x, rate: 0.5, using: &b).mask)
        #expect(dropoutForward(x, rate: 0.5, using: &a).mask != dropoutForward(x, rate: 0.5, using: &a).mask)
    }

    @Test("backward multiplies by the mask")
    func backward() {
        let mask = Tensor(shape: [4], scalars: [0, 2, 2, 0])
        let dy = Tensor(shape: [4], scalars: [1, 2, 3, 4])
        #expect(dropoutBackward(mask: mask, outputGradient: dy).scalars == [0, 4, 6, 0])
    }
}
