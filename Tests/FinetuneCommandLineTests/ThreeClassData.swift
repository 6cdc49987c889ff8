import Foundation
import Finetune
import FinetuneCommandLine

/// A generated three-class dataset (circles, squares, triangles) in a fresh temporary folder,
/// small enough for debug-build tests.
struct ThreeClassData {
    let root: URL

    init(perClass: (train: Int, validation: Int, test: Int) = (4, 2, 2), size: Int = 32, validationFolder: Bool = true) throws {
        root = FileManager.default.temporaryDirectory
            .appendingPathComponent("finetune-cli-\(UUID().uuidString)")
        var splits: [(name: String, perClass: Int)] = [("train", perClass.train), ("test", perClass.test)]
        if validationFolder { splits.insert(("validation", perClass.validation), at: 1) }
        try SyntheticDataset(splits: splits, width: size, height: size, format: .png, seed: 7, classCount: 3)
            .write(to: root.appendingPathComponent("data"))
    }

    var data: String { root.appendingPathComponent("data").path }
    var out: String { root.appendingPathComponent("out").path }
    func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// A tiny, fast training configuration: reduced VGG16 widths, random weights, one epoch of
    /// two steps per phase, no augmentation.
    func configuration() -> TrainConfiguration {
        var c = TrainConfiguration(data: data)
        c.out = out
        c.weights = "none"
        c.imageSize = 32
        c.baseWidths = VGG16.reducedWidths
        c.denseUnits = 8
        c.batchSize = 4
        c.phase1Epochs = 1
        c.phase2Epochs = 1
        c.stepsPerEpoch = 2
        c.augmentation = nil
        c.quiet = true
        c.threads = 2
        return c
    }

    func remove() { try? FileManager.default.removeItem(at: root) }
}
