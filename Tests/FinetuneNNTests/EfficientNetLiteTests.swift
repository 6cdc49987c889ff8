import Testing
import FinetuneCore
@testable import FinetuneNN

/// The EfficientNet-Lite graphs' structure, against `efficientnet-lite-pytorch` 0.1.0's
/// `EfficientNet.from_name("efficientnet-lite<v>")` (block output channels, parameter counts).
@Suite("EfficientNet-Lite")
struct EfficientNetLiteTests {
    /// Per variant: the reference's block output channels (its `_blocks[i]._block_args.output_filters`),
    /// its trainable parameter count (`sum(p.numel() for p in model.parameters())`) and its
    /// state_dict's element count without `num_batches_tracked` (trainable + BN moving statistics).
    static let reference: [(variant: Int, blocks: [Int], trainable: Int, all: Int)] = [
        (0, [16, 24, 24, 40, 40, 80, 80, 80, 112, 112, 112, 192, 192, 192, 192, 320], 4_652_008, 4_694_024),
        (1, [16, 24, 24, 24, 40, 40, 40, 80, 80, 80, 80, 112, 112, 112, 112, 192, 192, 192, 192, 192, 320], 5_416_680, 5_470_344),
        (2, [16, 24, 24, 24, 48, 48, 48, 88, 88, 88, 88, 120, 120, 120, 120, 208, 208, 208, 208, 208, 352], 6_092_072, 6_150_168),
    ]

    @Test("blocks, channels and parameter counts are the reference's", arguments: [0, 1, 2])
    func structure(variant: Int) throws {
        let expected = Self.reference[variant]
        var rng = SeededRNG(seed: 1)
        let model = try Applications.efficientNetLite(variant, includeTop: true, using: &rng)
        let projections = model.parameters.filter { $0.key.hasSuffix("_project_conv.kernel") }
        #expect(projections.map { $0.value.shape[3] } == expected.blocks)
        let all = model.parameters.reduce(0) { $0 + $1.value.scalarCount }
        let state = model.parameters.filter { $0.key.hasSuffix(".moving_mean") || $0.key.hasSuffix(".moving_variance") }
            .reduce(0) { $0 + $1.value.scalarCount }
        #expect(all == expected.all)
        #expect(all - state == expected.trainable)
    }

    @Test("native sizes give 7×7, 8×8 and 9×9 feature maps of 1280 channels; the top gives 1000 classes")
    func outputShapes() throws {
        var rng = SeededRNG(seed: 1)
        for (variant, side) in [(0, 7), (1, 8), (2, 9)] {
            let model = try Applications.efficientNetLite(variant, using: &rng)
            #expect(try model.outputShape(for: Shape([2] + EfficientNetLite.nativeShape(variant).dimensions)) == [2, side, side, 1280])
        }
        let top = try Applications.efficientNetLite(0, inputShape: [150, 150, 3], includeTop: true, using: &rng)
        #expect(try top.outputShape(for: [1, 150, 150, 3]) == [1, 1000])
        let features = try Applications.efficientNetLite(0, inputShape: [150, 150, 3], using: &rng)
        #expect(try features.outputShape(for: [1, 150, 150, 3]) == [1, 5, 5, 1280])  // TF SAME: ⌈150/32⌉
    }

    @Test("layer names are Keras' EfficientNet names")
    func names() throws {
        let model = try EfficientNetLite.graph(0, inputShape: nil, includeTop: true, initializer: { .zeros($0) })
        let names = model.layers.map(\.name)
        #expect(Array(names.prefix(7)) == ["stem_conv", "stem_bn", "stem_activation", "block1a_dwconv", "block1a_bn",
                                           "block1a_activation", "block1a_project_conv"])
        #expect(names.contains("block2b_add") && !names.contains("block2a_add") && !names.contains("block1a_expand_conv"))
        #expect(Array(names.suffix(6)) == ["top_conv", "top_bn", "top_activation", "avg_pool", "top_dropout", "predictions"])
        let blocks = Set(names.compactMap { $0.hasPrefix("block") ? String($0.prefix(7)) : nil })
        #expect(blocks == ["block1a", "block2a", "block2b", "block3a", "block3b", "block4a", "block4b", "block4c",
                           "block5a", "block5b", "block5c", "block6a", "block6b", "block6c", "block6d", "block7a"])
    }

    @Test("unknown variants and unusable inputs are refused, naming the model")
    func refusals() {
        var rng = SeededRNG(seed: 1)
        #expect(throws: LayerError.self) { try Applications.efficientNetLite(3, using: &rng) }
        #expect(throws: LayerError.self) { try Applications.efficientNetLite(0, inputShape: [224, 224, 1], using: &rng) }
        #expect(throws: LayerError.self) { try Applications.efficientNetLite(0, inputShape: [16, 224, 3], using: &rng) }
        do {
            _ = try Applications.efficientNetLite(7, using: &rng)
        } catch {
            #expect("\(error)".contains("efficientnet_lite7") && "\(error)".contains("0, 1 and 2"))
        }
    }

    @Test("filters round as round_filters does")
    func rounding() {
        // round_filters(f, width=1.1): max(8, int(1.1·f + 4) // 8 · 8), +8 when below 90 %.
        #expect([16, 24, 40, 80, 112, 192, 320].map { EfficientNetLite.roundFilters($0, width: 1.1) }
                == [16, 24, 48, 88, 120, 208, 352])
        #expect(EfficientNetLite.roundFilters(32, width: 1.0) == 32)
    }
}
