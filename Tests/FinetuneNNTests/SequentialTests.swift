import Testing
import Synchronization
import FinetuneCore
import FinetuneTestSupport
import FinetuneNN

/// A layer defined only here — one conformance, no edits elsewhere: y = x ⊙ s + t with a learnable
/// per-feature scale s and shift t (keys `<name>.scale`, `<name>.shift`).
struct ScaleShift: Layer {
    let name: String
    var scale: Tensor
    var shift: Tensor

    init(name: String, features: Int) {
        self.name = name
        scale = Tensor(repeating: 1, shape: [features])
        shift = .zeros([features])
    }

    var parameters: [(key: String, value: Tensor)] { [(name + ".scale", scale), (name + ".shift", shift)] }

    mutating func setParameter(_ key: String, to value: Tensor) throws {
        guard value.shape == scale.shape else { throw LayerError.shapeMismatch(key: key, expected: scale.shape, got: value.shape) }
        switch key {
        case name + ".scale": scale = value
        case name + ".shift": shift = value
        default: throw LayerError.unknownParameter(key: key, layer: name)
        }
    }

    func outputShape(for input: Shape) throws -> Shape { input }

    func forward(_ x: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback?) {
        let f = scale.scalarCount
        var y = x
        for i in 0..<y.scalarCount { y.scalars[i] = x.scalars[i] * scale.scalars[i % f] + shift.scalars[i % f] }
        let trainScale = context.trainable.contains(name + ".scale"), trainShift = context.trainable.contains(name + ".shift")
        let needsInput = context.needsInputGradient
        guard needsInput || trainScale || trainShift else { return (y, nil) }
        let (scale, name) = (scale, name)
        return (y, Pullback { dy in
            var g = LayerGradients(input: nil)
            if needsInput {
                var dx = dy
                for i in 0..<dx.scalarCount { dx.scalars[i] = dy.scalars[i] * scale.scalars[i % f] }
                g.input = dx
            }
            var ds = Tensor.zeros([f]), dt = Tensor.zeros([f])
            for i in 0..<dy.scalarCount { ds.scalars[i % f] += dy.scalars[i] * x.scalars[i]; dt.scalars[i % f] += dy.scalars[i] }
            if trainScale { g.parameters[name + ".scale"] = ds }
            if trainShift { g.parameters[name + ".shift"] = dt }
            return g
        })
    }
}

/// Counts forward calls and what each was asked for, and holds a token in every pullback it
/// returns — even when none was asked for — so a test can see whether a container kept it.
struct Probe: Layer {
    final class Log: @unchecked Sendable {
        let lock = Mutex<[(needsInput: Bool, token: Weak)]>([])
    }
    final class Token: Sendable {}
    struct Weak: @unchecked Sendable { weak var token: Token? }

    let name: String
    let log: Log
    func outputShape(for input: Shape) throws -> Shape { input }
    func forward(_ x: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback?) {
        let token = Token()
        log.lock.withLock { $0.append((context.needsInputGradient, Weak(token: token))) }
        return (x, Pullback { dy in _ = token; return LayerGradients(input: dy) })
    }
}

@Suite("Sequential")
struct SequentialTests {
    func smallModel(seed: UInt64 = 3) throws -> Sequential {
        var rng = SeededRNG(seed: seed)
        let inner = try Sequential(name: "features", [
            Conv2D(name: "conv_a", inputChannels: 2, filters: 3, padding: .same, activation: .relu, using: &rng),
            MaxPool2D(name: "pool_a"),
            Conv2D(name: "conv_b", inputChannels: 3, filters: 2, padding: .valid, using: &rng),
            Activation(.relu, name: "relu_b"),
        ])
        return try Sequential([inner, Flatten(), Dense(name: "head", inputSize: 2 * 2 * 2, units: 1, activation: .sigmoid, using: &rng)])
    }

    @Test("keys are flat Keras keys in forward order, containers add no prefix")
    func flatKeys() throws {
        let model = try smallModel()
        #expect(model.parameters.map(\.key) == ["conv_a.kernel", "conv_a.bias", "conv_b.kernel", "conv_b.bias", "head.kernel", "head.bias"])
        #expect(model.allLayers.map(\.name) == ["features", "conv_a", "pool_a", "conv_b", "relu_b", "flatten", "head"])
        #expect(model.leafLayers.map(\.name) == ["conv_a", "pool_a", "conv_b", "relu_b", "flatten", "head"])
        #expect(model.layer(named: "conv_b") is Conv2D)
        #expect(try model.outputShape(for: [5, 8, 8, 2]) == [5, 1])
    }

