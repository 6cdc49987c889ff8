import Foundation
import Testing
import FinetuneTestSupport
@testable import FinetuneCommandLine
import Finetune

/// Grad-CAM heatmaps against Keras 3 / TensorFlow (`Goldens/gen_explain.py`: GradientTape on the
/// same weights, reduced-width VGG16 + head).
@Suite("Grad-CAM matches Keras' Grad-CAM example")
struct GradCAMGoldenTests {
    static let suite = Result { try GoldenSuite.load("explain") }
    static var names: [String] { ((try? suite.get())?.cases(prefix: "gradcam.") ?? []).map(\.name) }

    @Test("the golden suite loads and has cases")
    func suiteLoads() throws {
        #expect(try Self.suite.get().cases(prefix: "gradcam.").count >= 3)
    }

    @Test("heatmap of every image and class", arguments: names)
    func heatmaps(_ name: String) throws {
        let golden = try Self.suite.get().named(name)
        let image = try #require(golden.params["image"]?.int), classes = try #require(golden.params["classes"]?.int)
        let layer = try #require(golden.params["layer"]?.string)
        let description = ModelDescription(classNames: (0..<classes).map { "c\($0)" }, imageHeight: image, imageWidth: image,
                                           preprocessing: "none", baseWidths: VGG16.reducedWidths,
                                           denseUnits: try #require(golden.params["dense_units"]?.int))
        var model = try description.makeModel()
        for (key, _) in model.parameters { try model.setParameter(key, to: try golden.tensor("w/" + key)) }
        let camera = try GradCAM(model: model, layer: layer, isBinary: description.isBinary)
        #expect(camera.layerName == layer)
        let x = try golden.tensor("x")
        for i in 0..<2 {
            let one = Tensor(shape: [1, image, image, 3], scalars: Array(x.scalars[(i * image * image * 3)..<((i + 1) * image * image * 3)]))
            for c in 0..<classes {
                expectClose(camera.heatmap(one, classIndex: c), try golden.tensor("heatmap/\(i)/\(c)"),
                            tolerance: golden.tolerance, "\(name) image \(i) class \(c)")
            }
        }
    }

    @Test("the default layer is the last convolution; an unknown --layer is named")
    func layers() throws {
        let description = ModelDescription(classNames: ["a", "b", "c"], imageHeight: 32, imageWidth: 32,
                                           baseWidths: VGG16.reducedWidths, denseUnits: 8)
        let model = try description.makeModel()
        #expect(try GradCAM(model: model, isBinary: false).layerName == "block5_conv3")
        #expect(throws: CommandLineError.self) { try GradCAM(model: model, layer: "block9_conv1", isBinary: false) }
    }

    @Test("the overlay keeps the image size and colours hot spots red")
    func overlay() {
        let image = RGBImage(width: 8, height: 6, pixels: Array(repeating: 128, count: 8 * 6 * 3))
        let heatmap = Tensor(shape: [2, 2], scalars: [1, 0, 0, 0])
        let out = HeatmapOverlay.blend(heatmap, over: image)
        #expect(out.width == 8 && out.height == 6)
        #expect(out[x: 0, y: 0].r > out[x: 0, y: 0].b)
        #expect(out[x: 7, y: 5].b > out[x: 7, y: 5].r)
        #expect(HeatmapOverlay.jet(0) == [0, 0, 127.5] && HeatmapOverlay.jet(1) == [127.5, 0, 0])
    }
}
