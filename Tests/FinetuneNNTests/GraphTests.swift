import FinetuneCore
import FinetuneTestSupport
@testable import FinetuneNN
import Testing

@Suite("Graph")
struct GraphTests {
    static let block = Set(["conv2_block1_0_conv", "conv2_block1_0_bn", "conv2_block1_1_conv", "conv2_block1_1_bn",
                            "conv2_block1_2_conv", "conv2_block1_2_bn"])

    /// Weight keys of the named layers of `model`.
    static func keys(_ model: Graph, _ layers: [String]) -> Set<String> {
        Set(model.sublayers.filter { layers.contains($0.name) }.flatMap(\.weightKeys))
    }

    /// Kernel calls of one training step (forward and backward) of the residual block with `trainable`.
    static func stepCalls(trainable: Set<String>, needsInputGradient: Bool = false) throws -> [KernelCounters.Kind: Int] {
        let model = try residualBlockGraph()
        let x = randomTensor([2, 6, 6, 3], seed: 3)
        return KernelCounters.counting {
            var context = ForwardContext(mode: .training, trainable: trainable, needsInputGradient: needsInputGradient)
            let (y, pullback) = model.forward(x, context: &context)
            _ = pullback?(y)
        }.counts
    }

    @Test("a frozen shortcut costs no backward kernel: only the main path is differentiated")
    func frozenShortcutCounts() throws {
        let model = try residualBlockGraph()
        let main = Self.keys(model, ["conv2_block1_1_conv", "conv2_block1_1_bn", "conv2_block1_2_conv", "conv2_block1_2_bn"])
        let counts = try Self.stepCalls(trainable: main)
        #expect(counts[.conv2DForward] == 3 && counts[.batchNormForward] == 3)
        #expect(counts[.batchNormMoments] == 2, "the frozen shortcut BN runs in inference mode")
        #expect(counts[.conv2DKernelGradient] == 2, "1_conv and 2_conv, not 0_conv")
        #expect(counts[.conv2DInputGradient] == 1, "2_conv only: the input needs no gradient")
        #expect(counts[.batchNormBackward] == 2, "1_bn and 2_bn, not 0_bn")
    }

    @Test("a frozen main path costs no backward kernel; nothing frozen differentiates all; nothing trainable nothing")
    func otherSplits() throws {
        let model = try residualBlockGraph()
        let shortcut = try Self.stepCalls(trainable: Self.keys(model, ["conv2_block1_0_conv", "conv2_block1_0_bn"]))
        #expect(shortcut[.conv2DKernelGradient] == 1 && shortcut[.conv2DInputGradient] == 0)
        #expect(shortcut[.batchNormBackward] == 1 && shortcut[.batchNormMoments] == 1)
        let all = try Self.stepCalls(trainable: Set(model.weightKeys), needsInputGradient: true)
        #expect(all[.conv2DKernelGradient] == 3 && all[.conv2DInputGradient] == 3 && all[.batchNormBackward] == 3)
        let none = try Self.stepCalls(trainable: [])
        #expect(none[.conv2DKernelGradient] == 0 && none[.conv2DInputGradient] == 0 && none[.batchNormBackward] == 0)
        #expect(none[.batchNormMoments] == 0)
    }

