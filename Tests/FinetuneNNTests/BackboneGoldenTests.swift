import Foundation
import FinetuneCore
import FinetuneTestSupport
@testable import FinetuneNN
import Testing

/// The `backbones` golden suite (`Goldens/backbones`, written by `Goldens/gen_backbones.py`), loaded once.
let backboneSuite: Result<GoldenSuite, any Error> = Result { try GoldenSuite.load("backbones") }

func backboneCaseNames(_ prefix: String) -> [String] {
    nonEmptyCaseNames((try? backboneSuite.get())?.cases(prefix: prefix).map(\.name), describing: "backbones \(prefix)*")
}

/// The zero-initialised backbone `net` (`resnet50` or `mobilenetv2`) for `inputShape`.
func backbone(_ net: String, inputShape: Shape) throws -> Graph {
    switch net {
    case "resnet50": return try Applications.resNet50(inputShape: inputShape)
    case "mobilenetv2": return try Applications.mobileNetV2(inputShape: inputShape)
    default: throw GoldenError.missing("no backbone '\(net)'")
    }
}

extension GoldenCase {
    /// Sets every parameter of `model` to its `hash_uniform` weights; the model's keys must be the
    /// case's, one to one.
    func setHashWeights(_ model: inout some Layer) throws {
        let spec = try hashWeights()
        #expect(Set(model.parameters.map(\.key)) == Set(spec.keys), "\(name): the model's keys are Keras'")
        for (key, value) in model.parameters {
            let s = try #require(spec[key])
            try model.setParameter(key, to: hashUniform(seed: s.seed, shape: value.shape, low: s.low, high: s.high))
        }
    }

}

@Suite("ResNet50 and MobileNetV2 match Keras 3's keras.applications", .tags(.golden))
struct BackboneGoldenTests {
    static func forwardCases(oddSizes: Bool) -> [String] {
        backboneCaseNames("forward.").filter { $0.hasSuffix(".32x32") != oddSizes }
    }

    func forward(_ name: String) throws {
        let g = try backboneSuite.get().named(name)
        let parts = name.split(separator: ".")
        let size = parts[2].split(separator: "x").compactMap { Int($0) }
        var model = try backbone(String(parts[1]), inputShape: [size[0], size[1], 3])
        #expect(model.name == (try g.param("name").string))
        #expect(model.sublayers.map(\.name) == (try g.strings("layers")), "\(name): Keras' layer order")
        #expect(model.parameterCount == (try g.param("parameters").int))
        try g.setHashWeights(&model)
        let x = try g.tensor("x"), expected = try g.tensor("y")
        #expect(try model.outputShape(for: x.shape) == expected.shape)
        expectClose(model(x), expected, tolerance: g.tolerance, "\(name) y (inference)")
    }

    @Test("whole-network forward at 32×32 on real photos, Keras' names, order and parameter count",
          arguments: forwardCases(oddSizes: false))
    func forwardSmall(_ name: String) throws { try forward(name) }

    @Test("whole-network forward at odd, non-square sizes (Keras' correct_pad)", arguments: forwardCases(oddSizes: true))
    func forwardOddSizes(_ name: String) throws { try forward(name) }

    @Test("freeze policies by Keras layer name: the trainable keys Keras' `base.layers[i:]` idiom gives",
          arguments: backboneCaseNames("policy."))
    func policy(_ name: String) throws {
        let g = try backboneSuite.get().named(name)
        let model = try backbone(String(name.split(separator: ".")[1]), inputShape: [32, 32, 3])
        let from = try #require(try g.param("from").string)
        let trainable = try FreezePolicy.from(from).trainableKeys(in: model)
        #expect(trainable.sorted() == (try g.strings("trainable")))
    }

    @Test("Keras' sizes: 224² → 7×7×2048 / 7×7×1280 with Keras' parameter counts; inputs under 32 or not RGB are refused")
    func geometry() throws {
        var rng = SeededRNG(seed: 1)
        let resnet = try Applications.resNet50(inputShape: [224, 224, 3], using: &rng)
        #expect(try resnet.outputShape(for: [1, 224, 224, 3]) == [1, 7, 7, 2048])
        #expect(resnet.parameterCount == 23_587_712)
        let mobile = try Applications.mobileNetV2(inputShape: [224, 224, 3], using: &rng)
        #expect(try mobile.outputShape(for: [1, 224, 224, 3]) == [1, 7, 7, 1280])
        #expect(mobile.parameterCount == 2_257_984)
        #expect(mobile.name == "mobilenetv2_1.00_224" && resnet.name == "resnet50")
        #expect(try Applications.mobileNetV2(inputShape: [33, 47, 3]).outputShape(for: [1, 33, 47, 3]) == [1, 2, 2, 1280])
        for shape: Shape in [[31, 64, 3], [64, 31, 3], [64, 64, 1], [64, 64]] {
            #expect(throws: LayerError.self) { try Applications.resNet50(inputShape: shape) }
            #expect(throws: LayerError.self) { try Applications.mobileNetV2(inputShape: shape) }
        }
        let pad = MobileNetV2.correctPad(height: 112, width: 7)
        #expect(pad.0 == (0, 1) && pad.1 == (1, 1), "Keras' correct_pad: one zero fewer on top of an even size")
    }
}
