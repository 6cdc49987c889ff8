import FinetuneCore
import FinetuneTestSupport
import Testing

/// One activation's fast forward/backward and its naive twin, by golden `kind`.
private struct Activation: Sendable {
    var forward: @Sendable (Tensor) -> Tensor
    var backward: @Sendable (Tensor, Tensor) -> Tensor
    var naiveForward: @Sendable (ReferenceTensor) -> ReferenceTensor
    var naiveBackward: @Sendable (ReferenceTensor, ReferenceTensor) -> ReferenceTensor

    static func named(_ kind: String) -> Activation? {
        switch kind {
        case "relu": Activation(forward: reluForward, backward: { reluBackward(output: $0, outputGradient: $1) },
                                naiveForward: NaiveKernels.reluForward,
                                naiveBackward: { NaiveKernels.reluBackward(output: $0, outputGradient: $1) })
        case "sigmoid": Activation(forward: sigmoidForward, backward: { sigmoidBackward(output: $0, outputGradient: $1) },
                                   naiveForward: NaiveKernels.sigmoidForward,
                                   naiveBackward: { NaiveKernels.sigmoidBackward(output: $0, outputGradient: $1) })
        case "softmax": Activation(forward: softmaxForward, backward: { softmaxBackward(output: $0, outputGradient: $1) },
                                   naiveForward: NaiveKernels.softmaxForward,
                                   naiveBackward: { NaiveKernels.softmaxBackward(output: $0, outputGradient: $1) })
        default: nil
        }
    }
}

@Suite("Activations")
struct ActivationsTests {
    static let goldenNames = ["relu", "sigmoid", "softmax"].flatMap { KernelGoldens.names(kind: $0) }

    @Test("forward and backward match the NumPy/Keras golden (fast and naive)", .tags(.golden), arguments: goldenNames)
    func golden(_ name: String) throws {
        let c = try KernelGoldens.named(name)
        let a = try #require(Activation.named(c.params["kind"]?.string ?? ""))
        let x = try c.input("x"), dy = try c.input("dy")
        let y = a.forward(x)
        expectClose(y, try c.tensor("y"), tolerance: c.tolerance, "\(name) y")
        expectClose(a.backward(y, dy), try c.tensor("dx"), tolerance: c.tolerance, "\(name) dx")
        let yRef = a.naiveForward(ReferenceTensor(x))
        expectClose(yRef.tensor, try c.tensor("y"), tolerance: c.tolerance, "\(name) naive y")
        expectClose(a.naiveBackward(yRef, ReferenceTensor(dy)).tensor, try c.tensor("dx"), tolerance: c.tolerance, "\(name) naive dx")
    }

    @Test("fast kernels match the naive twin on a large tensor", arguments: ["relu", "sigmoid", "softmax"])
    func fastMatchesNaive(_ kind: String) throws {
        let a = try #require(Activation.named(kind))
        let x = hashUniform(seed: 71, shape: [4, 129, 130], low: -8, high: 8)   // > 2¹⁶: the threaded path
        let dy = hashUniform(seed: 72, shape: [4, 129, 130], low: -1, high: 1)
        let y = a.forward(x), yRef = a.naiveForward(ReferenceTensor(x))
        expectClose(y, yRef.tensor, tolerance: 1e-6, "\(kind) y")
        expectClose(a.backward(y, dy), a.naiveBackward(yRef, ReferenceTensor(dy)).tensor, tolerance: 1e-5, "\(kind) dx")
    }

    @Test("the naive twins' gradients match central differences", arguments: ["relu", "sigmoid", "softmax"])
    func finiteDifferences(_ kind: String) throws {
        let a = try #require(Activation.named(kind))
        let x = referenceUniform([3, 6], seed: 73, low: -3, high: 3)
        let r = referenceUniform([3, 6], seed: 74)
        let dx = a.naiveBackward(a.naiveForward(x), r)
        // Smooth (or, for ReLU, linear away from 0): truncation ≈ h²·f‴ ≈ 1e-10, rounding ≈ 1e-16/h ≈ 1e-11.
        expectClose(dx, centralDifferences(at: x, h: 1e-5) { a.naiveForward($0).dot(r) }, tolerance: 1e-7, kind)
    }

    @Test("sigmoid neither overflows nor loses the tails")
    func sigmoidTails() {
        #expect(sigmoid(-100) > 0 && sigmoid(-100) < 1e-38)
        #expect(sigmoid(100) == 1)
        #expect(sigmoid(0) == 0.5)
        let y = sigmoidForward(Tensor(shape: [2], scalars: [-1000, 1000]))
        #expect(y.scalars == [0, 1])
    }

    @Test("softmax rows sum to one, even with huge logits")
    func softmaxRows() {
        let y = softmaxForward(Tensor(shape: [2, 3], scalars: [1000, 1000, -1000, 1, 2, 3]))
        #expect(abs(y.scalars[0..<3].reduce(0, +) - 1) < 1e-6 && abs(y.scalars[3..<6].reduce(0, +) - 1) < 1e-6)
        #expect(y.scalars[0] == 0.5 && y.scalars[2] == 0)
    }
}
