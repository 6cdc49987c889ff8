import Foundation
import Testing
@testable import FinetuneONNX
import FinetuneCore
import FinetuneNN
import FinetuneData
import FinetuneTestSupport

@Suite("Importing ONNX weights onto a backbone")
struct WeightImportTests {
    static func noise(_ size: Int, seed: UInt64) -> Tensor {
        var rng = SeededRNG(seed: seed)
        return .uniform([2, size, size, 3], low: -1, high: 1, using: &rng)
    }

    @Test("MobileNetV2 exported without folding imports back bit for bit; the head is left out and listed")
    func mobileNetV2RoundTrip() throws {
        let model = try graphBackboneModel("mobilenetv2", imageSize: 32, calibration: Self.noise(32, seed: 1))
        let data = try ONNXExport.modelData(model, classNames: ["a", "b"], preprocessing: .tf, includePreprocessing: true,
                                            foldingBatchNormalization: false)
        var base: any Layer = try Applications.mobileNetV2(inputShape: [32, 32, 3])
        let report = try WeightImport.load(try ONNXWeightReader.layers(of: data, file: "m.onnx"), into: &base, file: "m.onnx")
        #expect(report.unfolded.isEmpty)
        #expect(report.leftOut == ["dense"])
        let original = Dictionary(uniqueKeysWithValues: model.layers[0].parameters.map { ($0.key, $0.value) })
        #expect(base.parameters.count == original.count)
        for (key, value) in base.parameters {
            #expect(value.scalars.map(\.bitPattern) == original[key]?.scalars.map(\.bitPattern), "\(key)")
        }
    }

    @Test("a VGG16 base (convolutions with biases, no batch normalization) imports back bit for bit")
    func vggRoundTrip() throws {
        let model = try smallVGGModel(imageSize: 32)
        let data = try ONNXExport.modelData(model, classNames: ["a", "b"], preprocessing: .caffe, includePreprocessing: false)
        var base: any Layer = try VGG16.base(inputShape: [32, 32, 3], widths: [4, 4, 8, 8, 8])
        let report = try WeightImport.load(try ONNXWeightReader.layers(of: data, file: "v.onnx"), into: &base, file: "v.onnx")
        #expect(report.leftOut == ["dense", "dense_1"])
        let original = Dictionary(uniqueKeysWithValues: model.layers[0].parameters.map { ($0.key, $0.value) })
        for (key, value) in base.parameters { #expect(value.scalars == original[key]?.scalars, "\(key)") }
    }

    @Test("batch normalizations folded by the exporter become the identity after the folded convolution: the same features")
    func foldedImport() throws {
        let model = try graphBackboneModel("mobilenetv2", imageSize: 32, calibration: Self.noise(32, seed: 1))
        let data = try ONNXExport.modelData(model, classNames: ["a", "b"], preprocessing: .tf, includePreprocessing: false)
        var base: any Layer = try Applications.mobileNetV2(inputShape: [32, 32, 3])
        let report = try WeightImport.load(try ONNXWeightReader.layers(of: data, file: "m.onnx"), into: &base, file: "m.onnx")
        let norms = model.layers[0].sublayers.filter { $0 is BatchNormalization }.count
        #expect(report.unfolded.count == norms)
        let x = Self.noise(32, seed: 2)
        var c1 = ForwardContext.inference, c2 = ForwardContext.inference
        let a = model.layers[0].forward(x, context: &c1).output.scalars, b = base.forward(x, context: &c2).output.scalars
        let scale = a.map(abs).max() ?? 1
        let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= 1e-5 * scale, "largest difference \(worst) on features up to \(scale)")
    }

