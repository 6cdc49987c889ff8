import Foundation
import Testing
import FinetuneTestSupport
@testable import FinetuneCommandLine
import Finetune

/// `.keras` archives saved by Keras 3 (`Goldens/gen_keras_archive.py`): built from config.json,
/// weights from model.weights.h5, predictions compared with Keras' `model.predict`.
@Suite("Keras 3 .keras archives")
struct KerasArchiveGoldenTests {
    static let suite = Result { try GoldenSuite.load("keras_archive") }

    static func archive(_ golden: GoldenCase) throws -> String {
        GoldenSuite.root.appendingPathComponent("keras_archive").appendingPathComponent(try #require(golden.params["archive"]?.string)).path
    }

    @Test("predictions match Keras", arguments: ["archive.vgg_three_class", "archive.small_binary"])
    func predictions(_ name: String) throws {
        let golden = try Self.suite.get().named(name)
        let trained = try TrainedModel.load(try Self.archive(golden))
        expectClose(trained.model(try golden.tensor("x")), try golden.tensor("y"), tolerance: golden.tolerance, name)
    }

    @Test("the three-class archive keeps Keras' names, nesting and head")
    func structure() throws {
        let golden = try Self.suite.get().named("archive.vgg_three_class")
        let trained = try TrainedModel.load(try Self.archive(golden),
                                            overrides: ArchiveOverrides(classes: ["circles", "squares", "triangles"]))
        #expect(trained.description.classNames == ["circles", "squares", "triangles"] && !trained.description.isBinary)
        #expect(trained.model.layers.map(\.name) == ["vgg16", "flatten", "dense", "dropout", "dense_1"])
        #expect(trained.description.imageHeight == 32)
        #expect(try GradCAM(model: trained.model, isBinary: false).layerName == "block5_conv3")
    }

    @Test("an unsupported layer is refused by its class name")
    func unsupported() throws {
        let golden = try Self.suite.get().named("archive.unsupported")
        do {
            _ = try TrainedModel.load(try Self.archive(golden))
            Issue.record("loaded a model with BatchNormalization")
        } catch {
            #expect("\(error)".contains("BatchNormalization"))
            #expect("\(error)".contains("'bn'"))
        }
    }

    @Test("--classes must match the output count")
    func classCount() throws {
        let golden = try Self.suite.get().named("archive.small_binary")
        #expect(throws: CommandLineError.self) {
            try TrainedModel.load(try Self.archive(golden), overrides: ArchiveOverrides(classes: ["a", "b", "c"]))
        }
        let binary = try TrainedModel.load(try Self.archive(golden))
        #expect(binary.description.isBinary && binary.description.classNames == ["0", "1"])
    }

    @Test("predict and evaluate take the archive from the command line, with --classes")
    func commandLine() throws {
        let golden = try Self.suite.get().named("archive.vgg_three_class")
        let data = try ThreeClassData(perClass: (1, 1, 2))
        defer { data.remove() }
        let json = try PredictCommand.parse([try Self.archive(golden), data.data + "/test", "--json",
                                             "--classes", "circles,squares,triangles"]).output()
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        #expect(rows.count == 6)
        let labels = Set(rows.compactMap { $0["label"] as? String })
        #expect(labels.isSubset(of: ["circles", "squares", "triangles"]))
        let evaluation = try EvaluateCommand.parse([try Self.archive(golden), data.data + "/test", "--out", data.path("eval"),
                                                    "--classes", "circles,squares,triangles"]).evaluate()
        #expect(evaluation.labels.count == 6 && evaluation.loss.isFinite)
    }
}
