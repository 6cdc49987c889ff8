import Foundation
import Testing
import Finetune
@testable import FinetuneCommandLine

/// `finetune import`. The ONNX reading and the layer mapping are tested in FinetuneONNXTests
/// (WeightImportTests); an independent MobileNetV2 in PyTorch's layouts, as ONNX and as
/// safetensors, is checked against Keras' names by Goldens/onnx_import_case.py (CI's onnx step).
@Suite("finetune import")
struct ImportCommandTests {
    static func folder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("import-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test("a safetensors MobileNetV2 becomes the file the backbone's weights loader (finetune train --weights) reads, bit for bit")
    func safetensorsRoundTrip() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        var rng = SeededRNG(seed: 3)
        let source = try Applications.mobileNetV2(inputShape: [32, 32, 3], using: &rng)
        let input = dir.appendingPathComponent("trained.safetensors"), out = dir.appendingPathComponent("keras.safetensors")
        try KerasWeights.writeSafetensors(model: source, to: input)
        try ImportCommand.parse([input.path, "--backbone", "mobilenetv2", "--out", out.path]).run()
        var base = try Backbone.mobilenetv2.base(inputShape: [32, 32, 3])
        _ = try Backbone.mobilenetv2.loadWeights(from: out, into: &base)
        let original = Dictionary(uniqueKeysWithValues: source.parameters.map { ($0.key, $0.value) })
        #expect(base.parameters.count == original.count)
        for (key, value) in base.parameters {
            #expect(value.scalars.map(\.bitPattern) == original[key]?.scalars.map(\.bitPattern), "\(key)")
        }
    }

    @Test("flags are checked, and a file of another layout is refused naming the file, its layer and the backbone's")
    func errors() throws {
        #expect(throws: (any Error).self) { try ImportCommand.parse(["m.onnx", "--backbone", "vgg16", "--out", "x.weights.h5"]) }
        #expect(throws: (any Error).self) { try ImportCommand.parse(["m.pt", "--backbone", "vgg16", "--out", "x.safetensors"]) }
        #expect(throws: (any Error).self) { try ImportCommand.parse(["m.onnx", "--backbone", "alexnet", "--out", "x.safetensors"]) }
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        var rng = SeededRNG(seed: 3)
        let input = dir.appendingPathComponent("mobilenet.safetensors")
        try KerasWeights.writeSafetensors(model: try Applications.mobileNetV2(inputShape: [32, 32, 3], using: &rng), to: input)
        var base = try Backbone.vgg16.base(inputShape: [32, 32, 3])
        #expect {
            try ImportCommand.importWeights(from: input.path, into: &base)
        } throws: { error in
            let text = "\(error)"
            return text.contains(input.path) && text.contains("'Conv1'") && text.contains("'block1_conv1'")
        }
    }
}
