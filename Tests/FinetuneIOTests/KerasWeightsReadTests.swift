import Foundation
import Testing
import FinetuneCore
import FinetuneNN
import FinetuneTestSupport
@testable import FinetuneIO

@Suite("Keras weights: reading and mapping", .tags(.golden))
struct KerasWeightsReadTests {
    static let convNames = [1, 2, 3, 4, 5].flatMap { b in (1...(b <= 2 ? 2 : 3)).map { "block\(b)_conv\($0)" } }

    func fixture(_ name: String) throws -> (KerasWeights, GoldenCase) {
        let golden = try GoldenSuite.load("io").named(name)
        let file = try #require(golden.params["file"]?.string)
        return (try KerasWeights.read(from: GoldenSuite.root.appendingPathComponent("io/\(file)")), golden)
    }

    func expectParameters(_ model: some Layer, equal golden: GoldenCase, keys: [String]? = nil,
                          sourceLocation: SourceLocation = #_sourceLocation) throws {
        let parameters = parameterDictionary(model)
        for key in keys ?? Array(golden.tensors.keys) {
            let value = try #require(parameters[key], "model has no \(key)", sourceLocation: sourceLocation)
            #expect(value.isBitwiseEqual(to: try golden.tensor(key)), "\(key)", sourceLocation: sourceLocation)
        }
    }

    @Test("Keras 2 VGG16 notop files load onto the 13 convolutions", arguments: ["keras2_vgg16_notop", "keras2_vgg16_legacy"])
    func keras2Notop(name: String) throws {
        let (weights, golden) = try fixture(name)
        #expect(weights.layout == .keras2)
        #expect(weights.entries.map(\.layerName) == Self.convNames)
        #expect(weights.entries.allSatisfy { $0.kind == .convolution && $0.tensors.count == 2 })
        var base = tinyVGG(seed: 11)
        let pairs = try weights.load(into: &base)
        #expect(pairs.map(\.layer) == Self.convNames)
        try expectParameters(base, equal: golden)
    }

    @Test("a convolution-only file fills a whole model's base with scope .convolutions and says so otherwise")
    func scopeConvolutions() throws {
        let (weights, golden) = try fixture("keras2_vgg16_notop")
        var model = tinySeed(seed: 12)
        let headBefore = parameterDictionary(model)["dense.kernel"]!
        let error = try #require(throws: KerasWeightsError.self) { try weights.load(into: &model) }
        guard case let .layerCountMismatch(_, kind, fileLayers, modelLayers) = error else { Issue.record("\(error)"); return }
        #expect(kind == .dense && fileLayers.isEmpty && modelLayers == ["dense", "dense_1"])
        #expect(error.description.contains("scope .convolutions"))
        #expect(parameterDictionary(model)["block1_conv1.kernel"]!.isBitwiseEqual(to: tinySeed(seed: 12).parameters[0].value))

        try weights.load(into: &model, scope: .convolutions)
        try expectParameters(model, equal: golden)
        #expect(parameterDictionary(model)["dense.kernel"]!.isBitwiseEqual(to: headBefore))
    }

    @Test("a Keras 2 file of the nested binary classifier splits the base group into its 13 layers")
    func keras2Nested() throws {
        let (weights, golden) = try fixture("keras2_seed_nested")
        #expect(weights.entries.map(\.path).prefix(2) == ["vgg16/block1_conv1", "vgg16/block1_conv2"])
        #expect(weights.entries.map(\.path).suffix(2) == ["dense_1", "dense_2"])
        var model = tinySeed(seed: 13)
        try weights.load(into: &model)
        try expectParameters(model, equal: golden)
    }

    @Test("a Keras 3 .weights.h5 of the binary classifier maps by creation order, conv2d_9 before conv2d_10")
    func keras3Seed() throws {
        let (weights, golden) = try fixture("keras3_seed")
        #expect(weights.layout == .keras3)
        // Keras 3 numbers layers per class, so only the order within a kind is meaningful.
        let convolutions = weights.entries.filter { $0.kind == .convolution }
        #expect(convolutions.map(\.path) == (0..<13).map { "layers/functional/layers/conv2d" + ($0 == 0 ? "" : "_\($0)") })
        #expect(convolutions.map(\.layerName) == Self.convNames)
        #expect(weights.entries.filter { $0.kind == .dense }.map(\.path) == ["layers/dense", "layers/dense_1"])
        var model = tinySeed(seed: 14)
        let pairs = try weights.load(into: &model)
        #expect(pairs[10] == .init(entry: "layers/functional/layers/conv2d_10 (block5_conv1)", layer: "block5_conv1"))
        try expectParameters(model, equal: golden)
    }