    @Test("duplicate names anywhere in the tree are rejected")
    func uniqueNames() throws {
        var rng = SeededRNG(seed: 1)
        let inner = try Sequential(name: "inner", [Dense(name: "d", inputSize: 2, units: 2, using: &rng)])
        #expect(throws: LayerError.duplicateName("d")) {
            try Sequential([inner, Dense(name: "d", inputSize: 2, units: 2, using: &rng)])
        }
        #expect(throws: LayerError.duplicateName("inner")) { try Sequential(name: "inner", [inner]) }
    }

    @Test("setParameter reaches nested layers and checks keys and shapes")
    func setParameter() throws {
        var model = try smallModel()
        let w = randomTensor([3, 3, 3, 2], seed: 5)
        try model.setParameter("conv_b.kernel", to: w)
        #expect(model.parameterDictionary["conv_b.kernel"] == w)
        #expect(throws: LayerError.unknownParameter(key: "nope.kernel", layer: "sequential")) {
            try model.setParameter("nope.kernel", to: w)
        }
        #expect(throws: LayerError.shapeMismatch(key: "conv_b.kernel", expected: [3, 3, 3, 2], got: [1])) {
            try model.setParameter("conv_b.kernel", to: .zeros([1]))
        }
    }

    @Test("nested model gradients equal finite differences of the loss")
    func finiteDifferences() throws {
        let model = try smallModel()
        let x = randomTensor([2, 8, 8, 2], seed: 11, scale: 2)
        let labels = Tensor(shape: [2, 1], scalars: [1, 0])
        let keys = Set(model.parameters.map(\.key))
        var context = trainingContext(keys)
        let (_, _, gradients) = model.lossAndGradients(x, labels: labels, loss: BinaryCrossEntropy(), context: &context)
        #expect(Set(gradients.keys) == keys)
        func loss(_ m: Sequential) -> Double {
            var c = ForwardContext.inference
            let (p, _) = m.predict(x, context: &c)
            return Double(BinaryCrossEntropy().evaluate(p, labels: labels).value)
        }
        for key in ["conv_a.kernel", "conv_b.bias", "head.kernel"] {
            for index in [0, 1] {
                var plus = model, minus = model
                var w = model.parameterDictionary[key]!
                let h: Float = 1e-2
                w.scalars[index] += h
                try plus.setParameter(key, to: w)
                w.scalars[index] -= 2 * h
                try minus.setParameter(key, to: w)
                let numeric = (loss(plus) - loss(minus)) / Double(2 * h)
                let analytic = Double(gradients[key]!.scalars[index])
                #expect(abs(numeric - analytic) <= 2e-3 * max(1, abs(numeric)), "\(key)[\(index)]: \(analytic) vs \(numeric)")
            }
        }
    }

    @Test("a frozen prefix is neither asked for input gradients nor kept")
    func stopsBelowEarliestTrainable() throws {
        var rng = SeededRNG(seed: 2)
        let log = Probe.Log()
        let model = try Sequential([Probe(name: "p0", log: log), Probe(name: "p1", log: log),
                                    Dense(name: "d", inputSize: 3, units: 3, using: &rng),
                                    Probe(name: "p2", log: log)])
        var context = trainingContext(["d.kernel"])
        let (_, pullback) = model.forward(randomTensor([2, 3], seed: 1), context: &context)
        let entries = log.lock.withLock { $0 }
        #expect(entries.map(\.needsInput) == [false, false, true])
        // p0 and p1 returned pullbacks nobody needs: Sequential dropped them (their tokens are gone),
        // while p2's is still held by the model's pullback.
        #expect(entries.map { $0.token.token == nil } == [true, true, false])
        let back = try #require(pullback)
        let g = back(randomTensor([2, 3], seed: 2))
        #expect(g.input == nil)
        #expect(Set(g.parameters.keys) == ["d.kernel"])
    }

    /// The pair is fused only when neither needs a pullback; fused or not, the outputs are the same
    /// bits as the layers called one by one, and every kernel is still counted once.
    @Test("a frozen convolution and the max-pool after it run fused, with the layers' own result")
    func fusedConvolutionAndPool() throws {
        var rng = SeededRNG(seed: 5)
        let model = try Sequential(name: "m", [
            Conv2D(name: "c1", inputChannels: 3, filters: 16, padding: .same, activation: .relu, using: &rng),
            MaxPool2D(name: "p1"),
            Conv2D(name: "c2", inputChannels: 16, filters: 64, padding: .same, activation: .relu, using: &rng),
            MaxPool2D(name: "p2"),
            Flatten(name: "f"),
        ])
        let x = Tensor.uniform([2, 49, 50, 3], low: 0, high: 1, using: &rng)
        let layerByLayer = model.layers.reduce(x) { $1($0) }
        let (y, counts) = KernelCounters.counting { model(x) }
        #expect(y == layerByLayer)
        #expect(counts[.conv2DForward] == 2 && counts[.maxPoolForward] == 2)
        // c2 trains: only c1 and p1 may fuse; the gradients still flow through an unfused c2 and p2.
        var context = ForwardContext(mode: .training, trainable: ["c2.kernel", "c2.bias"], needsInputGradient: false)
        let (trained, pullback) = model.forward(x, context: &context)
        #expect(trained == layerByLayer)
        let backward = try #require(pullback)
        let gradients = backward(Tensor(repeating: 1, shape: trained.shape))
        #expect(gradients.parameters.keys.sorted() == ["c2.bias", "c2.kernel"])
    }

    @Test("inference with nothing trainable returns no pullback")
    func noPullbackWhenNothingNeeded() throws {
        let model = try smallModel()
        var context = ForwardContext(mode: .training)
        #expect(model.forward(randomTensor([1, 8, 8, 2], seed: 1), context: &context).pullback == nil)
        context.needsInputGradient = true
        #expect(model.forward(randomTensor([1, 8, 8, 2], seed: 1), context: &context).pullback != nil)
    }

    @Test("an empty Sequential is the identity, with an identity pullback when asked")
    func empty() throws {
        let model = try Sequential(name: "nothing", [])
        var context = trainingContext([], needsInputGradient: true)
        let x = randomTensor([2, 3], seed: 1)
        let (y, pullback) = model.forward(x, context: &context)
        #expect(y == x)
        let back = try #require(pullback)
        #expect(back(x).input == x)
    }

    @Test("the caller's input-gradient request reaches the first layer")
    func inputGradient() throws {
        let model = try smallModel()
        var context = trainingContext([], needsInputGradient: true)
        let x = randomTensor([1, 8, 8, 2], seed: 4)
        let (y, pullback) = model.forward(x, context: &context)
        let back = try #require(pullback)
        let g = back(Tensor(repeating: 1, shape: y.shape))
        #expect(g.input?.shape == x.shape)
        #expect(g.parameters.isEmpty)
    }

    @Test("a layer type defined in a test file trains inside a Sequential")
    func customLayerTrains() throws {
        var rng = SeededRNG(seed: 7)
        var model = try Sequential([ScaleShift(name: "affine", features: 3),
                                    Dense(name: "out", inputSize: 3, units: 1, activation: .sigmoid, using: &rng)])
        let x = Tensor(shape: [4, 3], scalars: [1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1])
        let labels = Tensor(shape: [4, 1], scalars: [1, 0, 1, 0])
        var optimizer = SGD(learningRate: 0.5)
        var first: Float = 0, last: Float = 0
        for step in 0..<200 {
            var context = trainingContext(["affine.scale", "affine.shift"])   // only the custom layer trains
            let (loss, _, gradients) = model.lossAndGradients(x, labels: labels, loss: BinaryCrossEntropy(), context: &context)
            #expect(Set(gradients.keys) == ["affine.scale", "affine.shift"])
            try model.apply(optimizer: &optimizer, gradients: gradients)
            if step == 0 { first = loss }
            last = loss
        }
        #expect(last < 0.5 * first, "loss \(first) → \(last)")
        #expect(model.parameterDictionary["affine.scale"] != Tensor(repeating: 1, shape: [3]))
        #expect(optimizer.iterations == 200)
    }

    @Test("dropout draws from the context's generator and advances it")
    func dropoutUsesContextRNG() throws {
        let model = try Sequential([Dropout(name: "drop", rate: 0.5)])
        let x = Tensor(repeating: 1, shape: [1, 64])
        var a = ForwardContext(mode: .training, rng: SeededRNG(seed: 9))
        var b = ForwardContext(mode: .training, rng: SeededRNG(seed: 9))
        let ya = model.forward(x, context: &a).output
        #expect(ya == model.forward(x, context: &b).output)
        #expect(a.rng != SeededRNG(seed: 9), "the generator advanced")
        #expect(ya != model.forward(x, context: &a).output, "the next batch draws a new mask")
    }
}
