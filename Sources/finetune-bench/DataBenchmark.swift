import ArgumentParser

struct DataBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "data", abstract: "decoded + augmented images per second")
    func run() throws { throw ValidationError("the data benchmark is not written yet") }
}
