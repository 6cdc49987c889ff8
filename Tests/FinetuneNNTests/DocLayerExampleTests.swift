import Foundation
import Testing
import FinetuneCore
import FinetuneTestSupport
@testable import FinetuneNN

// The layer of Documentation/Finetune.docc/WritingALayer.md, verbatim (the article says
// `import Finetune`; the sync test ignores import lines). Change both together.

/// Multiplies every channel by its own learnable factor: y[…, c] = x[…, c] · γ[c].
///
/// Input: any shape whose last axis has `channels` entries (NHWC images, or (n, features)).
/// Parameter `<name>.gamma` of shape (channels), initialised to 1.
public struct ChannelScale: Layer {
    public let name: String
    public private(set) var gamma: Tensor
    public var gammaKey: String { name + ".gamma" }

    public init(name: String, channels: Int) {
        self.name = name
        gamma = Tensor(repeating: 1, shape: [channels])
    }

    public var parameters: [(key: String, value: Tensor)] { [(gammaKey, gamma)] }

    public mutating func setParameter(_ key: String, to value: Tensor) throws {
        guard key == gammaKey else { throw LayerError.unknownParameter(key: key, layer: name) }
        guard value.shape == gamma.shape else {
            throw LayerError.shapeMismatch(key: key, expected: gamma.shape, got: value.shape)
        }
        gamma = value
    }

    public func outputShape(for input: Shape) throws -> Shape {
        guard input.last == gamma.scalarCount else {
            throw LayerError.incompatibleInput(layer: name, input: input,
                                               reason: "the last axis must have \(gamma.scalarCount) channels")
        }
        return input
    }

    public func forward(_ x: Tensor, context: inout ForwardContext) -> (output: Tensor, pullback: Pullback?) {
        let g = gamma.scalars, c = g.count
        precondition(x.shape.last == c, "ChannelScale '\(name)': input \(x.shape) does not end in \(c) channels")
        let y = Tensor(shape: x.shape, scalars: x.scalars.enumerated().map { i, v in v * g[i % c] })
        let trainsGamma = context.trainable.contains(gammaKey)
        let needsInput = context.needsInputGradient
        // Frozen, and nothing below wants a gradient: no pullback, nothing kept.
        guard trainsGamma || needsInput else { return (y, nil) }
        let key = gammaKey
        return (y, Pullback { dy in
            var gradients = LayerGradients(input: nil)
            if needsInput {   // dL/dx[…, c] = dL/dy[…, c] · γ[c]
                gradients.input = Tensor(shape: dy.shape, scalars: dy.scalars.enumerated().map { i, d in d * g[i % c] })
            }
            if trainsGamma {  // dL/dγ[c] = Σ over every position of channel c of dL/dy · x
                var dg = [Float](repeating: 0, count: c)
                for (i, (d, v)) in zip(dy.scalars, x.scalars).enumerated() { dg[i % c] += d * v }
                gradients.parameters[key] = Tensor(shape: [c], scalars: dg)
            }
            return gradients
        })
    }
}

@Suite("Documentation example: ChannelScale")
struct DocLayerExampleTests {
    static let x = randomTensor([2, 3, 3, 4], seed: 21, scale: 2)
    static let r = randomTensor([2, 3, 3, 4], seed: 22)
    static func layer() throws -> ChannelScale {
        var layer = ChannelScale(name: "scale", channels: 4)
        try layer.setParameter("scale.gamma", to: Tensor(shape: [4], scalars: [0.5, -1.5, 2, 0.25]))
        return layer
    }

    /// L = Σ y·r in Double, for the finite-difference check.
    static func loss(_ layer: ChannelScale, _ x: Tensor) -> Double {
        zip(layer(x).scalars, r.scalars).reduce(0) { $0 + Double($1.0) * Double($1.1) }
    }

