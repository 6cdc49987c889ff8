import Foundation
import Testing
import FinetuneCore
import FinetuneIO
import FinetuneTestSupport

/// A weights file with one NaN in block1_conv1's kernel, written by Keras 3 itself in both layouts
/// (Goldens/gen_nonfinite.py), is refused when read, naming the layer and the weight: a NaN in the
/// first convolution would otherwise train on (a max-pool drops it) and look healthy.
@Suite("Non-finite weights files", .tags(.golden))
struct NonFiniteWeightsTests {
    static let suite = Result { try GoldenSuite.load("nonfinite") }

    func refusal(_ file: String) throws -> KerasWeightsError {
        let url = GoldenSuite.root.appendingPathComponent("nonfinite/\(file)")
        do {
            _ = try KerasWeights.read(from: url)
        } catch let error as KerasWeightsError {
            return error
        }
        Issue.record("\(file) was read without an error")
        throw CancellationError()
    }

    @Test("a Keras 3 .weights.h5 with a NaN is refused, naming its layer, the kernel and the first bad value")
    func keras3() throws {
        let c = try Self.suite.get().named("nan_weights_files")
        let file = try #require(c.params["keras3"]?.string)
        let error = try refusal(file)
        guard case let .nonFinite(_, layer, weight, values) = error else { Issue.record("\(error)"); return }
        #expect(layer.contains("1st convolution layer"), "\(layer)")
        #expect(weight == "vars/0, its kernel (3, 3, 3, 4)", "\(weight)")
        // [1, 1, 0, 2] in a (3, 3, 3, 4) kernel, row-major.
        #expect(values.count == 1 && values.firstIndex == ((1 * 3 + 1) * 3 + 0) * 4 + 2 && values.firstValue.isNaN)
        #expect(error.description.contains("non-finite") && error.description.contains(file))
    }

    @Test("the legacy Keras 2 layout with a NaN is refused, naming block1_conv1's kernel")
    func legacy() throws {
        let c = try Self.suite.get().named("nan_weights_files")
        let file = try #require(c.params["legacy"]?.string)
        let error = try refusal(file)
        guard case let .nonFinite(_, layer, weight, values) = error else { Issue.record("\(error)"); return }
        #expect(layer == "block1_conv1")
        #expect(weight.hasSuffix("block1_conv1/kernel"), "\(weight)")
        #expect(values.count == 1 && values.total == 3 * 3 * 3 * 4)
    }
}
