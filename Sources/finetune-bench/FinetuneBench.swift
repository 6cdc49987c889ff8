import ArgumentParser
import FinetuneRuntime

/// `swift run -c release finetune-bench <benchmark>` — measurements, never tests. Each benchmark
/// prints its peer (OpenBLAS, Keras) measured in the same run, so ratios survive a noisy machine.
@main
struct FinetuneBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune-bench",
        abstract: "Finetune's benchmarks: kernels, data pipeline, checkpoints, training steps.",
        subcommands: [ConvBenchmark.self, DataBenchmark.self, CheckpointBenchmark.self, TrainBenchmark.self,
                      SoakBenchmark.self, CompareBenchmark.self, PeakBenchmark.self, MeasureCommand.self,
                      RecipesBenchmark.self])

    /// Every benchmark measures the process as the executables run it (``Runtime/configureProcess()``).
    static func main() {
        Runtime.configureProcess()
        main(nil)
    }
}
