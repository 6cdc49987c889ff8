import FinetuneCore
import FinetuneTestSupport
import Testing

@Suite("Global pooling kernels")
struct GlobalPooling2DTests {
    static let shapes: [Shape] = [[3, 4, 5, 6], [2, 1, 1, 4], [1, 7, 3, 33]]

    @Test("average: forward and backward match the naive twin", arguments: shapes)
    func average(_ shape: Shape) {
        let x = hashUniform(seed: 141, shape: shape, low: -1, high: 1)
        // H·W-term sums in Double, one rounding: ≈ 1e-7 relative.
        expectClose(globalAveragePool2DForward(input: x), NaiveKernels.globalAveragePool2DForward(input: x),
                    tolerance: 1e-6, "\(shape): y")
        let dy = hashUniform(seed: 142, shape: [shape[0], shape[3]], low: -1, high: 1)
        expectClose(globalAveragePool2DBackward(outputGradient: dy, inputShape: shape),
                    NaiveKernels.globalAveragePool2DBackward(outputGradient: dy, inputShape: shape), tolerance: 1e-6, "\(shape): dx")
    }

    @Test("max: forward and backward equal the naive twin, ties sharing the gradient", arguments: shapes)
    func maximum(_ shape: Shape) {
        let raw = hashUniform(seed: 143, shape: shape, low: -2, high: 2)
        let x = Tensor(shape: shape, scalars: raw.scalars.map { $0.rounded(.down) })   // four levels: many ties
        let y = globalMaxPool2DForward(input: x)
        #expect(y == NaiveKernels.globalMaxPool2DForward(input: x))
        let dy = hashUniform(seed: 144, shape: y.shape, low: -1, high: 1)
        expectClose(globalMaxPool2DBackward(input: x, output: y, outputGradient: dy),
                    NaiveKernels.globalMaxPool2DBackward(input: x, outputGradient: dy), tolerance: 1e-6, "\(shape): dx")
    }

    @Test("max: a NaN makes its channel's maximum and gradient NaN (TensorFlow's reduce_max)")
    func nan() {
        let x = Tensor(shape: [1, 2, 1, 2], scalars: [1, .nan, 3, 2])
        let y = globalMaxPool2DForward(input: x)
        #expect(y[0, 0] == 3 && y[0, 1].isNaN)
        let dx = globalMaxPool2DBackward(input: x, output: y, outputGradient: Tensor(repeating: 1, shape: [1, 2]))
        #expect(dx[0, 0, 0, 0] == 0 && dx[0, 1, 0, 0] == 1 && dx[0, 0, 0, 1].isNaN && dx[0, 1, 0, 1].isNaN)
    }
}
