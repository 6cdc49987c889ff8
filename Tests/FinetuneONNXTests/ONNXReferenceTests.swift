import Foundation
import Testing
@testable import FinetuneONNX
import FinetuneCore
import FinetuneNN
import FinetuneData

/// Reference outputs for `.ci/onnx`, which runs the exported files in ONNX Runtime: with
/// FINETUNE_ONNX_EXPORT=dir and FINETUNE_ONNX_PHOTOS=dir (class folders of photos), decodes the
/// photos with Finetune's loader at FINETUNE_ONNX_SIZE (default 48) and writes, in `dir`:
/// `manifest.json` (files in order, size, models), `raw.f32` (the resized 0–255 RGB pixels,
/// NHWC float32 little-endian), and for each model `<name>.onnx` (takes preprocessed pixels),
/// `<name>-pre.onnx` (takes `raw.f32`; preprocessing in the graph), `<name>.input.f32` (the
/// preprocessed pixels) and `<name>.expected.f32` (Finetune's predictions, as `finetune predict`
/// computes them).
@Suite("ONNX reference outputs")
struct ONNXReferenceTests {
    static let environment = ProcessInfo.processInfo.environment
    static let enabled = environment["FINETUNE_ONNX_EXPORT"] != nil && environment["FINETUNE_ONNX_PHOTOS"] != nil

    @Test("writes the exported models, the decoded photos and Finetune's predictions",
          .enabled(if: enabled, "set FINETUNE_ONNX_EXPORT and FINETUNE_ONNX_PHOTOS (.ci/onnx does)"))
    func writeReferences() throws {
        let out = URL(fileURLWithPath: Self.environment["FINETUNE_ONNX_EXPORT"]!)
        let size = Int(Self.environment["FINETUNE_ONNX_SIZE"] ?? "48") ?? 48
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let listing = try DirectoryListing(root: Self.environment["FINETUNE_ONNX_PHOTOS"]!)
        var source = try DirectorySource(listing: listing, targetSize: (size, size), classMode: .binary,
                                         batchSize: listing.paths.count, shuffle: false, preprocessing: .none, quiet: true)
        let raw = try source.next().images
        #expect(raw.shape == [listing.paths.count, size, size, 3], "every photo decoded at \(size)×\(size)")
        try write(raw, to: out.appendingPathComponent("raw.f32"))

        let models: [(String, Sequential, Preprocessing)] = [
            ("vgg_rescale", try smallVGGModel(imageSize: size, seed: 3), .rescale255),
            ("vgg_caffe", try smallVGGModel(imageSize: size, seed: 5), .caffe),
            ("zoo", try layerZooModel(imageSize: size), .rescale255),
            ("zoo_max", try layerZooModel(imageSize: size, globalMax: true), .none),
        ]
        var manifest: [String: Any] = ["size": size, "files": listing.paths, "models": models.map(\.0)]
        var outputs: [String: Int] = [:]
        for (name, model, preprocessing) in models {
            let input = Tensor(shape: raw.shape) { buffer in
                raw.withUnsafeBufferPointer { _ = buffer.initialize(from: $0) }
                preprocessing.apply(to: buffer)
            }
            var context = ForwardContext.inference
            let expected = model.predict(input, context: &context).prediction.output
            outputs[name] = expected.shape[1]
            #expect(expected.shape[0] == raw.shape[0], "\(name): one prediction per photo")
            #expect(expected.nonFiniteValues() == nil, "\(name): finite predictions")
            #expect(expected.scalars.allSatisfy { $0 >= 0 && $0 <= 1 }, "\(name): probabilities")
            try write(input, to: out.appendingPathComponent("\(name).input.f32"))
            try write(expected, to: out.appendingPathComponent("\(name).expected.f32"))
            let classes = (0..<max(2, expected.shape[1])).map { "class\($0)" }
            for included in [false, true] {
                let file = out.appendingPathComponent(name + (included ? "-pre" : "") + ".onnx")
                try ONNXExport.write(model, classNames: classes, preprocessing: preprocessing, includePreprocessing: included,
                                     to: file)
                let written = try Onnx_ModelProto(serializedBytes: Data(contentsOf: file))
                #expect(written == (try decoded(model, classes: classes, preprocessing, included: included)),
                        "\(file.lastPathComponent): the file holds the exported model")
            }
        }
        manifest["outputs"] = outputs
        try JSONSerialization.data(withJSONObject: manifest, options: [.sortedKeys])
            .write(to: out.appendingPathComponent("manifest.json"))
    }

    private func write(_ tensor: Tensor, to url: URL) throws {
        var data = Data(capacity: tensor.scalarCount * 4)
        for v in tensor.scalars { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        try data.write(to: url)
    }
}
