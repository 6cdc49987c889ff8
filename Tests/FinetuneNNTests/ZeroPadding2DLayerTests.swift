import FinetuneCore
import FinetuneTestSupport
import FinetuneNN
import Testing

@Suite("ZeroPadding2D")
struct ZeroPadding2DLayerTests {
    @Test("matches Keras 3: y and dx", .tags(.golden), arguments: layersCaseNames("zeropadding."))
    func golden(_ name: String) throws {
        let g = try layersCase(name)
        let p = try #require(try g.param("padding").array?.map { $0.array?.compactMap(\.int) ?? [] })
        let layer = ZeroPadding2D(padding: ((p[0][0], p[0][1]), (p[1][0], p[1][1])))
        try checkLayerGolden(layer, g)
    }

    @Test("output shapes; no parameters; non-NHWC input refused")
    func shapes() throws {
        let layer = ZeroPadding2D(name: "pad", padding: ((0, 1), (2, 3)))
        #expect(try layer.outputShape(for: [2, 224, 224, 3]) == [2, 225, 229, 3])
        #expect(layer.parameters.isEmpty)
        #expect(throws: LayerError.self) { try layer.outputShape(for: [2, 3]) }
    }
}
