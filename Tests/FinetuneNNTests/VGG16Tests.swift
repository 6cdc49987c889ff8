import Testing
import FinetuneCore
import FinetuneTestSupport
import FinetuneNN

@Suite("VGG16 and its binary classifier")
struct VGG16Tests {
    static let kerasNames = ["block1_conv1", "block1_conv2", "block1_pool", "block2_conv1", "block2_conv2", "block2_pool",
                             "block3_conv1", "block3_conv2", "block3_conv3", "block3_pool",
                             "block4_conv1", "block4_conv2", "block4_conv3", "block4_pool",
                             "block5_conv1", "block5_conv2", "block5_conv3", "block5_pool"]

    @Test("the full-size binary classifier (Chollet's model) has Keras' parameter counts")
    func fullSizeCounts() throws {
        let model = try VGG16.binaryClassifier()   // zero placeholders: no 16.8 M random draws in a debug test
        #expect(model.parameterCount == 16_812_353)
        let base = try #require(model.layer(named: "vgg16"))
        #expect(base.parameterCount == 14_714_688)
        #expect(model.layers.map(\.name) == ["vgg16", "flatten", "dense", "dense_1"])
        #expect(base.sublayers.map(\.name) == Self.kerasNames)
        #expect(try base.outputShape(for: [20, 150, 150, 3]) == [20, 4, 4, 512])
        #expect(try model.outputShape(for: [20, 150, 150, 3]) == [20, 1])

        let phase1 = try FreezePolicy.all(of: "vgg16").apply(to: model)
        #expect(phase1.trainableParameters == 2_097_665)
        #expect(phase1.nonTrainableParameters == 14_714_688)
        let phase2 = try FreezePolicy.from("block5_conv1").apply(to: model, startingFrom: phase1.trainableKeys)
        #expect(phase2.trainableParameters == 9_177_089)
        #expect(phase2.trainableLayers == ["block5_conv1", "block5_conv2", "block5_conv3", "dense", "dense_1"])

        let summary = try model.summary(trainable: phase1.trainableKeys)
        #expect(summary.totalParameters == 16_812_353)
        #expect(summary.trainableParameters == 2_097_665)
        #expect(summary.nonTrainableParameters == 14_714_688)
        #expect(summary.rows.map(\.name) == ["vgg16", "flatten", "dense", "dense_1"])
        #expect(summary.rows.map(\.outputShape) == [[4, 4, 512], [8192], [256], [1]])
        #expect(summary.rows.map(\.parameters) == [14_714_688, 0, 2_097_408, 257])
        let text = summary.description
        #expect(text.contains("Model: \"sequential\""))
        #expect(text.contains("vgg16 (Sequential)"))
        #expect(text.contains("(None, 4, 4, 512)"))
        #expect(text.contains("Total params: 16,812,353"))
        #expect(text.contains("Trainable params: 2,097,665"))
        #expect(text.contains("Non-trainable params: 14,714,688"))
    }

    @Test("the expanded summary lists the base's layers with Keras' shapes")
    func expandedSummary() throws {
        var rng = SeededRNG(seed: 1)
        let base = try VGG16.base(inputShape: [150, 150, 3], widths: VGG16.reducedWidths, using: &rng)
        let summary = try base.summary()
        #expect(summary.rows.map(\.name) == Self.kerasNames)
        #expect(summary.rows.filter { $0.name.hasSuffix("pool") }.map { $0.outputShape[0] } == [75, 37, 18, 9, 4])
        let nested = try VGG16.binaryClassifier(inputShape: [32, 32, 3], widths: VGG16.reducedWidths, using: &rng)
            .summary(expandNested: true)
        #expect(nested.rows.count == 4 + Self.kerasNames.count)
        #expect(nested.rows[1].name == "block1_conv1" && nested.rows[1].depth == 1)
    }

    @Test("the reduced configuration keeps topology and names", arguments: [[32, 32, 3], [33, 47, 3], [150, 150, 3]] as [Shape])
    func reduced(_ input: Shape) throws {
        var rng = SeededRNG(seed: 2)
        let model = try VGG16.binaryClassifier(inputShape: input, widths: VGG16.reducedWidths, using: &rng)
        let base = try #require(model.layer(named: "vgg16"))
        #expect(base.sublayers.map(\.name) == Self.kerasNames)
        let convs = base.sublayers.compactMap { $0 as? Conv2D }
        #expect(convs.count == 13)
        #expect(convs.allSatisfy { $0.kernelSize == (3, 3) && $0.padding == .same && $0.activation == .relu && $0.bias != nil })
        #expect(convs.map(\.filters) == [4, 4, 8, 8, 8, 8, 8, 16, 16, 16, 16, 16, 16])
        var h = input[0], w = input[1]
        for _ in 0..<5 { h /= 2; w /= 2 }
        #expect(try base.outputShape(for: Shape([1] + input.dimensions)) == [1, h, w, 16])
        #expect((model.layer(named: "dense") as? Dense)?.inputSize == h * w * 16)
        #expect((model.layer(named: "dense_1") as? Dense)?.activation == .sigmoid)
    }

    @Test("initial weights are glorot-uniform kernels and zero biases, replayable from the seed")
    func initialisation() throws {
        var a = SeededRNG(seed: 5), b = SeededRNG(seed: 5), c = SeededRNG(seed: 6)
        let m1 = try VGG16.binaryClassifier(inputShape: [32, 32, 3], widths: VGG16.reducedWidths, using: &a)
        let m2 = try VGG16.binaryClassifier(inputShape: [32, 32, 3], widths: VGG16.reducedWidths, using: &b)
        let m3 = try VGG16.binaryClassifier(inputShape: [32, 32, 3], widths: VGG16.reducedWidths, using: &c)
        #expect(m1.parameters.map(\.value) == m2.parameters.map(\.value))
        #expect(m1.parameters.map(\.value) != m3.parameters.map(\.value))
        for (key, value) in m1.parameters {
            if key.hasSuffix(".bias") {
                #expect(value.scalars.allSatisfy { $0 == 0 }, "\(key)")
            } else {
                let s = value.shape.dimensions
                let receptive = s.dropLast(2).reduce(1, *)
                let limit = (6 / Float(receptive * (s[s.count - 2] + s[s.count - 1]))).squareRoot()
                #expect(value.scalars.allSatisfy { abs($0) <= limit }, "\(key)")
                #expect(value.scalars.contains { abs($0) > 0.5 * limit }, "\(key) uses its range")
            }
        }
    }

    @Test("the placeholder model has the random model's structure and zero weights")
    func placeholders() throws {
        var rng = SeededRNG(seed: 5)
        let random = try VGG16.binaryClassifier(inputShape: [40, 40, 3], widths: VGG16.reducedWidths, using: &rng)
        let zeros = try VGG16.binaryClassifier(inputShape: [40, 40, 3], widths: VGG16.reducedWidths)
        #expect(random.parameters.map(\.key) == zeros.parameters.map(\.key))
        #expect(random.parameters.map(\.value.shape) == zeros.parameters.map(\.value.shape))
        #expect(zeros.parameters.allSatisfy { $0.value.scalars.allSatisfy { $0 == 0 } })
    }

    @Test("inputs smaller than 32×32 or not RGB are rejected", arguments: [[31, 64, 3], [64, 31, 3], [64, 64, 1], [64, 64]] as [Shape])
    func rejectsSmallInputs(_ input: Shape) {
        var rng = SeededRNG(seed: 1)
        #expect(throws: LayerError.self) { try VGG16.base(inputShape: input, widths: VGG16.reducedWidths, using: &rng) }
    }
}
