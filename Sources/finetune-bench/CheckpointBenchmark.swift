import ArgumentParser

struct CheckpointBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "checkpoint", abstract: "checkpoint size and write/read time")
    func run() throws { throw ValidationError("the checkpoint benchmark is not written yet") }
}
