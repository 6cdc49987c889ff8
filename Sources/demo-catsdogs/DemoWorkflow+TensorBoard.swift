import Foundation
import Finetune

extension DemoWorkflow {
    /// A ``TensorBoardLogger`` writing to `--tensorboard DIR` (none without the flag): per-epoch
    /// scalars, batch means ten times an epoch, phase texts, and augmented versions of the first
    /// training image as the model sees them.
    func tensorBoardCallbacks(train: DirectorySource, augmentation: Augmentation?,
                              size: (height: Int, width: Int), stepsPerEpoch: Int) throws -> [any Callback] {
        guard let dir = options.tensorboard else { return [] }
        let logger = try TensorBoardLogger(logDirectory: URL(fileURLWithPath: dir),
                                           batchFrequency: max(1, stepsPerEpoch / 10))
        if let augmentation, let first = train.listing.relativePaths.first {
            let path = URL(fileURLWithPath: train.listing.root).appendingPathComponent(first).path
            let image = try ImageDecoder.decode(path: path).resized(width: size.width, height: size.height, filter: .nearest)
            try logger.logAugmentedSamples(augmentation, of: image, seed: Int(options.seed % (1 << 32)))
        }
        say("TensorBoard logs go to \(dir)/train and \(dir)/validation; watch them with `tensorboard --logdir \(dir)`.")
        return [logger]
    }
}
