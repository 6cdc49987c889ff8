import Testing
import FinetuneCore
import FinetuneNN

/// `ForwardContext.layerGradientsReady`: the hook a distributed trainer uses to reduce gradients
/// while the backward pass goes on.
@Suite("Sequential's layer-gradients hook")
struct LayerGradientsReadyTests {
    final class Reports: Sendable {
        let list = Locked<[(layer: String, gradients: [String: Tensor])]>([])
    }

    /// The nested model of ``SequentialTests``: `features` (conv_a, pool_a, conv_b, relu_b), then
    /// flatten and head.
    static func model() throws -> Sequential { try SequentialTests().smallModel() }

    @Test("each leaf layer is reported once, last layer first, with its final gradients; results are bit-identical to no hook",
          arguments: [
            (["conv_a.kernel", "conv_a.bias", "conv_b.kernel", "conv_b.bias", "head.kernel", "head.bias"],
             ["head", "flatten", "relu_b", "conv_b", "pool_a", "conv_a"]),
            (["conv_b.kernel", "conv_b.bias", "head.kernel"], ["head", "flatten", "relu_b", "conv_b"]),
            (["head.kernel", "head.bias"], ["head"]),
          ])
    func reportsInBackwardOrder(trainable: [String], expected: [String]) throws {
        let model = try Self.model()
        let x = randomTensor([2, 8, 8, 2], seed: 11, scale: 2)
        let labels = Tensor(shape: [2, 1], scalars: [1, 0])
        var plain = trainingContext(Set(trainable))
        let without = model.lossAndGradients(x, labels: labels, loss: BinaryCrossEntropy(), context: &plain)

        let reports = Reports()
        var hooked = trainingContext(Set(trainable))
        hooked.layerGradientsReady = { layer, gradients in reports.list.withLock { $0.append((layer, gradients)) } }
        let with = model.lossAndGradients(x, labels: labels, loss: BinaryCrossEntropy(), context: &hooked)
        let list = reports.list.withLock { $0 }

        #expect(list.map(\.layer) == expected)
        #expect(with.loss == without.loss)
        #expect(with.gradients == without.gradients)
        #expect(hooked.rng == plain.rng)
        let reportedKeys = list.flatMap(\.gradients.keys)
        #expect(reportedKeys.sorted() == trainable.sorted(), "every trainable key once, no frozen one")
        for (_, gradients) in list {
            for (key, gradient) in gradients { #expect(gradient == with.gradients[key], "\(key)") }
        }
    }
}
