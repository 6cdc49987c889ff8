import FinetuneCore
import FinetuneTestSupport
import Testing

@Suite("BatchNorm kernels")
struct BatchNormTests {
    static let shapes: [Shape] = [[4, 5, 3, 6], [8, 5], [1, 1, 1, 3], [2, 17, 19, 9]]

    /// Channels with their own offset and spread, as after a convolution.
    static func input(_ shape: Shape, seed: UInt64) -> Tensor {
        let c = shape.dimensions.last!
        let raw = hashUniform(seed: seed, shape: shape, low: -1, high: 1)
        return Tensor(shape: shape, scalars: raw.scalars.enumerated().map { i, v in v * Float(1 + i % c) + Float(i % c) - 2 })
    }

    /// Tolerance: elementwise float32 arithmetic on statistics summed in Double; ≈ 1e-7 relative.
    @Test("moments, forward and both backward modes match the naive twin", arguments: shapes)
    func fastMatchesNaive(_ shape: Shape) {
        let c = shape.dimensions.last!
        let x = Self.input(shape, seed: 91)
        let gamma = hashUniform(seed: 92, shape: [c], low: 0.5, high: 1.5)
        let beta = hashUniform(seed: 93, shape: [c], low: -1, high: 1)
        let dy = hashUniform(seed: 94, shape: shape, low: -1, high: 1)
        let (mean, variance) = batchNormMoments(x)
        let reference = NaiveKernels.batchNormMoments(x)
        expectClose(mean, reference.mean, tolerance: 1e-6, "\(shape): mean")
        expectClose(variance, reference.variance, tolerance: 1e-6, "\(shape): variance")
        let y = batchNormForward(input: x, mean: mean, variance: variance, gamma: gamma, beta: beta, epsilon: 1e-3)
        expectClose(y, NaiveKernels.batchNormForward(input: x, mean: mean, variance: variance, gamma: gamma, beta: beta,
                                                     epsilon: 1e-3), tolerance: 1e-6, "\(shape): y")
        for batchStatistics in [true, false] {
            let fast = batchNormBackward(input: x, mean: mean, variance: variance, gamma: gamma, epsilon: 1e-3,
                                         outputGradient: dy, batchStatistics: batchStatistics)
            let ref = NaiveKernels.batchNormBackward(input: x, mean: mean, variance: variance, gamma: gamma, epsilon: 1e-3,
                                                     outputGradient: dy, batchStatistics: batchStatistics)
            let what = "\(shape), batch statistics \(batchStatistics)"
            // (One value per channel: dx is 0 in training mode, up to the rounding of a·dy − a·Σdy/N.)
            expectClose(fast.input ?? .zeros([0]), ref.input, tolerance: 1e-5, "\(what): dx")
            expectClose(fast.gamma ?? .zeros([0]), ref.gamma, tolerance: 1e-6, "\(what): dgamma")
            expectClose(fast.beta ?? .zeros([0]), ref.beta, tolerance: 1e-6, "\(what): dbeta")
        }
    }

    @Test("the naive twin's gradients match central differences, through the batch statistics too")
    func finiteDifferences() {
        let x = referenceUniform([3, 2, 2, 3], seed: 101, low: -2, high: 2)
        let gamma = referenceUniform([3], seed: 102, low: 0.5, high: 1.5)
        let beta = referenceUniform([3], seed: 103)
        let moving = (mean: referenceUniform([3], seed: 104), variance: referenceUniform([3], seed: 105, low: 0.5, high: 2))
        let r = referenceUniform(x.shape, seed: 106)
        let eps = 1e-3
        for batchStatistics in [true, false] {
            func loss(_ x: ReferenceTensor, _ gamma: ReferenceTensor, _ beta: ReferenceTensor) -> Double {
                let (m, v) = batchStatistics ? NaiveKernels.batchNormMoments(x) : moving
                return NaiveKernels.batchNormForward(input: x, mean: m, variance: v, gamma: gamma, beta: beta, epsilon: eps).dot(r)
            }
            let (m, v) = batchStatistics ? NaiveKernels.batchNormMoments(x) : moving
            let g = NaiveKernels.batchNormBackward(input: x, mean: m, variance: v, gamma: gamma, epsilon: eps,
                                                   outputGradient: r, batchStatistics: batchStatistics)
            // L is smooth in x: the O(h²) truncation error of central differences stays below 1e-7.
            expectClose(g.input, centralDifferences(at: x, h: 1e-5) { loss($0, gamma, beta) }, tolerance: 1e-7,
                        "dx, batch statistics \(batchStatistics)")
            expectClose(g.gamma, centralDifferences(at: gamma, h: 1e-5) { loss(x, $0, beta) }, tolerance: 1e-7, "dgamma")
            expectClose(g.beta, centralDifferences(at: beta, h: 1e-5) { loss(x, gamma, $0) }, tolerance: 1e-7, "dbeta")
        }
    }

    @Test("backward computes only what is asked for")
    func onlyWhatIsAsked() {
        let x = Self.input([2, 3, 3, 4], seed: 111)
        let (mean, variance) = batchNormMoments(x)
        let gamma = Tensor(repeating: 1, shape: [4])
        let g = batchNormBackward(input: x, mean: mean, variance: variance, gamma: gamma, epsilon: 1e-3,
                                  outputGradient: x, batchStatistics: false, computeParameterGradients: false)
        #expect(g.input != nil && g.gamma == nil && g.beta == nil)
        let p = batchNormBackward(input: x, mean: mean, variance: variance, gamma: gamma, epsilon: 1e-3,
                                  outputGradient: x, batchStatistics: true, computeInputGradient: false)
        #expect(p.input == nil && p.gamma != nil && p.beta != nil)
    }
}
