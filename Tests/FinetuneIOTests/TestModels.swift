import Foundation
import FinetuneCore
import FinetuneNN
@testable import FinetuneIO

/// A leaf layer that only holds parameters (a convolution- or dense-like layer for I/O tests; its
/// forward pass is the identity — these tests never run one).
struct ParameterLeaf: Layer {
    var name: String
    var values: [(key: String, value: Tensor)]

    var parameters: [(key: String, value: Tensor)] { values }
    mutating func setParameter(_ key: String, to value: Tensor) throws {
        guard let i = values.firstIndex(where: { $0.key == key }) else {
            throw LayerError.unknownParameter(key: key, layer: name)
        }
        guard values[i].value.shape == value.shape else {
            throw LayerError.shapeMismatch(key: key, expected: values[i].value.shape, got: value.shape)
        }
        values[i].value = value
    }
    func outputShape(for input: Shape) throws -> Shape { input }
    func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback?) { (input, nil) }

    /// Kernel (3, 3, in, out) + bias (out), filled from `rng`.
    static func conv(_ name: String, _ cin: Int, _ cout: Int, rng: inout SeededRNG) -> ParameterLeaf {
        ParameterLeaf(name: name, values: [("\(name).kernel", .random([3, 3, cin, cout], &rng)),
                                           ("\(name).bias", .random([cout], &rng))])
    }
    /// Kernel (in, out) + bias (out).
    static func dense(_ name: String, _ cin: Int, _ cout: Int, rng: inout SeededRNG) -> ParameterLeaf {
        ParameterLeaf(name: name, values: [("\(name).kernel", .random([cin, cout], &rng)),
                                           ("\(name).bias", .random([cout], &rng))])
    }
}

/// A layer without parameters (pooling, flatten).
struct PlainLeaf: Layer {
    var name: String
    func outputShape(for input: Shape) throws -> Shape { input }
    func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback?) { (input, nil) }
}

/// A container: parameters of all its layers, keys unprefixed, `setParameter` routed by key.
struct Container: Layer {
    var name: String
    var layers: [any Layer]

    var sublayers: [any Layer] { layers }
    var parameters: [(key: String, value: Tensor)] { layers.flatMap(\.parameters) }
    mutating func setParameter(_ key: String, to value: Tensor) throws {
        guard let i = layers.firstIndex(where: { $0.parameters.contains { $0.key == key } }) else {
            throw LayerError.unknownParameter(key: key, layer: name)
        }
        try layers[i].setParameter(key, to: value)
    }
    func outputShape(for input: Shape) throws -> Shape { input }
    func forward(_ input: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback?) { (input, nil) }
}

/// The reduced-width VGG16 of the goldens: 13 convolutions (Keras names) and 5 pools.
func tinyVGG(widths: [Int] = [4, 8, 8, 16, 16], seed: UInt64 = 1) -> Container {
    var rng = SeededRNG(seed: seed)
    var layers: [any Layer] = []
    var cin = 3
    for (b, (n, w)) in zip([2, 2, 3, 3, 3], widths).enumerated() {
        for c in 1...n {
            layers.append(ParameterLeaf.conv("block\(b + 1)_conv\(c)", cin, w, rng: &rng))
            cin = w
        }
        layers.append(PlainLeaf(name: "block\(b + 1)_pool"))
    }
    return Container(name: "vgg16", layers: layers)
}

/// Chollet's model at reduced width: VGG16 base, Flatten, Dense(head), Dense(1).
func tinySeed(widths: [Int] = [4, 8, 8, 16, 16], flat: Int = 16, head: Int = 8, seed: UInt64 = 2) -> Container {
    var rng = SeededRNG(seed: seed &+ 100)
    return Container(name: "sequential", layers: [
        tinyVGG(widths: widths, seed: seed), PlainLeaf(name: "flatten"),
        ParameterLeaf.dense("dense", flat, head, rng: &rng), ParameterLeaf.dense("dense_1", head, 1, rng: &rng),
    ])
}

/// An RMSprop-shaped optimizer for checkpoint tests: one `rms` slot per parameter it has seen.
struct TestRMSprop: Optimizer {
    var learningRate: Float = 1e-3
    var iterations: Int = 0
    var state: [String: Tensor] = [:]
    mutating func step(parameters: [String: Tensor], gradients: [String: Tensor]) -> [String: Tensor] {
        iterations += 1
        return parameters
    }
    mutating func restore(state: [String: Tensor], iterations: Int) throws {
        self.state = state
        self.iterations = iterations
    }
}

/// Another optimizer type, to check that a checkpoint refuses to restore into it.
struct TestSGD: Optimizer {
    var learningRate: Float = 1e-2
    var iterations: Int = 0
    var state: [String: Tensor] { [:] }
    mutating func step(parameters: [String: Tensor], gradients: [String: Tensor]) -> [String: Tensor] { parameters }
    mutating func restore(state: [String: Tensor], iterations: Int) throws { self.iterations = iterations }
}

extension Tensor {
    /// Values uniform in [-1, 1).
    static func random(_ shape: Shape, _ rng: inout SeededRNG) -> Tensor {
        Tensor(shape: shape, scalars: (0..<shape.scalarCount).map { _ in Float.random(in: -1..<1, using: &rng) })
    }
    /// Same shape and the same bits (so NaN and -0 count), for "read back exactly" checks.
    func isBitwiseEqual(to other: Tensor) -> Bool {
        shape == other.shape && zip(scalars, other.scalars).allSatisfy { $0.bitPattern == $1.bitPattern }
    }
}

/// Parameters of a model by key.
func parameterDictionary(_ model: some Layer) -> [String: Tensor] {
    Dictionary(uniqueKeysWithValues: model.parameters.map { ($0.key, $0.value) })
}

/// A fresh empty directory, removed by `body`'s caller through the returned cleanup.
struct TemporaryDirectory: ~Copyable {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("finetune-io-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
    func file(_ name: String) -> URL { url.appendingPathComponent(name) }
    /// Names of the entries in the directory (hidden temporary files included), sorted.
    func listing() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: url.path).sorted() }
}
