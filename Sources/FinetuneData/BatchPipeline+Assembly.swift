import FinetuneCore

extension BatchPipeline.Result {
    /// The batch as a source serves it: failures thrown (``BadFilePolicy/throw``, first failing
    /// slot) or dropped and logged (``BadFilePolicy/skip``); labels from `labels(samples, classes)`,
    /// the dataset indices and the writer's class labels of the slots kept.
    func assemble(shape: [Int], policy: BadFilePolicy, log: SkipLog, describe: (Int) -> String,
                  labels: (_ samples: [Int], _ classes: [Int]) -> Tensor) throws -> Batch {
        var samples = plan.samples
        var classes = self.labels
        var images = self.images
        if let first = failures.first {
            guard policy == .skip else { throw first.error }
            let perSample = shape.reduce(1, *)
            let failed = Set(failures.map(\.slot))
            for f in failures {
                log.record(path: describe(samples[f.slot]), reason: "\(f.error)")
            }
            guard failed.count < samples.count else {
                throw DataError.emptyBatch(paths: samples.map(describe))
            }
            var keptImages: [Float] = []
            keptImages.reserveCapacity((samples.count - failed.count) * perSample)
            var keptSamples: [Int] = [], keptClasses: [Int] = []
            for (slot, s) in samples.enumerated() where !failed.contains(slot) {
                keptSamples.append(s)
                keptClasses.append(classes[slot])
                keptImages.append(contentsOf: images[(slot * perSample)..<((slot + 1) * perSample)])
            }
            samples = keptSamples
            classes = keptClasses
            images = keptImages
        }
        var batch = Batch(images: Tensor(shape: Shape([samples.count] + shape), scalars: images), labels: labels(samples, classes))
        batch.part = plan.part
        return batch
    }
}

extension DataSourcePosition {
    /// The position after this one in a stream of `batchesPerPass` batches a pass.
    func advanced(batchesPerPass: Int) -> DataSourcePosition {
        batch + 1 == batchesPerPass ? DataSourcePosition(pass: pass + 1, batch: 0)
            : DataSourcePosition(pass: pass, batch: batch + 1)
    }

    /// Throws unless this is a position of a stream with `batchesPerPass` batches a pass.
    func validate(batchesPerPass: Int) throws {
        guard pass >= 0, batch >= 0, batch < batchesPerPass else {
            throw DataError.invalidConfiguration("position pass \(pass), batch \(batch) is outside a stream of "
                + "\(batchesPerPass) batches a pass (was it saved from a source with another size or batch size?)")
        }
    }
}
