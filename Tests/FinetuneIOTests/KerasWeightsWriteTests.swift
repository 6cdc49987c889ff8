import Foundation
import Testing
import FinetuneCore
import FinetuneNN
import FinetuneTestSupport
@testable import FinetuneIO

@Suite("Keras weights: writing")
struct KerasWeightsWriteTests {
    /// Dataset paths and `vars` name attributes of an HDF5 file, read with the HDF5 wrapper.
    func layout(_ url: URL) throws -> (datasets: Set<String>, names: [String: String]) {
        try HDF5.withLibrary {
            let file = try HDF5.openReadOnly(url.path)
            var datasets = Set<String>(), names: [String: String] = [:]
            func visit(_ path: String) throws {
                let group = try HDF5.openGroup(file, path.isEmpty ? "/" : path)
                if path.hasSuffix("vars"), HDF5.hasAttribute(group, "name") {
                    names[path] = try HDF5.stringsAttribute(group, "name").first
                }
                for child in try HDF5.childNames(group) {
                    let full = path.isEmpty ? child : path + "/" + child
                    switch try HDF5.kind(file, full) {
                    case .group: try visit(full)
                    case .dataset: datasets.insert(full)
                    case .other: break
                    }
                }
            }
            try visit("")
            return (datasets, names)
        }
    }

    @Test("a written binary classifier reads back exactly and loads into a fresh model")
    func roundTrip() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("seed.weights.h5")
        let model = tinySeed(seed: 21)
        try KerasWeights.write(model: model, to: url)
        #expect(try directory.listing() == ["seed.weights.h5"])

        let back = try KerasWeights.read(from: url)
        #expect(back.layout == .keras3)
        #expect(back.entries.count == 15)
        var fresh = tinySeed(seed: 22)
        try back.load(into: &fresh)
        for ((k, a), (_, b)) in zip(fresh.parameters, model.parameters) { #expect(a.isBitwiseEqual(to: b), "\(k)") }
    }

    @Test("the written layout is the one Keras 3 writes for the same model", .tags(.golden))
    func sameLayoutAsKeras() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("seed.weights.h5")
        try KerasWeights.write(model: tinySeed(), to: url)
        let ours = try layout(url)
        let keras = try layout(GoldenSuite.root.appendingPathComponent("io/keras3_seed.weights.h5"))
        #expect(ours.datasets == keras.datasets.filter { !$0.hasPrefix("optimizer/") })
        // Keras records layer names on every layer's vars group; ours are the weighted layers'.
        for (path, name) in ours.names { #expect(keras.names[path] == name, "\(path)") }
        #expect(ours.names["layers/functional/layers/conv2d_12/vars"] == "block5_conv3")
        #expect(ours.names["vars"] == "sequential")
    }

    @Test("writing over an existing file replaces it atomically; a failed write leaves it intact")
    func atomic() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("seed.weights.h5")
        try KerasWeights.write(model: tinySeed(seed: 1), to: url)
        try KerasWeights.write(model: tinySeed(seed: 2), to: url)
        var check = tinySeed(seed: 3)
        try KerasWeights.read(from: url).load(into: &check)
        #expect(check.parameters[0].value.isBitwiseEqual(to: tinySeed(seed: 2).parameters[0].value))
        let before = try AtomicFile.readAll(url.path)

        var odd = tinySeed()
        odd.layers.append(ParameterLeaf(name: "norm", values: [("norm.gamma", .zeros([1]))]))
        #expect(throws: KerasWeightsError.self) { try KerasWeights.write(model: odd, to: url) }
        #expect(try AtomicFile.readAll(url.path) == before)
        #expect(try directory.listing() == ["seed.weights.h5"])

        let blocked = directory.file("dir.weights.h5")
        try FileManager.default.createDirectory(at: blocked, withIntermediateDirectories: false)
        try Data([0]).write(to: blocked.appendingPathComponent("x"))
        let error = try #require(throws: KerasWeightsError.self) { try KerasWeights.write(model: tinySeed(), to: blocked) }
        guard case .writeFailed(blocked.path, _) = error else { Issue.record("\(error)"); return }
        #expect(try directory.listing() == ["dir.weights.h5", "seed.weights.h5"])
    }
}
