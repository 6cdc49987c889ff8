import Foundation
import Testing
import FinetuneCore
import FinetuneNN
import FinetuneData
import FinetuneTraining

// The code of Documentation/Finetune.docc/ResidualBlock.md, verbatim (the article says
// `import Finetune`; the sync test below ignores import lines). Change both together. Nothing
// here imports a module `@testable`: another package can write the same code.

/// ResNet's residual block with a projection shortcut (He et al. 2016; Keras' `resnet.block1`),
/// with the layer names of Keras' ResNet50: the shortcut (`_0_conv`, `_0_bn`) and the main path
/// (`_1_conv` … `_2_bn`) both read `x`; `Add` merges them, and a ReLU follows.
func residualBlock(_ g: inout GraphBuilder, _ x: GraphBuilder.Node, inputChannels: Int, filters: Int, name: String,
                   using rng: inout some RandomNumberGenerator) throws -> GraphBuilder.Node {
    var shortcut = try g.add(Layers.conv2D(name: name + "_0_conv", inputChannels: inputChannels, filters: filters,
                                    kernelSize: (1, 1), using: &rng), to: x)
    shortcut = try g.add(Layers.batchNormalization(name: name + "_0_bn", channels: filters, epsilon: 1.001e-5), to: shortcut)

    var main = try g.add(Layers.conv2D(name: name + "_1_conv", inputChannels: inputChannels, filters: filters,
                                padding: .same, useBias: false, using: &rng), to: x)
    main = try g.add(Layers.batchNormalization(name: name + "_1_bn", channels: filters, epsilon: 1.001e-5), to: main)
    main = try g.add(Layers.relu(name: name + "_1_relu"), to: main)
    main = try g.add(Layers.conv2D(name: name + "_2_conv", inputChannels: filters, filters: filters,
                            padding: .same, useBias: false, using: &rng), to: main)
    main = try g.add(Layers.batchNormalization(name: name + "_2_bn", channels: filters, epsilon: 1.001e-5), to: main)

    let sum = try g.add(Layers.add(name: name + "_add"), to: shortcut, main)
    return try g.add(Layers.relu(name: name + "_out"), to: sum)
}

/// One residual block, global average pooling and one sigmoid unit: a binary classifier.
func residualClassifier(inputShape: Shape, filters: Int, using rng: inout some RandomNumberGenerator) throws -> any Layer {
    var g = GraphBuilder(input: inputShape)
    let input = g.input
    var x = try residualBlock(&g, input, inputChannels: inputShape[2], filters: filters, name: "conv2_block1", using: &rng)
    x = try g.add(Layers.globalAveragePooling2D(name: "avg_pool"), to: x)
    x = try g.add(Layers.dense(name: "predictions", inputSize: filters, units: 1, activation: .sigmoid, using: &rng), to: x)
    return try g.model(output: x, name: "classifier")
}

/// Two phases: the head alone, then the block's main path too. The shortcut stays frozen
/// throughout: no gradient is computed for it, and its BatchNormalization runs in inference
/// mode and keeps its moving statistics.
func fineTuneResidualClassifier(_ model: any Layer, train: inout some DataSource, validation: some DataSource,
                                epochs: Int) throws -> Trainer {
    // Phase 1: only the head trains (`predictions` and every layer after it, in Keras' order).
    let trainer = try Trainer(model: model, optimizer: Optimizers.sgd(learningRate: 0.1), freezing: .from("predictions"))
    try trainer.fit(&train, epochs: epochs, validation: validation)

    // Phase 2: from the block's first layer on, except its shortcut.
    let phase2 = FreezePolicy.from("conv2_block1_1_conv").then(.freeze("conv2_block1_0_conv", "conv2_block1_0_bn"))
    try trainer.beginPhase(freezing: phase2, optimizer: Optimizers.sgd(learningRate: 0.05))
    try trainer.fit(&train, epochs: epochs, validation: validation)
    return trainer
}

@Suite("Documentation example: a residual block as a graph")
struct DocResidualBlockExampleTests {
    @Test("builds the classifier in Keras' layer order and fine-tunes it: the loss falls, the shortcut stays as it was")
    func fineTunes() throws {
        var rng = SeededRNG(seed: 11)
        let model = try residualClassifier(inputShape: [8, 8, 3], filters: 4, using: &rng)
        #expect(model.sublayers.map(\.name) == ["conv2_block1_1_conv", "conv2_block1_1_bn", "conv2_block1_1_relu",
                                                "conv2_block1_0_conv", "conv2_block1_2_conv", "conv2_block1_0_bn",
                                                "conv2_block1_2_bn", "conv2_block1_add", "conv2_block1_out", "avg_pool",
                                                "predictions"])
        var train = DocExampleTests.source(count: 16, size: 8, batch: 8, seed: 1)
        let validation = RepeatableTensorSource(inner: DocExampleTests.source(count: 8, size: 8, batch: 8, seed: 2))
        let trainer = try fineTuneResidualClassifier(model, train: &train, validation: validation, epochs: 4)
        #expect(trainer.history.epochs.map(\.phase) == [1, 1, 1, 1, 2, 2, 2, 2])
        let losses = trainer.history.epochs.map(\.loss)
        #expect(losses.allSatisfy(\.isFinite) && losses.last! < losses.first!, "losses \(losses)")

        let before = model.parameterDictionary, after = trainer.model.parameterDictionary
        for key in ["conv2_block1_0_conv.kernel", "conv2_block1_0_conv.bias", "conv2_block1_0_bn.gamma",
                    "conv2_block1_0_bn.moving_mean", "conv2_block1_0_bn.moving_variance"] {
            #expect(after[key] == before[key], "\(key) is frozen: bit for bit unchanged")
        }
        for key in ["conv2_block1_1_conv.kernel", "conv2_block1_2_bn.beta", "conv2_block1_2_bn.moving_mean", "predictions.kernel"] {
            #expect(after[key] != before[key], "\(key) trains")
        }
        #expect(Set(trainer.optimizer.state.keys).isEmpty, "SGD without momentum keeps no state")
        #expect(trainer.trainable == Set(["conv2_block1_1_conv.kernel", "conv2_block1_1_bn.gamma", "conv2_block1_1_bn.beta",
                                          "conv2_block1_2_conv.kernel", "conv2_block1_2_bn.gamma", "conv2_block1_2_bn.beta",
                                          "predictions.kernel", "predictions.bias"]))
    }

    @Test("the article's summary is the model's")
    func summary() throws {
        var rng = SeededRNG(seed: 11)
        let text = try residualClassifier(inputShape: [8, 8, 3], filters: 4, using: &rng).summary().description
        let article = try String(contentsOf: Self.article, encoding: .utf8)
        #expect(article.contains(text), "ResidualBlock.md should show this summary:\n\(text)")
    }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let article = repository.appendingPathComponent("Documentation/Finetune.docc/ResidualBlock.md")

    @Test("ResidualBlock.md shows this file's code, verbatim")
    func articleCodeIsTested() throws {
        let blocks = swiftCodeBlocks(in: try String(contentsOf: Self.article, encoding: .utf8))
        let source = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        #expect(!blocks.isEmpty, "ResidualBlock.md has no ```swift block")
        for block in blocks {
            let found = source.contains(block)   // (not inside #expect, which would print the whole file)
            #expect(found, "ResidualBlock.md: this block is not in DocResidualBlockExampleTests.swift:\n\(block)")
        }
    }
}
