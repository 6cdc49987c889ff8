import ArgumentParser
import Foundation
import Finetune
import FinetuneDistributed

/// `mpirun -np N finetune-mpi example`: runs the code of the article "Scaling Out on Open MPI"
/// (verbatim; `DistributionStrategyTests` checks the article against this file) on a small
/// generated dataset, so the documented code is compiled and run by `.ci/mpi`.
struct ArticleExample: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "example", abstract: "The documentation's data-parallel example on generated images (run under mpirun).")

    @Option(help: "Folder for the generated images (one copy per rank) and the checkpoint.")
    var scratch = FileManager.default.temporaryDirectory.appendingPathComponent("finetune-mpi-example").path
    @Option(help: "Epochs.") var epochs = 2

    func run() throws {
        try requireMPI()
        #if MPI
        // Each rank writes its own identical copy: no rank reads a folder another is still writing.
        let rank = ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_RANK"] ?? "0"
        let data = scratch + "/data-rank" + rank
        _ = try SyntheticDataset(splits: [("train", 10), ("validation", 5)], width: 48, height: 48, format: .jpeg, seed: 3)
            .write(to: URL(fileURLWithPath: data))
        let history = try trainDataParallel(data: data, out: scratch, epochs: epochs, imageSize: 32)
        let last = history.epochs.last
        print(String(format: "example: rank %@, %d epochs, loss %.6f, val_loss %.6f", rank, history.epochs.count,
                     last?.loss ?? .nan, last?.validationLoss ?? .nan))
        #endif
    }
}

#if MPI
// The article's code.

/// Trains the head of Chollet's model data-parallel on `data` (train/ and validation/ folders of
/// class folders); every rank returns the same history, and rank 0 writes the checkpoint.
func trainDataParallel(data: String, out: String, epochs: Int, imageSize: Int) throws -> History {
    let parallel = try DataParallel()                        // MPI_Init: this rank, the world size
    defer { parallel.finalize() }
    let recipe = TwoPhaseRecipe.chollet                      // batch, head, phase 1's optimizer
    return parallel.abortingOnError {                        // a rank that throws ends the job
        func source(_ split: String, shuffle: Bool) throws -> DirectorySource {
            try DirectorySource(directory: data + "/" + split, targetSize: (imageSize, imageSize),
                                classMode: .binary, batchSize: recipe.batchSize, shuffle: shuffle, seed: 1,
                                preprocessing: recipe.preprocessing, workers: 1)
                .sharded(parallel.shard)                     // this rank's slots of every batch
        }
        var train = try source("train", shuffle: true)
        let validation = try source("validation", shuffle: false)
        var rng = SeededRNG(seed: 1)
        let model = try VGG16.binaryClassifier(inputShape: [imageSize, imageSize, 3], denseUnits: recipe.denseUnits,
                                               using: &rng)
        let trainer = try Trainer(model: model, optimizer: recipe.phase1.optimizer(), freezing: recipe.phase1Freezing)
        try parallel.attach(to: trainer)                     // rank 0's weights on every rank
        try trainer.fit(&train, epochs: epochs, validation: validation,
                        callbacks: parallel.onPrimary([Callbacks.progressBar()]))
        try trainer.saveCheckpoint(to: out + "/phase1.ftckpt")  // rank 0 writes; the others skip
        return trainer.history
    }
}
#endif
