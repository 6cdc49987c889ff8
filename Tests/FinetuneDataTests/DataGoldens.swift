import Foundation
import Testing
import FinetuneCore
import FinetuneTestSupport
@testable import FinetuneData

/// The `Goldens/data` suite (written by Goldens/gen_data.py from Pillow, SciPy and Keras 3),
/// loaded once.
enum DataGoldens {
    static let suite: GoldenSuite? = try? GoldenSuite.load("data")

    /// The suite, parsed once for all tests (the manifest is large for a debug-build JSON parse).
    static func load() throws -> GoldenSuite {
        if let suite { return suite }
        return try GoldenSuite.load("data")
    }

    static var directory: URL { GoldenSuite.root.appendingPathComponent("data") }
    static func fixture(_ name: String) -> String { directory.appendingPathComponent("fixtures").appendingPathComponent(name).path }

    /// Case names with a prefix, for `@Test(arguments:)`; a failing placeholder when the suite is
    /// missing or has no such case, so a lost golden never becomes zero cases that pass.
    static func names(_ prefix: String) -> [String] {
        nonEmptyCaseNames(suite?.cases(prefix: prefix).map(\.name), describing: "data \(prefix)*")
    }
}

extension Augmentation {
    /// The augmentation of Chollet's recipe, with the `ImageDataGenerator` arguments of
    /// Goldens/gen_data.py's `seed_recipe` case (FinetuneTraining's `TwoPhaseRecipe.chollet`
    /// holds the same; this target does not import FinetuneTraining).
    static let chollet = Augmentation(rotationRange: 40, widthShiftRange: 0.2, heightShiftRange: 0.2, shearRange: 0.2,
                                      zoom: 0.2, horizontalFlip: true, fillMode: .nearest)
}

extension Tensor {
    /// The scalars of an 8-bit image as a Float tensor (h, w, 3).
    init(_ image: RGBImage) {
        self.init(shape: [image.height, image.width, 3], scalars: image.pixels.map(Float.init))
    }
}

/// Expects every |actual − expected| ≤ `tolerance`, same shape; reports the worst element.
func expectMaxAbs(_ actual: Tensor, _ expected: Tensor, _ tolerance: Double, _ what: String,
                  sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.shape == expected.shape, "\(what): shape \(actual.shape) ≠ \(expected.shape)", sourceLocation: sourceLocation)
    guard actual.shape == expected.shape else { return }
    let d = deviation(actual, expected)
    #expect(d.maxAbsolute <= tolerance, "\(what): \(d) (max |Δ| allowed \(tolerance))", sourceLocation: sourceLocation)
}

@Suite("Data goldens")
struct DataGoldensPresent {
    @Test("the golden suite loads and names its generator", .tags(.golden))
    func loads() throws {
        let suite = try DataGoldens.load()
        #expect(suite.generator == "Goldens/gen_data.py")
        #expect(suite.cases.count > 200)
    }
}
