import Testing
import FinetuneCore
import FinetuneTestSupport
@testable import FinetuneNN

/// What each layer computes (and does not) for each ForwardContext.
@Suite("Layer behaviour")
struct LayerBehaviourTests {
    static func conv() -> Conv2D {
        var rng = SeededRNG(seed: 1)
        return Conv2D(name: "c", inputChannels: 2, filters: 3, padding: .same, activation: .relu, using: &rng)
    }

    @Test("Conv2D computes only the gradients it is asked for",
          arguments: [(Set<String>(), true), (["c.kernel"], false), (["c.bias"], false), (["c.bias"], true),
                      (["c.kernel", "c.bias"], true)] as [(Set<String>, Bool)])
    func convFlags(_ trainable: Set<String>, _ needsInput: Bool) throws {
        let layer = Self.conv()
        let x = randomTensor([1, 5, 5, 2], seed: 3)
        var context = trainingContext(trainable, needsInputGradient: needsInput)
        let expected: [KernelCounters.Kind: Int] = [
            .conv2DForward: 1, .conv2DInputGradient: needsInput ? 1 : 0,
            .conv2DKernelGradient: trainable.contains("c.kernel") ? 1 : 0]
        var result: LayerGradients?
        let counts = kernelCalls(expected: expected) {
            let (y, pullback) = layer.forward(x, context: &context)
            result = pullback?(Tensor(repeating: 1, shape: y.shape))
        }
        #expect(counts == Dictionary(uniqueKeysWithValues: KernelCounters.Kind.allCases.map { ($0, expected[$0] ?? 0) }))
        let g = try #require(result)
        #expect(Set(g.parameters.keys) == trainable)
        #expect((g.input != nil) == needsInput)
        // The bias gradient, however computed, is Σ over n, h, w of dL/dz.
        if trainable.contains("c.bias") {
            let all = try #require({ () -> LayerGradients? in
                var c = trainingContext(["c.kernel", "c.bias"])
                let (y, p) = layer.forward(x, context: &c)
                return p?(Tensor(repeating: 1, shape: y.shape))
            }())
            #expect(g.parameters["c.bias"] == all.parameters["c.bias"])
        }
    }

    @Test("no pullback when nothing needs a gradient") func noPullback() {
        var rng = SeededRNG(seed: 1)
        var context = trainingContext(["other.kernel"])
        #expect(Self.conv().forward(randomTensor([1, 4, 4, 2], seed: 1), context: &context).pullback == nil)
        #expect(Dense(name: "d", inputSize: 2, units: 2, using: &rng).forward(randomTensor([1, 2], seed: 1), context: &context).pullback == nil)
        #expect(MaxPool2D(name: "p").forward(randomTensor([1, 4, 4, 2], seed: 1), context: &context).pullback == nil)
        #expect(Flatten().forward(randomTensor([1, 4, 4, 2], seed: 1), context: &context).pullback == nil)
        #expect(Dropout(rate: 0.5).forward(randomTensor([1, 4], seed: 1), context: &context).pullback == nil)
        #expect(Activation(.relu).forward(randomTensor([1, 4], seed: 1), context: &context).pullback == nil)
    }

    @Test("Dense with only the bias trainable never calls the dense gradient kernels")
    func denseBiasOnly() throws {
        var rng = SeededRNG(seed: 2)
        let layer = Dense(name: "d", inputSize: 3, units: 2, activation: .sigmoid, using: &rng)
        var result: LayerGradients?
        let expected: [KernelCounters.Kind: Int] = [.denseForward: 1]
        let counts = kernelCalls(expected: expected) {
            var context = trainingContext(["d.bias"])
            let (y, pullback) = layer.forward(randomTensor([4, 3], seed: 1), context: &context)
            result = pullback?(Tensor(repeating: 1, shape: y.shape))
        }
        #expect(counts[.denseKernelGradient] == 0 && counts[.denseInputGradient] == 0)
        #expect(Set(try #require(result).parameters.keys) == ["d.bias"])
    }

    @Test("Dropout: identity at inference; in training inverted with the kept-unit scale, gradient through the same mask")
    func dropout() throws {
        let layer = Dropout(name: "drop", rate: 0.25)
        let x = Tensor(repeating: 2, shape: [10, 100])
        var inference = ForwardContext(mode: .inference, needsInputGradient: true)
        let (yi, pi) = layer.forward(x, context: &inference)
        #expect(yi == x)
        let inferenceBack = try #require(pi)
        #expect(inferenceBack(x).input == x)
        var training = trainingContext([], needsInputGradient: true, seed: 4)
        let (y, pullback) = layer.forward(x, context: &training)
        let kept = y.scalars.filter { $0 != 0 }
        #expect(kept.allSatisfy { abs($0 - 2 / 0.75) < 1e-6 })
        #expect(abs(Double(kept.count) / 1000 - 0.75) < 0.05, "kept \(kept.count) of 1000")
        let back = try #require(pullback)
        let dx = try #require(back(Tensor(repeating: 1, shape: x.shape)).input)
        #expect(zip(dx.scalars, y.scalars).allSatisfy { ($0 == 0) == ($1 == 0) })
    }

    @Test("outputShape rejects inputs that do not fit, naming the layer")
    func shapeErrors() {
        var rng = SeededRNG(seed: 1)
        #expect(throws: LayerError.self) { try Self.conv().outputShape(for: [1, 5, 5, 3]) }
        #expect(throws: LayerError.self) { try Self.conv().outputShape(for: [5, 5, 2]) }
        #expect(throws: LayerError.self) {
            try Conv2D(name: "v", inputChannels: 1, filters: 1, padding: .valid, using: &rng).outputShape(for: [1, 2, 2, 1])
        }
        #expect(throws: LayerError.self) { try MaxPool2D(name: "p").outputShape(for: [1, 1, 1, 1]) }
        #expect(throws: LayerError.self) { try Dense(name: "d", inputSize: 4, units: 1, using: &rng).outputShape(for: [1, 5]) }
        do {
            _ = try Dense(name: "head", inputSize: 4, units: 1, using: &rng).outputShape(for: [1, 2, 2, 2])
        } catch {
            #expect("\(error)".contains("head") && "\(error)".contains("Flatten"))
        }
        #expect(throws: LayerError.shapeMismatch(key: "c.bias", expected: [3], got: [2])) {
            try Conv2D(name: "c", kernel: .zeros([3, 3, 1, 3]), bias: .zeros([2]))
        }
    }

    @Test("Flatten keeps (h, w, c) row-major order") func flattenOrder() {
        let x = Tensor(shape: [1, 2, 2, 2], scalars: (0..<8).map(Float.init))
        var context = ForwardContext.inference
        let y = Flatten().forward(x, context: &context).output
        #expect(y.shape == [1, 8])
        #expect(y.scalars == (0..<8).map(Float.init))
        #expect(y.scalars[1] == x[0, 0, 0, 1] && y.scalars[2] == x[0, 0, 1, 0] && y.scalars[4] == x[0, 1, 0, 0])
    }
}
