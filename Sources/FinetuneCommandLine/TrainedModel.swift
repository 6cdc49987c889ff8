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
    package func run(_ listing: DirectoryListing, batchSize: Int = 32, withLoss: Bool = false,
                    progress: (Int, Int) -> Void = { _, _ in }) throws -> (probabilities: [[Float]], loss: Double?) {
        var source = try DirectorySource(listing: listing, targetSize: (description.imageHeight, description.imageWidth),
                                         classMode: description.classMode, batchSize: batchSize, shuffle: false,
                                         preprocessing: try description.preprocessingValue(),
                                         workers: max(1, Parallel.threadCount), quiet: true)
        var rows: [[Float]] = []
        var lossSum = 0.0
        let loss = description.loss
        for step in 0..<source.batchesPerPass {
            let batch = try source.next()
            var context = ForwardContext.inference
            let prediction = model.predict(batch.images, context: &context).prediction
            if withLoss { lossSum += Double(loss.evaluate(prediction, labels: batch.labels).value) * Double(batch.count) }
            let width = prediction.output.shape[1]
            let scalars = prediction.output.scalars
            for r in 0..<batch.count {
                rows.append(description.probabilities(outputRow: scalars[(r * width)..<((r + 1) * width)]))
            }
            progress(step + 1, source.batchesPerPass)
        }
        return (rows, withLoss ? lossSum / Double(max(rows.count, 1)) : nil)
    }
}
