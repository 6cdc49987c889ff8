import FinetuneCore
import FinetuneTestSupport
import FinetuneNN
import Testing

@Suite("GlobalAveragePooling2D and GlobalMaxPooling2D")
struct GlobalPoolingLayerTests {
    @Test("GlobalAveragePooling2D matches Keras 3", .tags(.golden), arguments: layersCaseNames("global_avg."))
    func average(_ name: String) throws {
        try checkLayerGolden(GlobalAveragePooling2D(), try layersCase(name))
    }

    @Test("GlobalMaxPooling2D matches Keras 3, ties sharing the gradient", .tags(.golden), arguments: layersCaseNames("global_max."))
    func maximum(_ name: String) throws {
        try checkLayerGolden(GlobalMaxPooling2D(), try layersCase(name))
    }

    @Test("NHWC → NC; images without pixels refused")
    func shapes() throws {
        for layer in [GlobalAveragePooling2D() as any Layer, GlobalMaxPooling2D()] {
            #expect(try layer.outputShape(for: [3, 7, 7, 1280]) == [3, 1280])
            #expect(throws: LayerError.self) { try layer.outputShape(for: [3, 0, 7, 8]) }
            #expect(throws: LayerError.self) { try layer.outputShape(for: [3, 8]) }
        }
    }
}