    @Test("HED's file yields VGG16's 13 convolutions and skips dsn1…dsn5 and fuse")
    func hed() throws {
        let (weights, golden) = try fixture("hed_tiny")
        #expect(weights.layout == .hedBackbone)
        #expect(weights.entries.count == 13)
        #expect(weights.entries.allSatisfy { $0.path.hasPrefix("block") })
        #expect(weights.entries.map(\.layerName) == Self.convNames)
        var base = tinyVGG(seed: 15)
        try weights.load(into: &base)
        try expectParameters(base, equal: golden)
        var model = tinySeed(seed: 15)
        try weights.load(into: &model, scope: .convolutions)
        try expectParameters(model, equal: golden)
    }

    @Test("a shape mismatch names the key, the file entry and both shapes; nothing is set")
    func shapeMismatch() throws {
        let (weights, _) = try fixture("keras3_seed")
        var model = tinySeed(widths: [4, 8, 8, 16, 32], flat: 32, seed: 16)
        let before = model.parameters
        let error = try #require(throws: KerasWeightsError.self) { try weights.load(into: &model) }
        #expect(error == .shapeMismatch(file: weights.file.path, key: "block5_conv1.kernel",
                                        entry: "layers/functional/layers/conv2d_10 (block5_conv1)",
                                        fileShape: [3, 3, 16, 16], modelShape: [3, 3, 16, 32]))
        #expect(error.description.contains("(3, 3, 16, 16)") && error.description.contains("(3, 3, 16, 32)"))
        #expect(error.description.contains(weights.file.path))
        for ((_, a), (_, b)) in zip(model.parameters, before) { #expect(a.isBitwiseEqual(to: b)) }
    }

    @Test("a model layer that is neither convolution nor dense is refused by name")
    func unsupportedLayer() throws {
        let (weights, _) = try fixture("keras3_seed")
        var model = tinySeed()
        model.layers.append(ParameterLeaf(name: "batch_normalization", values: [("batch_normalization.gamma", .zeros([8]))]))
        let error = try #require(throws: KerasWeightsError.self) { try weights.load(into: &model) }
        guard case let .unsupportedLayer(_, layer, _) = error else { Issue.record("\(error)"); return }
        #expect(layer == "batch_normalization")
    }

    @Test("files that are not Keras weights give errors naming the file")
    func notKerasWeights() throws {
        let directory = try TemporaryDirectory()
        let missing = directory.file("vgg16.h5")
        #expect(throws: KerasWeightsError.fileNotFound(file: missing.path)) { try KerasWeights.read(from: missing) }

        let text = directory.file("weights.h5")
        try Data("not weights at all\n".utf8).write(to: text)
        let error = try #require(throws: KerasWeightsError.self) { try KerasWeights.read(from: text) }
        guard case let .notHDF5(file, found) = error else { Issue.record("\(error)"); return }
        #expect(file == text.path && found.contains("text"))
        #expect(error.description.contains("is not an HDF5 file"))

        let checkpoint = directory.file("model.ftckpt")
        try Checkpoint(model: tinyVGG()).write(to: checkpoint)
        #expect(throws: KerasWeightsError.self) { try KerasWeights.read(from: checkpoint) }

        let empty = directory.file("empty.h5")
        try HDF5.withLibrary { _ = try HDF5.create(empty.path) }
        let layout = try #require(throws: KerasWeightsError.self) { try KerasWeights.read(from: empty) }
        guard case .unrecognizedLayout(empty.path, _) = layout else { Issue.record("\(layout)"); return }
    }

    @Test("libhdf5 failures become typed errors carrying libhdf5's message")
    func hdf5Errors() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("x.h5").path
        let failure = try #require(throws: HDF5.Failure.self) {
            try HDF5.withLibrary { _ = try HDF5.openReadOnly(path) }
        }
        #expect(failure.operation.contains(path))
        #expect(!failure.messages.isEmpty)
    }

    @Test("natural order compares numbers as numbers")
    func naturalOrder() {
        let names = ["conv2d_10", "conv2d", "conv2d_2", "conv2d_1", "conv2d_9", "conv2d_12", "conv2d_11"]
        #expect(names.sorted { NaturalOrder.isOrderedBefore(path: $0, $1) }
                == ["conv2d", "conv2d_1", "conv2d_2", "conv2d_9", "conv2d_10", "conv2d_11", "conv2d_12"])
        #expect(NaturalOrder.isOrderedBefore(path: "block2/layers/conv2d_2", "block10/layers/conv2d"))
        #expect(!NaturalOrder.isOrderedBefore(path: "a/b", "a/b"))
    }
}
