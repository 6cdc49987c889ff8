import Foundation
import Testing
@testable import FinetuneCommandLine
import Finetune

@Suite("ModelDescription")
struct ModelDescriptionTests {
    let three = ModelDescription(classNames: ["a", "b", "c"], imageHeight: 32, imageWidth: 32,
                                 baseWidths: VGG16.reducedWidths, denseUnits: 8)

    @Test("two classes get one sigmoid output, more get a softmax output per class")
    func heads() throws {
        var two = three
        two.classNames = ["cats", "dogs"]
        var rng = SeededRNG(seed: 1)
        let binary = try two.makeModel(using: &rng)
        let softmax = try three.makeModel(using: &rng)
        #expect(binary(Tensor.zeros([2, 32, 32, 3])).shape == [2, 1])
        #expect(softmax(Tensor.zeros([2, 32, 32, 3])).shape == [2, 3])
        #expect(two.loss is BinaryCrossEntropy && two.metric is BinaryAccuracy && two.classMode == .binary)
        #expect(three.loss is CategoricalCrossEntropy && three.metric is CategoricalAccuracy && three.classMode == .categorical)
        #expect(two.probabilities(outputRow: [0.25][...]) == [0.75, 0.25])
    }

    @Test("with standard widths and no dropout, the binary model is drawn exactly as VGG16's Chollet model")
    func matchesVGG16BinaryModel() throws {
        let two = ModelDescription(classNames: ["cats", "dogs"], imageHeight: 32, imageWidth: 32,
                                   baseWidths: VGG16.reducedWidths, denseUnits: 8)
        var a = SeededRNG(seed: 3), b = SeededRNG(seed: 3)
        let ours = try two.makeModel(using: &a)
        let reference = try VGG16.binaryClassifier(inputShape: [32, 32, 3], widths: VGG16.reducedWidths, denseUnits: 8, using: &b)
        #expect(ours.parameterDictionary == reference.parameterDictionary)
    }

    @Test("survives the checkpoint metadata round trip; a checkpoint without it is refused by name")
    func checkpointRoundTrip() throws {
        var c = Checkpoint(model: try three.makeModel())
        c.metadata[ModelDescription.metadataKey] = try three.encoded()
        #expect(try ModelDescription(checkpoint: c, path: "x.ftckpt") == three)
        let bare = Checkpoint(model: try three.makeModel())
        #expect(throws: CommandLineError.notATrainedModel(path: "bare.ftckpt")) {
            try ModelDescription(checkpoint: bare, path: "bare.ftckpt")
        }
    }

    @Test("unknown preprocessing names the flag")
    func preprocessing() throws {
        var d = three
        d.preprocessing = "imagenet"
        #expect(throws: CommandLineError.self) { try d.preprocessingValue() }
        d.preprocessing = "caffe"
        #expect(try d.preprocessingValue() == .caffe)
    }
}
