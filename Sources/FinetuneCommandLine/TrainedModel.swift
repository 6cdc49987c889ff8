import Foundation
import Finetune

/// A model trained by `finetune train`, rebuilt from its checkpoint alone, and run on images.
package struct TrainedModel {
    package var description: ModelDescription
    package var model: Sequential
    /// The checkpoint it came from.
    package var path: String
    /// Steps its optimizer had taken when it was saved (Keras' `optimizer.iterations`); 0 for a
    /// `.keras` archive.
    package var optimizerIterations: Int

    package init(description: ModelDescription, model: Sequential, path: String, optimizerIterations: Int = 0) {
        self.description = description
        self.model = model
        self.path = path
        self.optimizerIterations = optimizerIterations
    }

    /// Reads `path` (a `.ftckpt` written by `finetune train`); `argument` names it in errors.
    /// A Keras 3 `.keras` archive works too: its config builds the model; class names and
    /// preprocessing come from `overrides` (default: class indices, ×1/255). So does a
    /// `.safetensors` file written by `finetune export`, whose metadata describes the model.
    package static func load(_ path: String, argument: String = "CHECKPOINT",
                            overrides: ArchiveOverrides = ArchiveOverrides()) throws -> TrainedModel {
        guard FileManager.default.fileExists(atPath: path) else { throw CommandLineError.missingFile(flag: argument, path: path) }
        if path.hasSuffix(".keras") { return try loadKerasArchive(path, overrides: overrides) }
        if path.hasSuffix(".safetensors") {
            let weights = try KerasWeights.read(from: URL(fileURLWithPath: path))
            guard weights.metadata[ModelDescription.metadataKey] != nil else {
                throw CommandLineError.unsupportedFile(path: path, expected: "a .safetensors file written by `finetune export` "
                    + "(its metadata describes the model; a file of weights alone loads with --weights or --initial-weights)")
            }
            let description = try ModelDescription(metadata: weights.metadata, path: path)
            var model = try description.makeModel()
            try weights.load(into: &model, scope: .all)
            return TrainedModel(description: description, model: model, path: path)
        }
        guard !path.hasSuffix(".h5") else {
            throw CommandLineError.unsupportedFile(path: path, expected: "a .ftckpt checkpoint written by `finetune train` "
                + "(a .h5 holds weights without class names; `finetune summary` and `finetune inspect` read it)")
        }
        let checkpoint = try Checkpoint.read(from: URL(fileURLWithPath: path))
        let description = try ModelDescription(checkpoint: checkpoint, path: path)
        var model = try description.makeModel()
        try checkpoint.restore(into: &model)
        return TrainedModel(description: description, model: model, path: path,
                            optimizerIterations: checkpoint.optimizerIterations)
    }

    static func loadKerasArchive(_ path: String, overrides: ArchiveOverrides) throws -> TrainedModel {
        let model = try KerasArchive.model(at: path)
        guard let input = model.inputShape, input.rank == 3, let last = model.layers.last as? Dense,
              last.activation == .sigmoid || last.activation == .softmax else {
            throw CommandLineError.unsupportedFile(path: path, expected: "a model taking (height, width, 3) images and ending in "
                + "a Dense layer with a sigmoid or softmax activation")
        }
        let units = last.units
        let count = units == 1 ? 2 : units
        let classes = try overrides.classNames(count: count)
        var description = ModelDescription(classNames: classes, imageHeight: input[0], imageWidth: input[1],
                                           preprocessing: overrides.preprocessing, baseWidths: [], denseUnits: 0)
        description.head = last.activation == .sigmoid ? "sigmoid" : "softmax"
        _ = try description.preprocessingValue()
        return TrainedModel(description: description, model: model, path: path)
    }

    /// Class probabilities for every file of `listing` (rows in listing order), and the mean loss
    /// against the listing's labels when `withLoss`. Batches of `batchSize` are decoded on all
    /// cores ahead of the model; `progress(done, total)` is called after each batch.
    ///
    /// With `tta` n > 1 (test-time augmentation, fastai's `Learner.tta`): the model's outputs are
    /// averaged over n views of every image, the original (view 0) and n − 1 augmented by
    /// ``testTimeAugmentation`` exactly as training batches are (``ttaView(_:view:batchSize:)``);
    /// the loss is then that of the averaged probabilities (Keras' clipped cross-entropy). fastai
    /// weighs the original by β = 0.25 against the augmented mean by default; this is the plain mean.
    package func run(_ listing: DirectoryListing, batchSize: Int = 32, withLoss: Bool = false, tta: Int = 1,
                    progress: (Int, Int) -> Void = { _, _ in }) throws -> (probabilities: [[Float]], loss: Double?) {
        precondition(tta >= 1, "TrainedModel.run: tta must be ≥ 1")
        var outputs: [Tensor] = [], labels: [Tensor] = [], logitLoss = 0.0
        let loss = description.loss
        for view in 0..<tta {
            var source = try ttaView(listing, view: view, batchSize: batchSize)
            let total = source.batchesPerPass * tta
            for step in 0..<source.batchesPerPass {
                let batch = try source.next()
                var context = ForwardContext.inference
                let prediction = model.predict(batch.images, context: &context).prediction
                if view == 0 {
                    outputs.append(prediction.output)
                    labels.append(batch.labels)
                    if withLoss && tta == 1 {
                        logitLoss += Double(loss.evaluate(prediction, labels: batch.labels).value) * Double(batch.count)
                    }
                } else {
                    outputs[step] = Tensor(shape: outputs[step].shape,
                                           scalars: zip(outputs[step].scalars, prediction.output.scalars).map { $0 + $1 })
                }
                progress(view * source.batchesPerPass + step + 1, total)
            }
        }
        if tta > 1 {
            let scale = 1 / Float(tta)
            outputs = outputs.map { Tensor(shape: $0.shape, scalars: $0.scalars.map { $0 * scale }) }
        }
        var rows: [[Float]] = [], ttaLoss = 0.0
        for (output, batchLabels) in zip(outputs, labels) {
            let width = output.shape[1], scalars = output.scalars
            for r in 0..<output.shape[0] {
                rows.append(description.probabilities(outputRow: scalars[(r * width)..<((r + 1) * width)]))
            }
            if withLoss && tta > 1 {
                ttaLoss += Double(loss.evaluate(Prediction(output: output), labels: batchLabels).value) * Double(output.shape[0])
            }
        }
        return (rows, withLoss ? (tta > 1 ? ttaLoss : logitLoss) / Double(max(rows.count, 1)) : nil)
    }

    /// The augmentation of test-time augmentation's views: Chollet's training recipe (rotation,
    /// shifts, shear, zoom, horizontal flips), as a checkpoint does not record its run's.
    package static let testTimeAugmentation = TwoPhaseRecipe.chollet.augmentation

    /// View `view` of `listing` for test-time augmentation: the images as evaluated (view 0), or
    /// augmented by ``testTimeAugmentation`` in the training pipeline itself (a `DirectorySource`
    /// with that augmentation, seeded by the view number, in listing order).
    package func ttaView(_ listing: DirectoryListing, view: Int, batchSize: Int) throws -> DirectorySource {
        try DirectorySource(listing: listing, targetSize: (description.imageHeight, description.imageWidth),
                            classMode: description.classMode, batchSize: batchSize, shuffle: false, seed: view,
                            preprocessing: try description.preprocessingValue(),
                            augmentation: view == 0 ? nil : Self.testTimeAugmentation,
                            workers: max(1, Parallel.threadCount), quiet: true)
    }
}