    @Test("gradients that meet at a fan-out are summed: y = x + x, [x, x] and x + relu(x)")
    func fanOut() throws {
        let x = randomTensor([2, 3, 3, 2], seed: 4)
        let dy = randomTensor([2, 3, 3, 2], seed: 5)
        var g = GraphBuilder(input: [3, 3, 2])
        let doubled = try g.add(Add(), to: g.input, g.input)
        let twice = try g.graph(output: doubled)
        var context = ForwardContext(mode: .training, needsInputGradient: true)
        let (y, pullback) = twice.forward(x, context: &context)
        #expect(y.scalars == x.scalars.map { $0 + $0 })
        let back2 = try #require(pullback)
        #expect(back2(dy).input?.scalars == dy.scalars.map { $0 + $0 })

        var h = GraphBuilder(input: [3, 3, 2])
        let relu = try h.add(ReLU(), to: h.input)
        let added = try h.add(Add(), to: h.input, relu)
        let sum = try h.graph(output: added)
        let sumBack = try #require(sum.forward(x, context: &context).pullback)
        let dx = try #require(sumBack(dy).input)
        #expect(dx.scalars == zip(x.scalars, dy.scalars).map { $0 > 0 ? $1 + $1 : $1 })

        var c = GraphBuilder(input: [3, 3, 2])
        let concatenated = try c.add(Concatenate(), to: c.input, c.input)
        let joined = try c.graph(output: concatenated)
        let (z, back) = joined.forward(x, context: &context)
        #expect(z.shape == [2, 3, 3, 4])
        let dz = randomTensor([2, 3, 3, 4], seed: 6)
        let catBack = try #require(back)
        let dxc = try #require(catBack(dz).input)
        let d = dz.scalars
        let expected: [Float] = (0..<dxc.scalarCount).map { (i: Int) -> Float in
            let row = i / 2 * 4, channel = i % 2
            return d[row + channel] + d[row + 2 + channel]
        }
        #expect(dxc.scalars == expected)
    }

