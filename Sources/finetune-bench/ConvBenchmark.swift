import ArgumentParser

struct ConvBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "conv", abstract: "convolution GFLOP/s at the VGG16 layer shapes")
    func run() throws { throw ValidationError("the conv benchmark is not written yet") }
}
