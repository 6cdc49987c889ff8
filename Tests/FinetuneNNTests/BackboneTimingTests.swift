import Foundation
import FinetuneCore
import FinetuneTestSupport
@testable import FinetuneNN
import Testing

/// Inference time per image of the two backbones at 160×160 (the size Keras' MobileNetV2 ImageNet
/// weights come in), batch 4, printed for comparing kernels; run with
/// `FINETUNE_SLOW=1 swift test [-c release] --filter BackboneTimingTests`.
@Suite("Backbone inference time at 160×160", .serialized, .tags(.slow), .enabled(if: slowTestsEnabled))
struct BackboneTimingTests {
    @Test("ResNet50 and MobileNetV2: a batch of 4 gives finite 5×5 feature maps; seconds per image printed",
          arguments: ["resnet50", "mobilenetv2"])
    func perImage(_ net: String) throws {
        var rng = SeededRNG(seed: 7)
        let model = net == "resnet50" ? try Applications.resNet50(inputShape: [160, 160, 3], using: &rng)
                                      : try Applications.mobileNetV2(inputShape: [160, 160, 3], using: &rng)
        let x = Tensor.uniform([4, 160, 160, 3], low: -1, high: 1, using: &rng)
        _ = model(x)   // warm-up: buffers, BLAS threads
        let clock = ContinuousClock()
        var y = x
        let runs = 3
        let elapsed = clock.measure { for _ in 0..<runs { y = model(x) } }
        #expect(y.shape == [4, 5, 5, net == "resnet50" ? 2048 : 1280])
        #expect(y.scalars.allSatisfy { $0.isFinite })
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        print("\(net) 160×160 inference: \(String(format: "%.4f", seconds / Double(runs * 4))) s/image (batch 4, \(runs) runs)")
    }
}
