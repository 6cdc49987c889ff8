import FinetuneCore
import FinetuneTestSupport
import FinetuneNN
import Testing

@Suite("ReLU")
struct ReLULayerTests {
    @Test("matches Keras 3 at 0, at the cap and around them: y and dx", .tags(.golden), arguments: layersCaseNames("relu."))
    func golden(_ name: String) throws {
        let g = try layersCase(name)
        let cap = try g.param("max_value").double.map(Float.init)
        try checkLayerGolden(ReLU(maxValue: cap), g)
    }

    @Test("ReLU6 passes no gradient at exactly 6 (TF's Relu6); another cap passes it at the cap (relu, then clip)")
    func gradientAtTheCap() throws {
        for (cap, expected) in [(Float(6), Float(0)), (4.5, 1)] {
            let layer = ReLU(maxValue: cap)
            var context = ForwardContext(mode: .training, needsInputGradient: true)
            let x = Tensor(shape: [4], scalars: [0, cap, cap.nextUp, .nan])
            let (y, pullback) = layer.forward(x, context: &context)
            #expect(y[1] == cap && y[2] == cap && y[3].isNaN)
            let back = try #require(pullback)
            let dx = try #require(back(Tensor(repeating: 1, shape: [4])).input)
            #expect(dx.scalars == [0, expected, 0, 0], "cap \(cap)")
        }
    }
}
