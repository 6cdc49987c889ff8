import ArgumentParser
import Foundation
import Finetune
import FinetuneDistributed

/// `mpirun -np N finetune-mpi check`: N ranks sharing each global batch train exactly as one
/// process reading whole batches (per-step losses, history, final weights within 1e-5 relative,
/// both phases); only trainable gradients travel; checkpoints resume across world sizes as
/// documented. Prints `mpi check: P passed, F failed` on rank 0; exits 1 on any failure.
struct EquivalenceCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Distributed training equals single-process training (run under mpirun).")

    @Option(help: "Folder for the checkpoints the resume checks write (shared by all ranks).")
    var scratch = FileManager.default.temporaryDirectory.appendingPathComponent("finetune-mpi-check").path
    @Option(help: "Epochs per phase.") var epochs = 2
    @Option(help: "Steps per epoch (the 23-sample set has 4 batches of ≤ 7 a pass).") var steps = 3
    @Option(help: "Relative tolerance for losses and weights.") var tolerance = 1e-5
    @Option(help: "Largest all-reduce of a step's gradient buffer, in bytes (DataParallel.bucketBytes).")
    var bucketBytes = 4 << 20  // DataParallel.defaultBucketBytes (which exists only with the MPI trait)
    @Flag(inversion: .prefixedNo, help: "Reduce each bucket during the backward pass (DataParallel.overlapsBackward).")
    var overlap = false

    func run() throws {
        try requireMPI()
        #if MPI
        let parallel = try DataParallel(bucketBytes: bucketBytes, overlapsBackward: overlap)
        let failed = parallel.abortingOnError { try EquivalenceRun(parallel: parallel, options: self).run() }
        parallel.finalize()
        if failed > 0 { throw ExitCode.failure }
        #endif
    }
}

#if MPI
/// One named expectation at a time, agreed over all ranks (each must pass everywhere).
final class RankedChecks {
    let parallel: DataParallel
    private(set) var passed = 0, failed = 0
    init(parallel: DataParallel) { self.parallel = parallel }

    func expect(_ ok: Bool, _ name: String, _ detail: @autoclosure () -> String) throws {
        let all = try parallel.communicator.gather(ok ? 1 : 0)
        let failing = all.indices.filter { all[$0] == 0 }
        if failing.isEmpty { passed += 1 } else { failed += 1 }
        if parallel.isPrimary {
            let ranks = failing.isEmpty ? "" : " [fails on ranks \(failing.map(String.init).joined(separator: ", "))]"
            print("\(failing.isEmpty ? "PASS" : "FAIL") \(name): \(detail())\(ranks)")
            fflush(nil)
        }
    }
}

struct EquivalenceRun {
    let parallel: DataParallel
    let options: EquivalenceCheck
    let fixture = Fixture()

    /// What one way of training produced.
    struct Outcome {
        var phase1Losses: [Double] = [], phase2Losses: [Double] = []
        var weights: [String: Tensor] = [:]
        var history = History()
    }

