import FinetuneCore
import FinetuneTestSupport
import FinetuneNN
import Testing

@Suite("BatchNormalization")
struct BatchNormalizationTests {
    static func layer(_ g: GoldenCase, batchStatisticsWhenFrozen: Bool = false) throws -> BatchNormalization {
        var layer = BatchNormalization(name: "batch_normalization", channels: try g.tensor("w/gamma").scalarCount,
                                       momentum: try g.double("momentum"), epsilon: try g.double("epsilon"),
                                       batchStatisticsWhenFrozen: batchStatisticsWhenFrozen)
        try loadLayerWeights(&layer, from: g)
        return layer
    }

    @Test("matches Keras 3 in training, inference and frozen: y, dx, dgamma, dbeta, the moving statistics after the call",
          .tags(.golden), arguments: layersCaseNames("batchnorm.train.") + layersCaseNames("batchnorm.inference.")
            + layersCaseNames("batchnorm.frozen."))
    func golden(_ name: String) throws {
        let g = try layersCase(name)
        let layer = try Self.layer(g)
        let training = try g.bool("training")
        let context = try checkLayerGolden(layer, g, mode: training ? .training : .inference)
        var updated = layer
        try updated.setParameters(context.stateUpdates)
        let parameters = updated.parameterDictionary
        for statistic in ["moving_mean", "moving_variance"] {
            let after = try g.tensor("after/" + statistic)
            expectClose(try #require(parameters["batch_normalization." + statistic]), after, tolerance: g.tolerance,
                        "\(name) \(statistic) after the call")
        }
        // Only a training-mode call of a trainable layer updates the statistics.
        let trainable = try g.bool("trainable")
        let updates = training && trainable
        #expect(context.stateUpdates.keys.sorted()
                == (updates ? ["batch_normalization.moving_mean", "batch_normalization.moving_variance"] : []))
    }

    @Test("three training calls in a row: the moving statistics compound as in Keras 3", .tags(.golden),
          arguments: layersCaseNames("batchnorm.steps3."))
    func threeSteps(_ name: String) throws {
        let g = try layersCase(name)
        var layer = try Self.layer(g)
        let trainable: Set<String> = ["batch_normalization.gamma", "batch_normalization.beta"]
        for k in 1...3 {
            var context = ForwardContext(mode: .training, trainable: trainable)
            let (y, _) = layer.forward(try g.tensor("x/\(k)"), context: &context)
            expectClose(y, try g.tensor("y/\(k)"), tolerance: g.tolerance, "\(name) y after call \(k)")
            try layer.setParameters(context.stateUpdates)
            let p = layer.parameterDictionary
            expectClose(try #require(p["batch_normalization.moving_mean"]), try g.tensor("moving_mean/\(k)"),
                        tolerance: g.tolerance, "\(name) moving mean after call \(k)")
            expectClose(try #require(p["batch_normalization.moving_variance"]), try g.tensor("moving_variance/\(k)"),
                        tolerance: g.tolerance, "\(name) moving variance after call \(k)")
        }
    }

    @Test("frozen in a training step: inference mode, no statistics, no update; batchStatisticsWhenFrozen keeps training mode")
    func frozen() throws {
        let g = try layersCase("batchnorm.train.nhwc")
        let x = try g.tensor("x")
        for keep in [false, true] {
            let layer = try Self.layer(g, batchStatisticsWhenFrozen: keep)
            var context = ForwardContext(mode: .training, trainable: ["dense.kernel"])
            let ((y, pullback), counts) = KernelCounters.counting { layer.forward(x, context: &context) }
            #expect(pullback == nil, "nothing to differentiate")
            if keep {
                // Batch statistics, as the trainable layer computes them; the statistics move.
                expectClose(y, try g.tensor("y"), tolerance: g.tolerance, "y with batch statistics")
                #expect(counts[.batchNormMoments] == 1)
                #expect(context.stateUpdates.keys.sorted() == ["batch_normalization.moving_mean", "batch_normalization.moving_variance"])
            } else {
                var inference = ForwardContext.inference
                #expect(y == layer.forward(x, context: &inference).output)
                #expect(counts[.batchNormMoments] == 0 && context.stateUpdates.isEmpty)
            }
        }
    }

    @Test("the moving statistics are state: parameters and checkpoints see them, trainable sets never do")
    func stateIsNotTrainable() throws {
        var rng = SeededRNG(seed: 1)
        let model = try Sequential([
            Conv2D(name: "conv", inputChannels: 3, filters: 4, padding: .same, useBias: false, using: &rng),
            BatchNormalization(name: "bn", channels: 4),
            ReLU(maxValue: 6, name: "relu"),
            GlobalAveragePooling2D(name: "pool"),
            Dense(name: "dense", inputSize: 4, units: 1, activation: .sigmoid, using: &rng),
        ])
        #expect(model.parameters.map(\.key) == ["conv.kernel", "bn.gamma", "bn.beta", "bn.moving_mean", "bn.moving_variance",
                                                "dense.kernel", "dense.bias"])
        let all = try FreezePolicy.none.apply(to: model)
        #expect(all.trainableKeys == ["conv.kernel", "bn.gamma", "bn.beta", "dense.kernel", "dense.bias"])
        #expect(all.trainableParameters == 3 * 3 * 3 * 4 + 8 + 5 && all.nonTrainableParameters == 8)
        #expect(all.trainableLayers == ["conv", "bn", "dense"])
        #expect(try FreezePolicy.from("bn").trainableKeys(in: model) == ["bn.gamma", "bn.beta", "dense.kernel", "dense.bias"])
        #expect(try FreezePolicy.keys(["bn.gamma", "bn.moving_mean"]).trainableKeys(in: model) == ["bn.gamma"])
        #expect(throws: LayerError.self) { try FreezePolicy.keys(["bn.moving_average"]).trainableKeys(in: model) }
        let summary = try model.summary(inputShape: [8, 8, 3])
        #expect(summary.trainableParameters == all.trainableParameters)

        var copy = model
        try copy.setParameter("bn.moving_variance", to: Tensor(repeating: 2, shape: [4]))
        #expect(copy.parameterDictionary["bn.moving_variance"] == Tensor(repeating: 2, shape: [4]))
        #expect(throws: LayerError.self) { try copy.setParameter("bn.moving_variance", to: .zeros([3])) }
    }

    @Test("Sequential carries the state updates of its children out of the forward pass")
    func sequentialCarriesUpdates() throws {
        let model = try Sequential([BatchNormalization(name: "bn1", channels: 2), ReLU(name: "relu"),
                                    BatchNormalization(name: "bn2", channels: 2)])
        var context = ForwardContext(mode: .training, trainable: Set(model.parameters.map(\.key)))
        _ = model.forward(randomTensor([4, 3, 3, 2], seed: 9), context: &context)
        #expect(context.stateUpdates.keys.sorted() == ["bn1.moving_mean", "bn1.moving_variance", "bn2.moving_mean", "bn2.moving_variance"])
    }
}
