import Foundation
import Testing
import FinetuneTestSupport

/// A weights file with one NaN in block1_conv1's kernel (written by Keras 3, Goldens/nonfinite) is
/// refused before training, naming the file, the layer and the weight: exit 64, nothing trained.
@Suite("demo-catsdogs refuses non-finite weights", .enabled(if: FileManager.default.fileExists(atPath: DemoProcess.executable) || runningInCI,
                                                             "build it first: swift build --product demo-catsdogs"))
struct NonFiniteWeightsRunTests {
    @Test("a NaN in a weights file stops the run before training", arguments: [
        ("nan_block1_conv1_legacy.h5", "block1_conv1"), ("nan_block1_conv1.weights.h5", "1st convolution layer"),
    ])
    func refused(_ file: String, _ layer: String) throws {
        let folder = try DemoProcess.scratch("nan-weights-\(file)")
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try DemoProcess.dataset(in: folder)
        let weights = GoldenSuite.root.appendingPathComponent("nonfinite/\(file)").path
        let result = try DemoProcess.run(["--data", "data", "--weights", weights, "--out", "out", "--quiet",
                                          "--phase1-epochs", "1", "--phase2-epochs", "1", "--steps-per-epoch", "1",
                                          "--validation-steps", "1", "--test-steps", "1", "--image-size", "32"], in: folder)
        #expect(result.code == 64, "exit code \(result.code); output:\n\(result.output)")
        for text in ["--weights", file, layer, "non-finite", "is nan"] {
            #expect(result.output.contains(text), "the message should mention '\(text)':\n\(result.output)")
        }
        #expect(!result.output.contains("epoch 1 (phase"), "training started:\n\(result.output)")
    }
}
