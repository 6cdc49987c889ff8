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
/// `<name>-pre.onnx` (takes `raw.f32`; preprocessing in the graph), `<name>-unfolded.onnx` (as
/// `<name>.onnx`, every BatchNormalization an operator of its own), `<name>.input.f32` (the
/// preprocessed pixels) and `<name>.expected.f32` (Finetune's predictions, as `finetune predict`
/// computes them). The models: a reduced-width VGG16 with Chollet's head (rescale, caffe), every
/// single-input layer type, a small graph with fan-out, Add and Concatenate, and the graph
/// backbones ResNet50 (caffe), MobileNetV2 (tf) and EfficientNet-Lite0 ((x − 127) / 128) with
/// random BatchNormalization values (moving statistics calibrated on the photos) and the tools' head (global average pooling, dropout,
/// dense sigmoid or softmax).
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

        func preprocessed(_ preprocessing: Preprocessing) -> Tensor {
            Tensor(shape: raw.shape) { buffer in
                raw.withUnsafeBufferPointer { _ = buffer.initialize(from: $0) }
                preprocessing.apply(to: buffer)
            }
        }
        // The graph backbones' BatchNormalization statistics are calibrated on the photos.
        let lite = Preprocessing.normalized(mean: [127, 127, 127], std: [128, 128, 128])   // EfficientNet-Lite's
        let models: [(String, Sequential, Preprocessing)] = [
            ("vgg_rescale", try smallVGGModel(imageSize: size, seed: 3), .rescale255),
            ("vgg_caffe", try smallVGGModel(imageSize: size, seed: 5), .caffe),
            ("zoo", try layerZooModel(imageSize: size), .rescale255),
            ("zoo_max", try layerZooModel(imageSize: size, globalMax: true), .none),
            ("branchy", try branchyGraphModel(imageSize: size), .rescale255),
            ("resnet50_caffe", try graphBackboneModel("resnet50", imageSize: size, calibration: preprocessed(.caffe), seed: 2),
             .caffe),
            ("mobilenetv2_tf", try graphBackboneModel("mobilenetv2", imageSize: size, units: 3, calibration: preprocessed(.tf),
                                                      seed: 3), .tf),
            ("efficientnet_lite0_lite", try graphBackboneModel("efficientnet-lite0", imageSize: size,
                                                               calibration: preprocessed(lite), seed: 4), lite),
            // Lite1 and Lite2: deeper (depth 1.1, 1.2) and, for Lite2, wider (1.1) stages.
            ("efficientnet_lite1_lite", try graphBackboneModel("efficientnet-lite1", imageSize: size,
                                                               calibration: preprocessed(lite), seed: 5), lite),
            ("efficientnet_lite2_lite", try graphBackboneModel("efficientnet-lite2", imageSize: size,
                                                               calibration: preprocessed(lite), seed: 6), lite),
        ]
        var manifest: [String: Any] = ["size": size, "files": listing.paths, "models": models.map(\.0)]
        var outputs: [String: Int] = [:]
        for (name, model, preprocessing) in models {
            let input = preprocessed(preprocessing)
            var context = ForwardContext.inference
            let expected = model.predict(input, context: &context).prediction.output
            outputs[name] = expected.shape[1]
            #expect(expected.shape[0] == raw.shape[0], "\(name): one prediction per photo")
            #expect(expected.nonFiniteValues() == nil, "\(name): finite predictions")
            #expect(expected.scalars.allSatisfy { $0 >= 0 && $0 <= 1 }, "\(name): probabilities")
            try write(input, to: out.appendingPathComponent("\(name).input.f32"))
            try write(expected, to: out.appendingPathComponent("\(name).expected.f32"))
            let classes = (0..<max(2, expected.shape[1])).map { "class\($0)" }
            try ONNXExport.write(model, classNames: classes, preprocessing: preprocessing, includePreprocessing: false,
                                 foldingBatchNormalization: false, to: out.appendingPathComponent(name + "-unfolded.onnx"))
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