    @Test("a Sequential as a graph: same layers, same outputs and gradients bit for bit, the same freeze policies")
    func fromSequential() throws {
        var rng = SeededRNG(seed: 7)
        let sequential = try VGG16.binaryClassifier(inputShape: [32, 32, 3], widths: VGG16.reducedWidths, using: &rng)
        let graph = try Graph(sequential)
        #expect(graph.name == sequential.name && graph.sublayers.map(\.name) == sequential.layers.map(\.name))
        #expect(graph.inputs == [[0], [1], [2], [3]])
        let x = randomTensor([2, 32, 32, 3], seed: 8, scale: 50)
        let trainable = try FreezePolicy.from("block5_conv1").trainableKeys(in: sequential)
        #expect(try FreezePolicy.from("block5_conv1").trainableKeys(in: graph) == trainable)
        var a = ForwardContext(mode: .training, trainable: trainable), b = a
        let (ya, pa) = sequential.forward(x, context: &a)
        let (yb, pb) = graph.forward(x, context: &b)
        #expect(ya == yb)
        let dy = randomTensor(ya.shape, seed: 9)
        let (backA, backB) = (try #require(pa), try #require(pb))
        #expect(backA(dy).parameters == backB(dy).parameters)
        #expect(graph(x) == sequential(x))
        #expect(throws: LayerError.self) { try Graph(try Sequential([Flatten()])) }
    }

    @Test("the summary: an input row, Keras' order, output shapes, parameters and what each layer is connected to")
    func summary() throws {
        let model = try residualBlockGraph()
        let summary = try model.summary()
        #expect(summary.rows.map(\.name) == ["input_layer"] + model.sublayers.map(\.name))
        #expect(summary.rows[0].type == "InputLayer" && summary.rows[0].connectedTo == [])
        let add = try #require(summary.rows.first { $0.name == "conv2_block1_add" })
        #expect(add.connectedTo == ["conv2_block1_0_bn[0][0]", "conv2_block1_2_bn[0][0]"])
        #expect(add.outputShape == [6, 6, 4] && add.parameters == 0)
        #expect(summary.totalParameters == (3 * 4 + 4) + 3 * 16 + 3 * 3 * 3 * 4 + 3 * 3 * 4 * 4)
        #expect(summary.nonTrainableParameters == 3 * 8)
        let text = summary.description
        #expect(text.contains("Model: \"residual\""))
        #expect(text.contains("Connected to"))
        #expect(text.contains("input_layer (InputLayer)"))
        #expect(text.contains("conv2_block1_1_conv (Conv2D)"))
        #expect(text.contains("conv2_block1_0_bn[0][0], conv2_block1_2_bn[0][0]"))
        // Nested in a Sequential, the graph is one row; expanded, its own rows follow indented.
        let outer = try Sequential(name: "outer", inputShape: [6, 6, 3], [model, GlobalAveragePooling2D(name: "pool")])
        #expect(try outer.summary().rows.map(\.name) == ["residual", "pool"])
        let expanded = try outer.summary(expandNested: true)
        #expect(expanded.rows.count == 2 + 1 + model.sublayers.count && expanded.rows[1].depth == 1)
    }

    @Test("the builder checks shapes, names and inputs, naming the layer; merge layers refuse a single tensor")
    func builderErrors() throws {
        var rng = SeededRNG(seed: 1)
        var g = GraphBuilder(input: [4, 4, 3])
        let a = try g.add(Conv2D(name: "a", inputChannels: 3, filters: 2, padding: .same, using: &rng), to: g.input)
        #expect(throws: LayerError.duplicateName("a")) { try g.add(ReLU(name: "a"), to: a) }
        #expect(throws: LayerError.duplicateName("input_layer")) { try g.add(ReLU(name: "input_layer"), to: a) }
        #expect { try g.add(Add(name: "add"), to: a, g.input) } throws: { "\($0)".contains("'add'") && "\($0)".contains("(1, 4, 4, 3)") }
        #expect { try g.add(ReLU(name: "r"), to: a, a) } throws: { "\($0)".contains("only merge layers") }
        #expect { try g.add(Conv2D(name: "c", inputChannels: 5, filters: 2, using: &rng), to: a) } throws: { "\($0)".contains("'c'") }
        let flat = try g.add(Flatten(), to: a)
        #expect { try g.add(Concatenate(name: "cat"), to: a, flat) } throws: { "\($0)".contains("'cat'") }
        // Failed adds leave nothing behind: the names are still free.
        let relu = try g.add(ReLU(name: "r"), to: a)
        #expect(throws: LayerError.duplicateName("r")) { try g.graph(output: relu, name: "r") }
        #expect { try Add(name: "add").outputShape(for: [1, 4, 4, 3]) } throws: { "\($0)".contains("GraphBuilder.add(Add(name: \"add\"), to: a, b)") }
    }

    @Test("layers the output does not depend on are left out; the output may be the input")
    func pruning() throws {
        var g = GraphBuilder(input: [5])
        let kept = try g.add(ReLU(name: "kept"), to: g.input)
        _ = try g.add(ReLU(name: "unused"), to: kept)
        let model = try g.graph(output: kept)
        #expect(model.sublayers.map(\.name) == ["kept"])
        let identity = try g.graph(output: g.input, name: "identity")
        let x = randomTensor([2, 5], seed: 1)
        var context = ForwardContext(mode: .training, needsInputGradient: true)
        let (y, pullback) = identity.forward(x, context: &context)
        let back = try #require(pullback)
        #expect(y == x && back(x).input == x)
        #expect(try identity.outputShape(for: [2, 5]) == [2, 5])
    }

    @Test("parameters by Keras key; setParameter checks; a graph nests in a graph and freezes by its name")
    func parametersAndNesting() throws {
        var model = try residualBlockGraph()
        #expect(model.parameters.first?.key == "conv2_block1_1_conv.kernel")
        #expect(throws: LayerError.unknownParameter(key: "nope", layer: "residual")) { try model.setParameter("nope", to: .zeros([1])) }
        #expect(throws: LayerError.self) { try model.setParameter("conv2_block1_0_bn.gamma", to: .zeros([3])) }
        try model.setParameter("conv2_block1_0_bn.gamma", to: Tensor(repeating: 2, shape: [4]))
        #expect(model.parameterDictionary["conv2_block1_0_bn.gamma"] == Tensor(repeating: 2, shape: [4]))

        var g = GraphBuilder(input: [6, 6, 3])
        let inner = try g.add(model, to: g.input)
        let pooled = try g.add(GlobalAveragePooling2D(name: "pool"), to: inner)
        let outer = try g.graph(output: pooled, name: "outer")
        let x = randomTensor([2, 6, 6, 3], seed: 2)
        #expect(outer(x) == GlobalAveragePooling2D(name: "pool")(model(x)))
        #expect(outer.layer(named: "conv2_block1_add") is Add)
        #expect(try FreezePolicy.all(of: "residual").trainableKeys(in: outer).isEmpty)
        #expect(throws: LayerError.duplicateName("conv2_block1_add")) {
            var h = GraphBuilder(input: [6, 6, 3])
            _ = try h.add(Add(name: "conv2_block1_add"), to: h.input, h.input)
            _ = try h.add(model, to: h.input)
        }
    }
}
