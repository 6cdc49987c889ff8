// Writes the seed checkpoint, Keras 3 weights and safetensors files of the fuzz corpus with Finetune's own
// writers (`.ci/fuzz --seeds`). The images and the Keras 2 file come from elsewhere (see
// Fuzz/README.md).
import Foundation
import FinetuneCore
import FinetuneNN
@testable import FinetuneIO

@main
struct MakeSeeds {
    static func main() throws {
        let corpus = URL(fileURLWithPath: CommandLine.arguments[1])
        var rng = SeededRNG(seed: 7)
        let model = try Sequential(name: "tiny", inputShape: [4, 4, 1], [
            Layers.conv2D(name: "conv", inputChannels: 1, filters: 2, kernelSize: (3, 3), using: &rng),
            Layers.flatten(),
            Layers.dense(name: "dense", inputSize: 8, units: 1, using: &rng),
        ])
        let optimizer = Optimizers.rmsprop(learningRate: 1e-3)
        var checkpoint = Checkpoint(model: model, optimizer: optimizer, metadata: ["model": "tiny"])
        checkpoint.optimizerState = Dictionary(uniqueKeysWithValues: model.parameters.map {
            ($0.key + "/rms", Tensor(shape: $0.value.shape, scalars: Array(repeating: 0.5, count: $0.value.scalarCount)))
        })
        try checkpoint.encodeTrainerState(["epoch": 3, "step": 12])
        let encoded = try checkpoint.encoded(threads: 1)
        let checkpoints = corpus.appendingPathComponent("CheckpointReader")
        try FileManager.default.createDirectory(at: checkpoints, withIntermediateDirectories: true)
        // Mode byte 0: a whole file; mode byte 1: the decompressed payload (see CheckpointReader.swift).
        try Data([0] + encoded.bytes).write(to: checkpoints.appendingPathComponent("tiny-file"))
        try Data([1] + checkpoint.payloadBytes(byteShuffle: true)).write(to: checkpoints.appendingPathComponent("tiny-payload"))
        try Data([1] + checkpoint.payloadBytes(byteShuffle: false)).write(to: checkpoints.appendingPathComponent("tiny-payload-raw"))
        let keras = corpus.appendingPathComponent("KerasWeightsReader")
        try FileManager.default.createDirectory(at: keras, withIntermediateDirectories: true)
        try KerasWeights.write(model: model, to: keras.appendingPathComponent("tiny-keras3.weights.h5"))
        let safetensors = corpus.appendingPathComponent("SafetensorsReader")
        try FileManager.default.createDirectory(at: safetensors, withIntermediateDirectories: true)
        try KerasWeights.writeSafetensors(model: model, to: safetensors.appendingPathComponent("tiny.safetensors"),
                                          classNames: ["a", "b"], metadata: ["note": "fuzz seed"])
        print("seeds written under \(corpus.path)")
    }
}
