import Foundation
import FinetuneCore
import FinetuneNN
import FinetuneData
import FinetuneIO

/// What a checkpoint stores about the trainer itself, besides weights and optimizer slots.
package struct TrainerState: Codable, Sendable, Equatable {
    /// Format of this record (bumped when fields change meaning).
    package var version: Int = 1
    package var phase: Int
    package var trainable: [String]
    package var learningRate: Float
    package var rng: SeededRNG
    package var history: History
    /// Where the training source stood after the last step (seek a new source there to resume).
    package var trainingPosition: DataSourcePosition?
    /// Processes that trained together (absent in checkpoints of single-process runs before
    /// distributed training existed, which count as 1).
    package var worldSize: Int? = nil
}

extension Trainer {
    /// A snapshot of the whole training state: model weights, optimizer slots and step count,
    /// trainable set, phase, learning rate, RNG, history and the training source's position.
    public func checkpoint(metadata: [String: String] = [:]) throws -> Checkpoint {
        var c = Checkpoint(model: model, optimizer: optimizer, metadata: metadata)
        try c.encodeTrainerState(TrainerState(phase: phase, trainable: trainable.sorted(),
                                              learningRate: optimizer.learningRate, rng: rng,
                                              history: history, trainingPosition: trainingPosition,
                                              worldSize: distribution?.worldSize ?? 1))
        return c
    }

    /// Writes ``checkpoint(metadata:)`` (with the tools' run metadata, if any) to `path` atomically (a crash
    /// leaves the previous file). Under a ``distribution`` only rank 0 writes; the other ranks
    /// return at once.
    public func saveCheckpoint(to path: String) throws {
        guard isPrimaryProcess else { return }
        let own = ["model": model.name, "epoch": String(epochsCompleted), "phase": String(phase)]
        try checkpoint(metadata: checkpointMetadata.merging(own) { _, new in new })
            .write(to: URL(fileURLWithPath: path))
    }

    /// Restores everything ``checkpoint(metadata:)`` saved. The trainer's optimizer must be of the
    /// saved type (create it as the phase being resumed creates it); keys and shapes are checked
    /// first, and on any error the trainer is left unchanged. Seek the training source to
    /// `trainingPosition` before the next `fit`. A checkpoint of a run of N > 1 processes is
    /// refused under a ``distribution`` of another size (one process may resume any checkpoint,
    /// and any number of processes may resume a single-process checkpoint).
    public func restore(from checkpoint: Checkpoint) throws {
        let state = try checkpoint.decodeTrainerState(TrainerState.self)
        try checkWorldSize(saved: state.worldSize)
        var restoredModel = model
        try checkpoint.restore(into: &restoredModel)
        var restoredOptimizer = optimizer
        try checkpoint.restore(optimizer: &restoredOptimizer)
        restoredOptimizer.learningRate = state.learningRate
        let known = Set(restoredModel.parameters.map(\.key))
        if let unknown = state.trainable.first(where: { !known.contains($0) }) {
            throw TrainerError.unknownParameter(key: unknown, known: known.sorted())
        }
        model = restoredModel
        optimizer = restoredOptimizer
        try setTrainableForRestore(Set(state.trainable))
        phase = state.phase
        rng = state.rng
        history = state.history
        trainingPosition = state.trainingPosition
        featureCache.invalidate()
    }
}
