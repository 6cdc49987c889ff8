import Foundation
import Finetune

/// The small deterministic setup the checks train: Chollet's model at reduced width on 32×32 random
/// images with shuffling and Keras-stream augmentation (so sharding must keep the draws of the
/// whole batch), and a fixed validation set.
struct Fixture {
    var samples = 23
    var batchSize = 7
    var imageSize = 32

    func images(count: Int, seed: UInt64) -> (Tensor, Tensor) {
        var rng = SeededRNG(seed: seed)
        let images = Tensor.uniform([count, imageSize, imageSize, 3], low: 0, high: 255, using: &rng)
        let labels = Tensor(shape: [count], scalars: (0..<count).map { Float($0 % 2) })
        return (images, labels)
    }

    func training() throws -> ArraySource {
        let (x, y) = images(count: samples, seed: 11)
        return try ArraySource(images: x, labels: y, batchSize: batchSize, shuffle: true, seed: 5,
                               augmentation: Augmentation(rotationRange: 20, widthShiftRange: 0.1, horizontalFlip: true),
                               randomness: .kerasStream, preprocessing: .rescale255)
    }

    func validation() throws -> ArraySource {
        let (x, y) = images(count: 9, seed: 12)
        return try ArraySource(images: x, labels: y, batchSize: 4, preprocessing: .rescale255)
    }

    func model() throws -> Sequential {
        var rng = SeededRNG(seed: 7)
        return try VGG16.binaryClassifier(inputShape: [imageSize, imageSize, 3], widths: VGG16.reducedWidths, denseUnits: 8, using: &rng)
    }

    func phase1Trainer() throws -> Trainer {
        try Trainer(model: try model(), optimizer: RMSprop(learningRate: 1e-3), freezing: .all(of: "vgg16"), seed: 3)
    }

    static let phase2Policy = TwoPhaseRecipe.chollet.phase2Freezing
    static func phase2Optimizer() -> RMSprop { RMSprop(learningRate: 1e-4) }
}

/// Records each step's loss (a callback).
final class StepRecorder: Callback {
    var losses: [Double] = []
    func batchEnd(_ logs: BatchLogs) { losses.append(logs.loss) }
}

/// Largest |a − b| over the largest |b|, per tensor, worst tensor first.
func worstRelativeDifference(_ a: [String: Tensor], _ b: [String: Tensor]) -> (key: String, value: Double) {
    var worst = (key: "", value: 0.0)
    for (key, reference) in b {
        guard let other = a[key], other.shape == reference.shape else { return (key, .infinity) }
        var diff = 0.0, scale = 0.0
        for (x, y) in zip(other.scalars, reference.scalars) {
            diff = max(diff, Double(abs(x - y)))
            scale = max(scale, Double(abs(y)))
        }
        let value = scale > 0 ? diff / scale : diff
        if value > worst.value || worst.key.isEmpty { worst = (key, value) }
    }
    return worst
}

/// Largest |a − b| / max(|b|, 1e-12) over two equally long series.
func worstRelativeDifference(_ a: [Double], _ b: [Double]) -> Double {
    guard a.count == b.count else { return .infinity }
    return zip(a, b).map { abs($0 - $1) / max(abs($1), 1e-12) }.max() ?? 0
}
