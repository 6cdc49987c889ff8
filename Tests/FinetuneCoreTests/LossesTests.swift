import FinetuneCore
import FinetuneTestSupport
import Testing

@Suite("Losses and accuracies")
struct LossesTests {
    static let lossNames = ["bce_logits", "bce_probabilities", "cce"].flatMap { KernelGoldens.names(kind: $0) }

    /// The fast kernel and its naive twin for a golden case's `kind`.
    private func evaluate(_ c: GoldenCase, naive: Bool) throws -> LossResult {
        let kind = c.params["kind"]?.string ?? ""
        switch kind {
        case "bce_logits":
            let x = try c.input("logits"), z = try c.input("labels")
            return naive ? NaiveKernels.binaryCrossEntropyFromLogits(logits: x, labels: z)
                         : binaryCrossEntropyFromLogits(logits: x, labels: z)
        case "bce_probabilities":
            let p = try c.input("probabilities"), z = try c.input("labels")
            return naive ? NaiveKernels.binaryCrossEntropyFromProbabilities(p, labels: z)
                         : binaryCrossEntropyFromProbabilities(p, labels: z)
        case "cce":
            let p = try c.input("probabilities"), z = try c.input("labels")
            return naive ? NaiveKernels.categoricalCrossEntropy(p, labels: z) : categoricalCrossEntropy(p, labels: z)
        default:
            throw GoldenError.missing("unknown loss kind '\(kind)' in case \(c.name)")
        }
    }

    @Test("value and gradient match Keras 3 (fast and naive)", .tags(.golden), arguments: lossNames)
    func golden(_ name: String) throws {
        let c = try KernelGoldens.named(name)
        for naive in [false, true] {
            let r = try evaluate(c, naive: naive)
            let what = "\(name)\(naive ? " naive" : "")"
            expectClose(Double(r.value), try c.number("value"), tolerance: c.tolerance, "\(what) value")
            expectClose(r.gradient, try c.tensor("gradient"), tolerance: c.tolerance, "\(what) gradient")
        }
    }

    @Test("accuracies match Keras 3 (strict p > 0.5; first maximum on ties)", .tags(.golden),
          arguments: ["binary_accuracy", "categorical_accuracy"].flatMap { KernelGoldens.names(kind: $0) })
    func accuracyGolden(_ name: String) throws {
        let c = try KernelGoldens.named(name)
        let p = try c.input("probabilities"), z = try c.input("labels"), expected = try c.number("value")
        if c.params["kind"]?.string == "binary_accuracy" {
            #expect(Double(binaryAccuracy(probabilities: p, labels: z)) == Double(Float(expected)))
            #expect(Double(NaiveKernels.binaryAccuracy(probabilities: p, labels: z)) == Double(Float(expected)))
        } else {
            #expect(Double(categoricalAccuracy(probabilities: p, labels: z)) == Double(Float(expected)))
            #expect(Double(NaiveKernels.categoricalAccuracy(probabilities: p, labels: z)) == Double(Float(expected)))
        }
    }

    @Test("fast losses match the naive twins on random batches")
    func fastMatchesNaive() {
        let logits = hashUniform(seed: 81, shape: [32, 1], low: -12, high: 12)
        let labels = Tensor(shape: [32, 1], scalars: hashUniform(seed: 82, shape: [32, 1], low: 0, high: 1).scalars.map { $0.rounded() })
        let pairs: [(String, LossResult, LossResult)] = [
            ("bce logits", binaryCrossEntropyFromLogits(logits: logits, labels: labels),
             NaiveKernels.binaryCrossEntropyFromLogits(logits: logits, labels: labels)),
            ("bce probabilities", binaryCrossEntropyFromProbabilities(sigmoidForward(logits), labels: labels),
             NaiveKernels.binaryCrossEntropyFromProbabilities(sigmoidForward(logits), labels: labels)),
        ]
        let p = softmaxForward(hashUniform(seed: 83, shape: [9, 5], low: -5, high: 5))
        let z = softmaxForward(hashUniform(seed: 84, shape: [9, 5], low: -2, high: 2))   // soft labels
        let all = pairs + [("cce", categoricalCrossEntropy(p, labels: z), NaiveKernels.categoricalCrossEntropy(p, labels: z))]
        for (name, fast, ref) in all {
            expectClose(Double(fast.value), Double(ref.value), tolerance: 1e-6, "\(name) value")
            expectClose(fast.gradient, ref.gradient, tolerance: 1e-5, "\(name) gradient")
        }
    }

    @Test("the naive twins' gradients match central differences (inside the clip range)")
    func finiteDifferences() {
        let x = referenceUniform([5, 2], seed: 85, low: -4, high: 4)
        let z = ReferenceTensor(shape: [5, 2], scalars: [0, 1, 1, 0, 0.3, 0.7, 1, 1, 0, 0])
        let bce = NaiveKernels.binaryCrossEntropyFromLogits(logits: x, labels: z)
        expectClose(bce.gradient, centralDifferences(at: x) { NaiveKernels.binaryCrossEntropyFromLogits(logits: $0, labels: z).value },
                    tolerance: 1e-7, "bce logits")
        let p = referenceUniform([5, 2], seed: 86, low: 0.05, high: 0.95)
        let bceP = NaiveKernels.binaryCrossEntropyFromProbabilities(p, labels: z)
        expectClose(bceP.gradient, centralDifferences(at: p, h: 1e-6) { NaiveKernels.binaryCrossEntropyFromProbabilities($0, labels: z).value },
                    tolerance: 1e-7, "bce probabilities")
        let q = referenceUniform([4, 3], seed: 87, low: 0.1, high: 1)          // unnormalised rows
        let zc = ReferenceTensor(shape: [4, 3], scalars: [1, 0, 0, 0, 1, 0, 0.2, 0.3, 0.5, 0, 0, 1])
        let cce = NaiveKernels.categoricalCrossEntropy(q, labels: zc)
        expectClose(cce.gradient, centralDifferences(at: q, h: 1e-6) { NaiveKernels.categoricalCrossEntropy($0, labels: zc).value },
                    tolerance: 1e-7, "cce")
    }

    @Test("a clipped probability gets no gradient; one on the bound does")
    func clipBounds() {
        let eps: Float = 1e-7
        let p = Tensor(shape: [4], scalars: [0, eps, 1 - eps, 1])
        let z = Tensor(shape: [4], scalars: [1, 1, 0, 0])
        let g = binaryCrossEntropyFromProbabilities(p, labels: z).gradient.scalars
        #expect(g[0] == 0 && g[3] == 0)
        #expect(g[1] < -1e5 && g[2] > 1e5)
        let cce = categoricalCrossEntropy(Tensor(shape: [1, 3], scalars: [0, 0.3, 0.7]), labels: Tensor(shape: [1, 3], scalars: [1, 0, 0]))
        #expect(cce.gradient.scalars == [0, 0, 0])
        #expect(abs(cce.value - 16.118_095) < 1e-4)   // −log ε
    }
}
