import Foundation
import Testing
import FinetuneCore
import FinetuneNN
import FinetuneTestSupport
@testable import FinetuneIO

/// Files written by Python's `safetensors` package (`Goldens/gen_safetensors.py`), read by
/// Finetune and compared bit for bit with the values the generator recorded.
@Suite("safetensors: files written by the safetensors package", .tags(.golden))
struct SafetensorsGoldenTests {
    static func file(_ name: String) -> URL { GoldenSuite.root.appendingPathComponent("safetensors/\(name)") }

    static func expectBitwise(_ weights: KerasWeights, _ golden: GoldenCase) throws {
        let read = Dictionary(uniqueKeysWithValues: weights.entries.flatMap { zip($0.tensorNames, $0.tensors) })
        #expect(Set(read.keys) == Set(golden.tensors.keys))
        for name in golden.tensors.keys.sorted() {
            var expected = try golden.tensor(name)
            // The golden format stores a 0-d array as shape [1]; the generator records the real shape.
            if let shape = golden.params["shapes"]?[name]?.array?.compactMap(\.int) { expected = expected.reshaped(Shape(shape)) }
            let got = try #require(read[name], "\(name) not read")
            #expect(got.isBitwiseEqual(to: expected), "\(name): \(got) vs \(expected)")
        }
    }

    @Test("the seed model under Keras 3 paths reads bit for bit and loads into Finetune's model by name")
    func kerasSeed() throws {
        let golden = try GoldenSuite.load("safetensors").named("keras_seed")
        let weights = try KerasWeights.read(from: Self.file("keras_seed.safetensors"))
        #expect(weights.layout == .safetensors)
        #expect(weights.metadata["classes"].flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) } == ["cat", "dog"])
        try Self.expectBitwise(weights, golden)

        var model = tinySeed(seed: 9)
        try weights.load(into: &model)
        for (key, value) in model.parameters {
            let name = KerasWeights.tensorName(forKey: key)
            let expected = try golden.tensor(golden.tensors.keys.first { KerasWeights.shortName($0) == name } ?? name)
            #expect(value.isBitwiseEqual(to: expected), "\(key)")
        }
        var base = tinyVGG(seed: 9)
        try weights.load(into: &base, scope: .convolutions)
        #expect(base.parameters[0].value.isBitwiseEqual(to: try golden.tensor("block1_conv1/kernel")))
    }

    @Test("F16 and F64 tensors read as numpy's float32 conversion; a scalar and an empty tensor as written")
    func dtypes() throws {
        let golden = try GoldenSuite.load("safetensors").named("dtypes")
        try Self.expectBitwise(try KerasWeights.read(from: Self.file("dtypes.safetensors")), golden)
    }

    @Test("an I64 tensor is refused, naming the tensor and its dtype")
    func int64() throws {
        let golden = try GoldenSuite.load("safetensors").named("int64")
        let url = Self.file("int64.safetensors")
        #expect(throws: KerasWeightsError.unsupportedDType(file: url.path, tensor: try golden.param("tensor").string ?? "",
                                                           dtype: try golden.param("dtype").string ?? "")) {
            try KerasWeights.read(from: url)
        }
    }
}
