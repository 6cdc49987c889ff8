#if MPI
import Foundation
import FinetuneCore
import FinetuneNN
import FinetuneData
import FinetuneTraining

/// Data-parallel training over the processes of an MPI job: the same model on every rank, each
/// rank reading its ``/FinetuneData/DataShard`` of every batch, the trainable gradients of a
/// step fused into one flat buffer and all-reduced in buckets of at most ``bucketBytes``
/// (optionally overlapped with the backward pass, ``overlapsBackward``), the same optimizer step
/// everywhere — the result is that of one process reading whole batches, to rounding.
///
/// ```swift
/// let parallel = try DataParallel()                 // MPI_Init; rank and world size
/// parallel.abortingOnError {                        // a throwing rank ends the whole job
///     var train = try DirectorySource(…).sharded(parallel.shard)
///     let validation = try DirectorySource(…).sharded(parallel.shard)
///     let trainer = try Trainer(…)
///     try parallel.attach(to: trainer)              // rank 0's weights everywhere
///     try trainer.fit(&train, epochs: 30, validation: validation,
///                     callbacks: parallel.onPrimary([Callbacks.progressBar()]))
/// }
/// parallel.finalize()
/// ```
///
/// Only trainable parameters travel (frozen ones have no gradient); loss and metric are reduced
/// with them, so every rank's ``/FinetuneTraining/History`` is identical. Only rank 0 writes checkpoints
/// (`Trainer.saveCheckpoint` does nothing elsewhere); pass file-writing callbacks through
/// ``onPrimary(_:)``.
public final class DataParallel: DistributionStrategy {
    /// The MPI processes (counters of bytes and time reduced included).
    package let communicator: MPICommunicator
    /// This rank's part of every batch.
    public let shard: DataShard
    /// The largest all-reduce of a step's gradient buffer, in bytes (at least 4): larger buffers
    /// are reduced in buckets of this size, in backward order. Must be the same on every rank.
    public var bucketBytes: Int
    /// Whether each bucket's reduction starts (`MPI_Iallreduce`) during the backward pass as soon
    /// as its gradients are final, advanced (`MPI_Testall`) after each layer and waited for
    /// before the optimizer step; otherwise each bucket is reduced with a blocking
    /// `MPI_Allreduce` after the backward pass. Must be the same on every rank.
    public var overlapsBackward: Bool

    /// The default ``bucketBytes``, 4 MiB: on one 2-core machine over shared memory, phase 2's
    /// 36.7 MB reduced 1.3–2.6× faster in buckets of 2–16 MiB than in one call, and no size
    /// in that range was consistently best (`finetune-mpi bench --reduce-only`).
    package static let defaultBucketBytes = 4 << 20
    /// The default of ``overlapsBackward``: off, since overlapping did not measurably shorten a
    /// step there (the reduction is a few percent of a step at most, and Open MPI advances a
    /// non-blocking reduction only inside MPI calls, which a funneled trainer makes between
    /// layers only).
    package static let defaultOverlapsBackward = false

    /// Joins the MPI job (initializing MPI). The defaults: 4 MiB buckets, not overlapped with the
    /// backward pass (see ``bucketBytes`` and ``overlapsBackward`` for why).
    public convenience init(bucketBytes: Int = 4 << 20, overlapsBackward: Bool = false) throws {
        try self.init(communicator: MPICommunicator(), bucketBytes: bucketBytes, overlapsBackward: overlapsBackward)
    }

    /// Data parallelism over `communicator`'s processes. Throws
    /// ``DistributedError/invalidBucketSize(_:)`` for a `bucketBytes` under 4.
    package init(communicator: MPICommunicator, bucketBytes: Int = DataParallel.defaultBucketBytes,
                overlapsBackward: Bool = DataParallel.defaultOverlapsBackward) throws {
        guard bucketBytes >= MemoryLayout<Float>.size else { throw DistributedError.invalidBucketSize(bucketBytes) }
        self.communicator = communicator
        self.shard = try DataShard(index: communicator.rank, count: communicator.size)
        self.bucketBytes = bucketBytes
        self.overlapsBackward = overlapsBackward
    }

    public var rank: Int { communicator.rank }
    public var worldSize: Int { communicator.size }

    public func sum(_ buffer: inout [Float]) throws { try communicator.sum(&buffer) }
    public func sum(_ buffer: inout [Double]) throws { try communicator.sum(&buffer) }