    func run() throws -> Int {
        let checks = RankedChecks(parallel: parallel)
        let n = parallel.worldSize, rank = parallel.rank
        try FileManager.default.createDirectory(atPath: options.scratch, withIntermediateDirectories: true)
        let singlePath = options.scratch + "/single-rank\(rank).ftckpt"
        let distributedPath = options.scratch + "/distributed-np\(n).ftckpt"
        if parallel.isPrimary {
            print("mpi check: \(n) ranks, global batch \(fixture.batchSize), \(fixture.samples) samples, "
                  + "\(options.epochs) epochs × \(options.steps) steps per phase, reduced-width VGG16 + head, "
                  + "buckets of \(parallel.bucketBytes) bytes, overlap \(parallel.overlapsBackward ? "on" : "off")")
        }

        // 1. The reference: this process alone, whole batches.
        var reference = Outcome()
        do {
            var train = try fixture.training()
            let trainer = try fixture.phase1Trainer()
            reference.phase1Losses = try fit(trainer, &train)
            try trainer.saveCheckpoint(to: singlePath)
            try trainer.beginPhase(freezing: Fixture.phase2Policy, optimizer: Fixture.phase2Optimizer())
            reference.phase2Losses = try fit(trainer, &train)
            reference.weights = trainer.currentWeights()
            reference.history = trainer.history
        }

        // 2. Distributed: each rank its shard, one all-reduce a step.
        var distributed = Outcome()
        let trainer = try fixture.phase1Trainer()
        try parallel.attach(to: trainer)
        var train = try fixture.training().sharded(parallel.shard)
        let comm = parallel.communicator
        let trainable1 = trainer.parameterCounts.trainable
        comm.resetCounters()
        distributed.phase1Losses = try fit(trainer, &train, sharded: true)
        let bytes1 = comm.bytesReduced, reductions1 = comm.reductions
        try trainer.saveCheckpoint(to: distributedPath)
        try comm.barrier()
        try trainer.beginPhase(freezing: Fixture.phase2Policy, optimizer: Fixture.phase2Optimizer())
        let counts2 = trainer.parameterCounts
        comm.resetCounters()
        distributed.phase2Losses = try fit(trainer, &train, sharded: true)
        let bytes2 = comm.bytesReduced, reductions2 = comm.reductions
        distributed.weights = trainer.currentWeights()
        distributed.history = trainer.history

        let tol = options.tolerance
        let l1 = worstRelativeDifference(distributed.phase1Losses, reference.phase1Losses)
        try checks.expect(l1 <= tol, "phase 1 per-step losses equal one process's",
                          "\(distributed.phase1Losses.count) steps, worst relative difference \(l1)")
        let l2 = worstRelativeDifference(distributed.phase2Losses, reference.phase2Losses)
        try checks.expect(l2 <= tol, "phase 2 per-step losses equal one process's",
                          "\(distributed.phase2Losses.count) steps, worst relative difference \(l2)")
        let w = worstRelativeDifference(distributed.weights, reference.weights)
        try checks.expect(w.value <= tol, "final weights equal one process's",
                          "worst tensor \(w.key), max |Δ| / max |w| = \(w.value)")
        let h = worstRelativeDifference(Self.numbers(distributed.history), Self.numbers(reference.history))
        try checks.expect(h <= tol, "history (loss, acc, val_loss, val_acc per epoch) equals one process's",
                          "worst relative difference \(h)")
        let fingerprints = try comm.gather(Self.fingerprint(distributed.history))
        try checks.expect(Set(fingerprints).count == 1, "history identical on every rank",
                          "\(fingerprints.count) ranks, \(Set(fingerprints).count) distinct")

        // Bytes: per step the trainable gradients + loss, metric, count (Float), in buckets; per
        // epoch the stop flag and the validation sums (Double), one reduction each.
        let perEpoch = 8 + 3 * 8
        let expected1 = options.epochs * (options.steps * 4 * (trainable1 + 3) + perEpoch)
        let expected2 = options.epochs * (options.steps * 4 * (counts2.trainable + 3) + perEpoch)
        let perBucket = max(1, parallel.bucketBytes / 4)
        let buckets1 = (trainable1 + 3 + perBucket - 1) / perBucket, buckets2 = (counts2.trainable + 3 + perBucket - 1) / perBucket
        let expectedReductions1 = options.epochs * (options.steps * buckets1 + 2)
        let expectedReductions2 = options.epochs * (options.steps * buckets2 + 2)
        try checks.expect(bytes1 == expected1 && reductions1 == expectedReductions1,
                          "phase 1 reduces only the trainable parameters, in \(buckets1) bucket(s) a step",
                          "\(bytes1) bytes = \(options.epochs * options.steps) steps × 4 × (\(trainable1) trainable + 3) + epochs' sums; \(trainer.parameterCounts.trainable + trainer.parameterCounts.nonTrainable - trainable1) frozen never sent; \(reductions1) reductions (expected \(expectedReductions1))")
        try checks.expect(bytes2 == expected2 && reductions2 == expectedReductions2,
                          "phase 2 reduces only the trainable parameters (block5 + head), in \(buckets2) bucket(s) a step",
                          "\(bytes2) bytes for \(counts2.trainable) trainable, \(counts2.nonTrainable) frozen; \(reductions2) reductions (expected \(expectedReductions2))")

        // Dropout: each rank draws the whole batch's masks and keeps its part's.
        do {
            var alone = try Self.dropoutSource(), shared = try Self.dropoutSource().sharded(parallel.shard)
            let a = try Self.dropoutTrainer(), d = try Self.dropoutTrainer()
            try parallel.attach(to: d)
            let ra = StepRecorder(), rd = StepRecorder()
            try a.fit(&alone, epochs: 2, stepsPerEpoch: 3, callbacks: [ra])
            try d.fit(&shared, epochs: 2, stepsPerEpoch: 3, callbacks: [rd])
            let lw = worstRelativeDifference(rd.losses, ra.losses)
            let ww = worstRelativeDifference(d.currentWeights(), a.currentWeights())
            try checks.expect(lw <= tol && ww.value <= tol && d.rng == a.rng,
                              "a model with Dropout trains as one process (same masks, same RNG state after)",
                              "losses within \(lw), weights within \(ww.value), RNG \(d.rng == a.rng ? "equal" : "differs")")
        }

        // 3. Resuming phase 2 from a phase-1 checkpoint, three ways.
        for (name, path, distributedResume) in [
            ("distributed checkpoint resumed by the same \(n) ranks", distributedPath, true),
            ("single-process checkpoint resumed by \(n) ranks", singlePath, true),
            ("distributed checkpoint resumed by one process", distributedPath, false),
        ] {
            let resumed = try fixture.phase1Trainer()
            try resumed.restore(from: try Checkpoint.read(from: URL(fileURLWithPath: path)))
            var source = try fixture.training()
            if distributedResume {
                try parallel.attach(to: resumed)
                source = source.sharded(parallel.shard)
            }
            try source.seek(to: try position(of: resumed))
            try resumed.beginPhase(freezing: Fixture.phase2Policy, optimizer: Fixture.phase2Optimizer())
            let losses = try fit(resumed, &source, sharded: distributedResume)
            let lw = worstRelativeDifference(losses, reference.phase2Losses)
            let ww = worstRelativeDifference(resumed.currentWeights(), reference.weights)
            try checks.expect(lw <= tol && ww.value <= tol, name,
                              "phase 2 losses within \(lw), final weights within \(ww.value) (\(ww.key))")
        }

        // 4. Refusals.
        if n > 1 {
            var checkpoint = try Checkpoint.read(from: URL(fileURLWithPath: distributedPath))
            var state = try checkpoint.decodeTrainerState(TrainerState.self)
            state.worldSize = n + 1
            try checkpoint.encodeTrainerState(state)
            let other = try fixture.phase1Trainer()
            other.distribution = parallel
            var message = "accepted"
            do { try other.restore(from: checkpoint) } catch { message = "\(error)" }
            try checks.expect(message.contains("\(n + 1) processes") && message.contains("mpirun -np \(n + 1)"),
                              "a checkpoint of \(n + 1) ranks is refused by \(n)", message)
            var refusal = "accepted"
            do { try parallel.check(try fixture.training(), role: "training") } catch { refusal = "\(error)" }
            try checks.expect(refusal.contains("sharded"), "an unsharded source is refused", refusal)
        }

        if parallel.isPrimary { print("mpi check: \(checks.passed) passed, \(checks.failed) failed"); fflush(nil) }
        return checks.failed
    }

