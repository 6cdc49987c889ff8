import Foundation
import Testing
import FinetuneCore
import FinetuneNN
import FinetuneTestSupport
@testable import FinetuneIO

/// Every VGG16 convolution at full size with HED's pretrained weights, on a real image's
/// activations: each algorithm (im2col + GEMM and Winograd F(m×m, 3×3) for every m) against the
/// float64 reference twin: forward, input gradient and kernel gradient (Winograd's adjoint for the
/// Winograd algorithms). The error is ‖y − y_ref‖ / ‖y_ref‖ over the whole output; the table it
/// prints (forward / input gradient / kernel gradient) is the per-layer accuracy Finetune documents.
@Suite("Convolution accuracy on HED's VGG16 weights")
struct HEDWinogradAccuracyTests {
    static let tolerance = 1e-4

    static let algorithms: [(name: String, options: ConvolutionOptions)] =
        [("GEMM", ConvolutionOptions(algorithm: .gemm))]
        + WinogradTile.all.map { ("\($0)", ConvolutionOptions(algorithm: .winograd, winogradTileSize: $0.m)) }

    @Test("every layer and algorithm stays within 1e-4 of the float64 reference, forward and both gradients",
          .enabled(if: slowTestsEnabled),
          .enabled(if: FileManager.default.fileExists(atPath: hedWeightsURL.path),
                   "HED weights are not in the cache: run `bash .ci/install-deps --weights` (FINETUNE_CACHE or ~/.cache/finetune)"),
          .tags(.slow, .golden))
    func everyLayerEveryAlgorithm() throws {
        var base = HEDForwardTests.fullVGG16()
        _ = try KerasWeights.read(from: hedWeightsURL).load(into: &base)
        let parameters = parameterDictionary(base)
        let input = try GoldenSuite.load("io").named("hed_vgg16_forward").tensor("input").slice(batch: 0..<1)
        var x = input
        var rng = SeededRNG(seed: 7)
        var worst = 0.0
        for layer in base.layers {
            if layer.name.hasSuffix("_pool") { x = maxPool2DForward(input: x); continue }
            let w = try #require(parameters["\(layer.name).kernel"]), b = try #require(parameters["\(layer.name).bias"])
            let reference = NaiveKernels.conv2DForward(input: ReferenceTensor(x), kernel: ReferenceTensor(w),
                                                       bias: ReferenceTensor(b), padding: .same)
            let dy = Tensor.uniform(reference.shape, low: -1, high: 1, using: &rng)
            let gradientReference = NaiveKernels.conv2DBackward(input: ReferenceTensor(x), kernel: ReferenceTensor(w),
                                                                outputGradient: ReferenceTensor(dy), padding: .same)
            var line = "\(layer.name):"
            for (name, options) in Self.algorithms {
                let y = conv2DForward(input: x, kernel: w, bias: b, padding: .same, options: options)
                let gradients = conv2DBackward(input: x, kernel: w, outputGradient: dy, padding: .same, options: options)
                let dx = try #require(gradients.input), dw = try #require(gradients.kernel)
                let e = relativeError(y, reference)
                let g = relativeError(dx, gradientReference.input)
                let k = relativeError(dw, gradientReference.kernel)
                worst = max(worst, e, g, k)
                line += String(format: "  %@ %.1e / %.1e / %.1e", name, e, g, k)
                #expect(e < Self.tolerance, "\(layer.name) forward, \(name): relative error \(e)")
                #expect(g < Self.tolerance, "\(layer.name) input gradient, \(name): relative error \(g)")
                #expect(k < Self.tolerance, "\(layer.name) kernel gradient, \(name): relative error \(k)")
            }
            print(line)
            x = reluForward(reference.tensor)
        }
        print(String(format: "worst relative error over 13 layers × %d algorithms: %.2e", Self.algorithms.count, worst))
    }

    /// ‖a − b‖ / ‖b‖.
    func relativeError(_ a: Tensor, _ b: ReferenceTensor) -> Double {
        var difference = 0.0, norm = 0.0
        for (x, y) in zip(a.scalars, b.scalars) { difference += (Double(x) - y) * (Double(x) - y); norm += y * y }
        return (difference / max(norm, .leastNormalMagnitude)).squareRoot()
    }
}
