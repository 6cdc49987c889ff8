import Testing
import FinetuneCore
import FinetuneTestSupport
import FinetuneNN

@Suite("FreezePolicy")
struct FreezePolicyTests {
    static func model() throws -> Sequential {
        var rng = SeededRNG(seed: 4)
        return try VGG16.binaryClassifier(inputShape: [32, 32, 3], widths: VGG16.reducedWidths, using: &rng)
    }
    static let head: Set<String> = ["dense.kernel", "dense.bias", "dense_1.kernel", "dense_1.bias"]
    static let block5: Set<String> = ["block5_conv1.kernel", "block5_conv1.bias", "block5_conv2.kernel",
                                      "block5_conv2.bias", "block5_conv3.kernel", "block5_conv3.bias"]

    @Test("phase 1 freezes the whole base by its name; phase 2 trains from block5_conv1 on")
    func phases() throws {
        let model = try Self.model()
        let phase1 = try FreezePolicy.all(of: "vgg16").apply(to: model)
        #expect(phase1.trainableKeys == Self.head)
        #expect(phase1.trainableLayers == ["dense", "dense_1"])
        #expect(phase1.trainableParameters + phase1.nonTrainableParameters == model.parameterCount)
        let phase2 = try FreezePolicy.from("block5_conv1").apply(to: model, startingFrom: phase1.trainableKeys)
        #expect(phase2.trainableKeys == Self.head.union(Self.block5))
        #expect(try FreezePolicy.until("block5_conv1").trainableKeys(in: model) == phase2.trainableKeys)
        #expect(try FreezePolicy.all(of: "vgg16").then(.from("block5_conv1")).apply(to: model) == phase2)
        #expect(phase2.description.contains("trainable layers: block5_conv1, block5_conv2, block5_conv3, dense, dense_1"))
    }

    @Test("none, keys, freeze, unfreeze and their composition")
    func rules() throws {
        let model = try Self.model()
        let all = Set(model.parameters.map(\.key))
        #expect(try FreezePolicy.none.trainableKeys(in: model, startingFrom: []) == all)
        #expect(try FreezePolicy.keys(["dense_1.bias"]).trainableKeys(in: model) == ["dense_1.bias"])
        #expect(try FreezePolicy.freeze("dense", "block1_conv1").trainableKeys(in: model)
                == all.subtracting(["dense.kernel", "dense.bias", "block1_conv1.kernel", "block1_conv1.bias"]))
        let p = FreezePolicy.all(of: "vgg16").then(.unfreeze("block4_conv3")).then(.freeze("dense_1"))
        #expect(try p.trainableKeys(in: model) == ["dense.kernel", "dense.bias", "block4_conv3.kernel", "block4_conv3.bias"])
        #expect(try FreezePolicy.from("dense_1").trainableKeys(in: model) == ["dense_1.kernel", "dense_1.bias"])
        #expect(try FreezePolicy.from("block5_pool").trainableKeys(in: model) == Self.head)
        #expect(try FreezePolicy.from("vgg16").trainableKeys(in: model) == all)
        #expect(try FreezePolicy.freeze("sequential").trainableKeys(in: model).isEmpty)
    }

    @Test("applying a policy to its own result changes nothing",
          arguments: [FreezePolicy.none, .all(of: "vgg16"), .from("block5_conv1"), .keys(["dense.bias"]),
                      .all(of: "vgg16").then(.unfreeze("block3_conv2")), .freeze("dense").then(.from("block4_conv1"))])
    func idempotent(_ policy: FreezePolicy) throws {
        let model = try Self.model()
        let once = try policy.apply(to: model)
        #expect(try policy.apply(to: model, startingFrom: once.trainableKeys) == once)
    }

    @Test("unknown names throw and list the known names")
    func unknownNames() throws {
        let model = try Self.model()
        do {
            _ = try FreezePolicy.from("block6_conv1").trainableKeys(in: model)
            Issue.record("no error for an unknown layer")
        } catch let LayerError.unknownLayer(name, known) {
            #expect(name == "block6_conv1")
            #expect(known.contains("block5_conv1") && known.contains("vgg16") && known.contains("dense_1"))
            #expect(LayerError.unknownLayer(name: name, known: known).description.contains("block5_conv1"))
        }
        #expect(throws: LayerError.self) { try FreezePolicy.all(of: "VGG16").trainableKeys(in: model) }
        #expect(throws: LayerError.unknownParameter(key: "dense.weights", layer: "sequential")) {
            try FreezePolicy.keys(["dense.kernel", "dense.weights"]).trainableKeys(in: model)
        }
    }

    /// Counts kernel calls of one training evaluation (forward, loss, backward) of the
    /// reduced-width Chollet model under `policy`.
    func calls(_ policy: FreezePolicy, expected: [KernelCounters.Kind: Int]) throws -> [KernelCounters.Kind: Int] {
        let model = try Self.model()
        let trainable = try policy.trainableKeys(in: model)
        let x = randomTensor([2, 32, 32, 3], seed: 8, scale: 50)
        let labels = Tensor(shape: [2, 1], scalars: [0, 1])
        return kernelCalls(expected: expected) {
            var context = trainingContext(trainable)
            let (_, _, gradients) = model.lossAndGradients(x, labels: labels, loss: BinaryCrossEntropy(), context: &context)
            #expect(Set(gradients.keys) == trainable)
        }
    }

    @Test("phase 1 never back-propagates into the base")
    func phase1Counts() throws {
        let expected: [KernelCounters.Kind: Int] = [.conv2DForward: 13, .maxPoolForward: 5, .denseForward: 2,
                                                    .denseKernelGradient: 2, .denseInputGradient: 1]
        let counts = try calls(.all(of: "vgg16"), expected: expected)
        #expect(counts[.conv2DKernelGradient] == 0)
        #expect(counts[.conv2DInputGradient] == 0)
        #expect(counts[.maxPoolBackward] == 0)
        #expect(counts == Dictionary(uniqueKeysWithValues: KernelCounters.Kind.allCases.map { ($0, expected[$0] ?? 0) }))
    }

    @Test("phase 2 back-propagates through block5 only, and not below block5_conv1")
    func phase2Counts() throws {
        // block5_conv1..3 get kernel gradients; block5_conv2 and block5_conv3 input gradients
        // (block5_conv1's input gradient would only feed frozen layers).
        let expected: [KernelCounters.Kind: Int] = [.conv2DForward: 13, .maxPoolForward: 5, .denseForward: 2,
                                                    .conv2DKernelGradient: 3, .conv2DInputGradient: 2,
                                                    .maxPoolBackward: 1, .denseKernelGradient: 2, .denseInputGradient: 2]
        let counts = try calls(.all(of: "vgg16").then(.from("block5_conv1")), expected: expected)
        #expect(counts == Dictionary(uniqueKeysWithValues: KernelCounters.Kind.allCases.map { ($0, expected[$0] ?? 0) }))
    }

    @Test("which block5 convolution is asked for which gradient")
    func phase2PerLayer() throws {
        let model = try Self.model()
        let trainable = try FreezePolicy.from("block5_conv1").trainableKeys(in: model)
        let base = try #require(model.layer(named: "vgg16") as? Sequential)
        let plan = base.gradientPlan(trainingContext(trainable))
        let asked = zip(base.layers, plan.needsInput).filter { $0.1 }.map(\.0.name)
        #expect(asked == ["block5_conv2", "block5_conv3", "block5_pool"])
        let kept = zip(base.layers, plan.needsPullback).filter { $0.1 }.map(\.0.name)
        #expect(kept == ["block5_conv1", "block5_conv2", "block5_conv3", "block5_pool"])
    }
}