    /// 21 samples of 8×8 in batches of 7 (no batch smaller than the world of the checks).
    static func dropoutSource() throws -> ArraySource {
        var rng = SeededRNG(seed: 31)
        let x = Tensor.uniform([21, 8, 8, 3], low: 0, high: 1, using: &rng)
        return try ArraySource(images: x, labels: Tensor(shape: [21], scalars: (0..<21).map { Float($0 % 2) }),
                               batchSize: 7, shuffle: true, seed: 2)
    }

    static func dropoutTrainer() throws -> Trainer {
        var rng = SeededRNG(seed: 32)
        let model = try Sequential(name: "dropnet", inputShape: [8, 8, 3], [
            Layers.flatten(), Layers.dense(name: "dense", inputSize: 192, units: 16, activation: .relu, using: &rng),
            Layers.dropout(name: "dropout", rate: 0.5), Layers.dense(name: "dense_1", inputSize: 16, units: 1, activation: .sigmoid, using: &rng),
        ])
        return try Trainer(model: model, optimizer: RMSprop(learningRate: 1e-3), seed: 9)
    }

    private func position(of trainer: Trainer) throws -> DataSourcePosition {
        guard let position = trainer.trainingPosition else {
            throw ValidationError("the checkpoint has no training position")
        }
        return position
    }

    /// One phase's `fit`; returns its per-step losses.
    private func fit(_ trainer: Trainer, _ train: inout ArraySource, sharded: Bool = false) throws -> [Double] {
        let recorder = StepRecorder()
        let validation = sharded ? try fixture.validation().sharded(parallel.shard) : try fixture.validation()
        try trainer.fit(&train, epochs: options.epochs, stepsPerEpoch: options.steps, validation: validation,
                        callbacks: [recorder])
        return recorder.losses
    }

    static func numbers(_ history: History) -> [Double] {
        history.epochs.flatMap { [$0.loss, $0.accuracy, $0.validationLoss ?? .nan, $0.validationAccuracy ?? .nan] }
    }

    /// Everything of the history but wall-clock times, hashed (FNV-1a).
    static func fingerprint(_ history: History) -> UInt64 {
        let text = history.epochs.map { "\($0.epoch) \($0.phase) \($0.loss) \($0.accuracy) \(String(describing: $0.validationLoss)) \(String(describing: $0.validationAccuracy)) \(String(describing: $0.learningRate))" }
            .joined(separator: ";")
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return hash
    }
}
#endif