    @Test("ResNet50 (convolutions with biases, each followed by a batch normalization) round-trips: unfolded bit for bit, folded to the same features",
          .tags(.slow), .enabled(if: slowTestsEnabled))
    func resNet50RoundTrip() throws {
        let model = try graphBackboneModel("resnet50", imageSize: 32, calibration: Self.noise(32, seed: 3))
        let original = Dictionary(uniqueKeysWithValues: model.layers[0].parameters.map { ($0.key, $0.value) })
        for folding in [false, true] {
            let data = try ONNXExport.modelData(model, classNames: ["a", "b"], preprocessing: .caffe, includePreprocessing: false,
                                                foldingBatchNormalization: folding)
            var base: any Layer = try Applications.resNet50(inputShape: [32, 32, 3])
            let report = try WeightImport.load(try ONNXWeightReader.layers(of: data, file: "r.onnx"), into: &base, file: "r.onnx")
            #expect(report.leftOut == ["dense"])
            #expect(report.unfolded.count == (folding ? 53 : 0))
            if !folding {
                for (key, value) in base.parameters {
                    #expect(value.scalars.map(\.bitPattern) == original[key]?.scalars.map(\.bitPattern), "\(key)")
                }
            } else {
                let x = Self.noise(32, seed: 4)
                var c1 = ForwardContext.inference, c2 = ForwardContext.inference
                let a = model.layers[0].forward(x, context: &c1).output.scalars, b = base.forward(x, context: &c2).output.scalars
                let scale = a.map(abs).max() ?? 1
                let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
                #expect(worst <= 1e-5 * scale, "largest difference \(worst) on features up to \(scale)")
            }
        }
    }

    @Test("a source bias the network's convolution lacks moves into the batch normalization's mean; another epsilon into its variance")
    func biasAndEpsilon() throws {
        var rng = SeededRNG(seed: 4)
        var network: any Layer = try Sequential(name: "n", inputShape: [4, 4, 3], [
            try Conv2D(name: "conv", kernel: .zeros([1, 1, 3, 2]), bias: nil),
            BatchNormalization(name: "bn", channels: 2, epsilon: 1e-3),
        ])
        let kernel = Tensor.uniform([1, 1, 3, 2], using: &rng)
        let source: [WeightImport.Layer] = [
            .init(kind: .convolution, label: "c", kernel: kernel, bias: Tensor(shape: [2], scalars: [0.5, -0.25])),
            .batchNormalization(label: "b", gamma: Tensor(shape: [2], scalars: [1, 2]), beta: Tensor(shape: [2], scalars: [0, 1]),
                                mean: Tensor(shape: [2], scalars: [1, 1]), variance: Tensor(shape: [2], scalars: [2, 3]), epsilon: 1e-5),
        ]
        _ = try WeightImport.load(source, into: &network, file: "f")
        let p = Dictionary(uniqueKeysWithValues: network.parameters.map { ($0.key, $0.value.scalars) })
        #expect(p["conv.kernel"] == kernel.scalars)
        #expect(p["bn.moving_mean"] == [0.5, 1.25])
        #expect(p["bn.moving_variance"] == [Float(2 + 1e-5 - 1e-3), Float(3 + 1e-5 - 1e-3)])
    }

    @Test("a layout that does not fit names the file, the node, the network's layer and both shapes")
    func mismatch() throws {
        let data = try ONNXExport.modelData(try smallVGGModel(imageSize: 32), classNames: ["a", "b"], preprocessing: .none,
                                            includePreprocessing: false)
        var base: any Layer = try Applications.mobileNetV2(inputShape: [32, 32, 3])
        #expect {
            try WeightImport.load(try ONNXWeightReader.layers(of: data, file: "vgg.onnx"), into: &base, file: "vgg.onnx")
        } throws: { error in
            let text = "\(error)"
            return text.contains("vgg.onnx") && text.contains("'block1_conv1'") && text.contains("'Conv1'")
                && text.contains("(3, 3, 3, 4)") && text.contains("(3, 3, 3, 32)")
        }
        #expect(throws: WeightImportError.self) {
            try ONNXWeightReader.layers(of: Data("not a model".utf8), file: "x.onnx")
        }
    }
}