    @Test("forward and gradients match y = x·γ, dx = r·γ, dγ = Σ r·x (float64 reference)")
    func exactGradients() throws {
        let layer = try Self.layer()
        let g = layer.gamma.scalars
        let (x, r) = (Self.x.scalars, Self.r.scalars)
        var context = ForwardContext(mode: .training, trainable: ["scale.gamma"], needsInputGradient: true)
        let (y, pullback) = layer.forward(Self.x, context: &context)
        let backward = try #require(pullback)
        let gradients = backward(Self.r)
        let expectedY = x.indices.map { Float(Double(x[$0]) * Double(g[$0 % 4])) }
        let expectedDx = x.indices.map { Float(Double(r[$0]) * Double(g[$0 % 4])) }
        var expectedDg = [Double](repeating: 0, count: 4)
        for i in x.indices { expectedDg[i % 4] += Double(r[i]) * Double(x[i]) }
        expectClose(y, Tensor(shape: Self.x.shape, scalars: expectedY), tolerance: 1e-6, "y")
        expectClose(try #require(gradients.input), Tensor(shape: Self.x.shape, scalars: expectedDx), tolerance: 1e-6, "dx")
        expectClose(try #require(gradients.parameters["scale.gamma"]),
                    Tensor(shape: [4], scalars: expectedDg.map(Float.init)), tolerance: 1e-6, "dgamma")
    }

    @Test("gradients agree with central finite differences")
    func finiteDifferences() throws {
        let layer = try Self.layer()
        var context = ForwardContext(mode: .training, trainable: ["scale.gamma"], needsInputGradient: true)
        let backward = try #require(layer.forward(Self.x, context: &context).pullback)
        let gradients = backward(Self.r)
        // y is linear in x and in γ, so a large step has no truncation error and keeps the
        // float32 rounding of y small next to the difference.
        let h: Float = 0.25
        for c in 0..<4 {
            var plus = layer, minus = layer
            var gp = layer.gamma, gm = layer.gamma
            gp.scalars[c] += h; gm.scalars[c] -= h
            try plus.setParameter("scale.gamma", to: gp)
            try minus.setParameter("scale.gamma", to: gm)
            let numeric = (Self.loss(plus, Self.x) - Self.loss(minus, Self.x)) / Double(gp.scalars[c] - gm.scalars[c])
            expectClose(Double(try #require(gradients.parameters["scale.gamma"]).scalars[c]), numeric,
                        tolerance: 1e-4, "dgamma[\(c)]")
        }
        for i in [0, 7, 35, 71] {
            var xp = Self.x, xm = Self.x
            xp.scalars[i] += h; xm.scalars[i] -= h
            let numeric = (Self.loss(layer, xp) - Self.loss(layer, xm)) / Double(xp.scalars[i] - xm.scalars[i])
            expectClose(Double(try #require(gradients.input).scalars[i]), numeric, tolerance: 1e-4, "dx[\(i)]")
        }
    }

    @Test("honours the context: frozen γ gets no gradient; no input gradient unless asked; no pullback when neither")
    func honoursContext() throws {
        let layer = try Self.layer()
        var neither = ForwardContext(mode: .training, trainable: ["other.kernel"])
        #expect(layer.forward(Self.x, context: &neither).pullback == nil)
        var inputOnly = ForwardContext(mode: .training, trainable: [], needsInputGradient: true)
        let inputBackward = try #require(layer.forward(Self.x, context: &inputOnly).pullback)
        let a = inputBackward(Self.r)
        #expect(a.input != nil && a.parameters.isEmpty)
        var gammaOnly = ForwardContext(mode: .training, trainable: ["scale.gamma"])
        let gammaBackward = try #require(layer.forward(Self.x, context: &gammaOnly).pullback)
        let b = gammaBackward(Self.r)
        #expect(b.input == nil && Set(b.parameters.keys) == ["scale.gamma"])
    }

    @Test("works inside Sequential with freeze policies, losses and optimizers, with no edits elsewhere")
    func composes() throws {
        var rng = SeededRNG(seed: 23)
        var model = try Sequential(inputShape: [3, 3, 4], [
            try Self.layer(), Flatten(), Dense(name: "dense", inputSize: 36, units: 1, activation: .sigmoid, using: &rng),
        ])
        #expect(try model.outputShape(for: [2, 3, 3, 4]) == [2, 1])
        #expect(try model.summary().description.contains("ChannelScale"))
        let labels = Tensor(shape: [2, 1], scalars: [0, 1])
        var frozen = ForwardContext(mode: .training, trainable: try FreezePolicy.freeze("scale").trainableKeys(in: model))
        #expect(Set(model.lossAndGradients(Self.x, labels: labels, loss: BinaryCrossEntropy(), context: &frozen).gradients.keys)
                == ["dense.kernel", "dense.bias"])
        var all = ForwardContext(mode: .training, trainable: try FreezePolicy.none.trainableKeys(in: model))
        let gradients = model.lossAndGradients(Self.x, labels: labels, loss: BinaryCrossEntropy(), context: &all).gradients
        #expect(Set(gradients.keys) == ["scale.gamma", "dense.kernel", "dense.bias"])
        var optimizer = RMSprop(learningRate: 0.01)
        let before = model.parameterDictionary["scale.gamma"]
        try model.apply(optimizer: &optimizer, gradients: gradients)
        #expect(model.parameterDictionary["scale.gamma"] != before)
        #expect(optimizer.state.keys.contains("scale.gamma/rms"))
        #expect(throws: LayerError.shapeMismatch(key: "scale.gamma", expected: [4], got: [3])) {
            try model.setParameter("scale.gamma", to: .zeros([3]))
        }
        #expect(throws: LayerError.self) { try ChannelScale(name: "s", channels: 4).outputShape(for: [2, 3]) }
    }

    @Test("WritingALayer.md shows this file's layer, verbatim")
    func articleCodeIsTested() throws {
        let article = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Documentation/Finetune.docc/WritingALayer.md")
        let text = try String(contentsOf: article, encoding: .utf8)
        let source = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        var blocks: [String] = [], current: [Substring]?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil, line.hasPrefix("```swift") { current = [] }
            else if let lines = current, line.hasPrefix("```") {
                blocks.append(lines.filter { !$0.hasPrefix("import ") }.joined(separator: "\n")
                    .trimmingCharacters(in: .whitespacesAndNewlines))
                current = nil
            } else if current != nil { current!.append(line) }
        }
        #expect(!blocks.isEmpty, "WritingALayer.md has no ```swift block")
        for block in blocks {
            let found = source.contains(block)   // (not inside #expect, which would print the whole file)
            #expect(found, "WritingALayer.md: this block is not in DocLayerExampleTests.swift:\n\(block)")
        }
    }
}