    /// `MPI_Iallreduce` when overlapping the backward pass, else a blocking `MPI_Allreduce`.
    public func beginSum(_ bucket: UnsafeMutableBufferPointer<Float>) throws {
        if overlapsBackward {
            try communicator.beginSum(bucket)
        } else {
            try communicator.sum(bucket)
        }
    }
    public func progressSums() throws { try communicator.progressSums() }
    public func finishSums() throws { try communicator.waitForSums() }

    /// Makes `trainer` train with this strategy, after checking that every rank holds the same
    /// configuration (phase, trainable set, history, optimizer steps and slots, data position,
    /// RNG) and copying rank 0's weights and optimizer slots to every rank. Call it after
    /// creating the trainer, and again after `restore(from:)` or `beginPhase`.
    public func attach(to trainer: Trainer) throws {
        trainer.distribution = self
        try synchronize(trainer)
    }

    /// The ``attach(to:)`` check and broadcast, for a trainer already attached.
    public func synchronize(_ trainer: Trainer) throws {
        try agree(on: Self.fingerprint(of: trainer), what: "the training state (phase, trainable set, epochs, optimizer, data position, RNG)")
        try agree(on: UInt64(bucketBytes) &* 2 + (overlapsBackward ? 1 : 0), what: "the gradient bucket size and overlap")
        let weights = trainer.currentWeights()
        try trainer.restoreWeights(try broadcast(weights))
        let slots = trainer.optimizer.state
        if !slots.isEmpty {
            let iterations = trainer.optimizer.iterations
            try trainer.optimizer.restore(state: try broadcast(slots), iterations: iterations)
        }
    }

    /// Throws ``DistributedError/unshardedSource(role:expected:got:)`` unless `source` serves
    /// this rank's shard.
    package func check(_ source: some ShardableSource, role: String) throws {
        guard source.shard == shard else {
            throw DistributedError.unshardedSource(role: role, expected: "\(shard)", got: "\(source.shard)")
        }
    }

    /// `callbacks` on rank 0, none elsewhere: for callbacks that write files or print.
    public func onPrimary(_ callbacks: [any Callback]) -> [any Callback] { isPrimary ? callbacks : [] }

    /// Runs `body`; when it throws, prints `<program>: rank R of N failed: <error>` and ends every
    /// process of the job (`MPI_Abort`, exit code 1) instead of leaving the other ranks waiting.
    /// `describe` turns the error into the words shown (a command-line tool passes its own
    /// messages, naming flags and files; the default is the error's description).
    public func abortingOnError<T>(program: String = "finetune", describe: (any Error) -> String = { "\($0)" },
                                   _ body: () throws -> T) -> T {
        do {
            return try body()
        } catch {
            communicator.abort("\(program): rank \(rank) of \(worldSize) failed: \(describe(error))")
        }
    }

    /// Finalizes MPI; call once on every rank after the last training call.
    public func finalize() { communicator.finalize() }

    // MARK: - Helpers

    private func broadcast(_ tensors: [String: Tensor]) throws -> [String: Tensor] {
        let keys = tensors.keys.sorted()
        var flat: [Float] = []
        flat.reserveCapacity(tensors.values.reduce(0) { $0 + $1.scalarCount })
        for key in keys { flat.append(contentsOf: tensors[key]?.scalars ?? []) }
        try communicator.broadcast(&flat, from: 0)
        var result: [String: Tensor] = [:]
        var offset = 0
        for key in keys {
            guard let shape = tensors[key]?.shape else { continue }
            result[key] = Tensor(shape: shape, scalars: Array(flat[offset..<(offset + shape.scalarCount)]))
            offset += shape.scalarCount
        }
        return result
    }

    private func agree(on value: UInt64, what: String) throws {
        let all = try communicator.gather(value)
        let differing = all.indices.filter { all[$0] != all[0] }
        if !differing.isEmpty { throw DistributedError.ranksDisagree(what: what, ranks: differing) }
    }

    /// FNV-1a over what every rank must agree on before training together.
    static func fingerprint(of trainer: Trainer) -> UInt64 {
        var text = "phase \(trainer.phase); epochs \(trainer.epochsCompleted); "
        text += "trainable \(trainer.trainable.sorted()); iterations \(trainer.optimizer.iterations); "
        text += "slots \(trainer.optimizer.state.keys.sorted()); rng \(trainer.rng.state); "
        text += "position \(String(describing: trainer.trainingPosition)); shapes "
        text += trainer.model.parameters.map { "\($0.key)=\($0.value.shape)" }.joined(separator: ",")
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return hash
    }
}
#endif
