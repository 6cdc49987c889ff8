import Foundation
import Testing
import FinetuneCore
import FinetuneData
import FinetuneIO
import FinetuneTestSupport
@testable import FinetuneNN
@testable import FinetuneTraining

/// ResNet50 and MobileNetV2 (`Applications`) trained and loaded as Keras 3 trains and saves them
/// (`Goldens/gen_backbones.py`): a two-phase mini run on real photos — frozen base with its
/// BatchNormalization in inference mode, then the top block unfrozen — and Keras' weight files in
/// both layouts.
@Suite("Backbones: Keras' two-phase fine-tuning and Keras' weight files", .tags(.golden))
struct BackboneTrainingGoldenTests {
    static let suite: Result<GoldenSuite, any Error> = Result { try GoldenSuite.load("backbones") }

    static func names(_ prefix: String) -> [String] {
        nonEmptyCaseNames((try? suite.get())?.cases(prefix: prefix).map(\.name), describing: "backbones \(prefix)*")
    }

    static func base(_ net: String, inputShape: Shape = [32, 32, 3]) throws -> Graph {
        net == "resnet50" ? try Applications.resNet50(inputShape: inputShape) : try Applications.mobileNetV2(inputShape: inputShape)
    }

    @Test("two phases of two SGD steps: Keras' per-step losses and head weights, trainable BN statistics to 1e-5, frozen ones bit for bit",
          arguments: names("fit."))
    func twoPhases(_ name: String) throws {
        let g = try Self.suite.get().named(name)
        let net = String(name.split(separator: ".")[1])
        let x = try g.tensor("x")
        let base = try Self.base(net, inputShape: Shape(Array(x.shape.dimensions.dropFirst())))
        #expect(base.name == (try g.param("base").string))
        let width = try base.outputShape(for: x.shape)[3]
        var rng = SeededRNG(seed: 3)
        var model: any Layer = try Sequential(name: "classifier", [
            base, GlobalAveragePooling2D(name: "avg_pool"),
            Dense(name: "predictions", inputSize: width, units: 1, activation: .sigmoid, using: &rng),
        ])
        let spec = try g.hashWeights()
        #expect(Set(model.parameters.map(\.key)) == Set(spec.keys))
        for (key, value) in model.parameters {
            let s = try #require(spec[key])
            try model.setParameter(key, to: hashUniform(seed: s.seed, shape: value.shape, low: s.low, high: s.high))
        }
        let initial = model.parameterDictionary
        let batch = Batch(images: x, labels: try g.tensor("labels"))
        let rate = Float(try #require(try g.param("learning_rate").double))
        let statisticsTolerance = try #require(try g.param("statistics_tolerance").double)
        let trainer = try Trainer(model: model, optimizer: SGD(learningRate: rate), freezing: .all(of: base.name))
        for phase in 1...2 {
            if phase == 2 {
                let from = try #require(try g.param("unfreeze_from").string)
                _ = try trainer.beginPhase(freezing: .from(from), optimizer: SGD(learningRate: rate))
            }
            #expect(trainer.trainable.sorted() == (try g.strings("trainable\(phase)")), "\(name) phase \(phase): Keras' trainable weights")
            for step in 1...2 {
                let tag = "p\(phase)s\(step)"
                let (loss, _) = try trainer.trainStep(batch)
                let expectedLoss = Double(try g.tensor("\(tag)/loss").scalars[0])
                expectClose(Double(loss), expectedLoss, tolerance: g.tolerance, "\(name) loss \(tag)")
                let now = trainer.model.parameterDictionary
                for key in g.tensors.keys where key.hasPrefix(tag + "/") && key != tag + "/loss" {
                    let k = String(key.dropFirst(tag.count + 1))
                    let tolerance = k.contains("moving") ? statisticsTolerance : g.tolerance
                    expectClose(try #require(now[k]), try g.tensor(key), tolerance: tolerance, "\(name) \(k) after \(tag)")
                }
                // Every moving statistic of a BatchNormalization that does not train is its initial value, bit for bit.
                for (key, value) in now where key.contains(".moving_") {
                    let gamma = key.replacingOccurrences(of: ".moving_mean", with: ".gamma")
                        .replacingOccurrences(of: ".moving_variance", with: ".gamma")
                    if !trainer.trainable.contains(gamma) { #expect(value == initial[key], "\(name) \(key) is frozen after \(tag)") }
                }
            }
        }
    }

    static func file(_ name: String) -> URL { GoldenSuite.root.appendingPathComponent("backbones/" + name) }

    /// The pattern `Goldens/gen_backbones.py` wrote for `key`.
    static func pattern(_ g: GoldenCase, key: String, shape: Shape) throws -> Tensor {
        let offset = try #require(g.params["offsets"]?[key]?.double, "no offset for \(key)")
        let step = try #require(try g.param("step").double), period = try #require(try g.param("period").int)
        return Tensor(shape: shape) { out in
            for i in 0..<out.count { out[i] = Float(offset + step * Double(i % period - period / 2)) }
        }
    }

    @Test("Keras' weight files load, by name and strictly: Keras 3 save_weights and the legacy ImageNet layout",
          arguments: names("weights."))
    func weightFiles(_ name: String) throws {
        let g = try Self.suite.get().named(name)
        let net = String(name.split(separator: ".")[1])
        for file in try g.strings("files") {
            var model = try Self.base(net)
            #expect(model.sublayers.map(\.name) == (try g.strings("layers")))
            let weights = try KerasWeights.read(from: Self.file(file))
            let pairs = try weights.load(into: &model)
            #expect(pairs.allSatisfy { $0.entry.hasSuffix($0.layer) || $0.entry.contains("(\($0.layer))") || $0.entry == $0.layer },
                    "\(file): every entry went to the layer of its name")
            #expect(pairs.count == WeightedCount.of(model))
            for (key, value) in model.parameters {
                #expect(value == (try Self.pattern(g, key: key, shape: value.shape)), "\(key) from \(file)")
            }
            // A model of the other network is refused, naming the file; so is a tensor of the wrong shape.
            var other = try Self.base(net == "resnet50" ? "mobilenetv2" : "resnet50")
            #expect(throws: KerasWeightsError.self) { try weights.load(into: &other) }
            var tampered = weights
            let i = try #require(tampered.entries.firstIndex { $0.tensors.count == 4 })
            tampered.entries[i].tensors[2] = .zeros([tampered.entries[i].tensors[2].scalarCount + 1])
            var unchanged = model
            do {
                try tampered.load(into: &unchanged)
                Issue.record("\(file): a moving mean of the wrong size loaded")
            } catch let error as KerasWeightsError {
                guard case let .shapeMismatch(_, key, _, _, _) = error else { Issue.record("\(error)"); continue }
                #expect(key.hasSuffix(".moving_mean"))
                #expect(String(describing: error).contains(file))
            }
            #expect(unchanged.parameterDictionary == model.parameterDictionary, "nothing set on error")
        }
    }
}

/// The number of layers with weights in a model.
enum WeightedCount {
    static func of(_ model: any Layer) -> Int {
        model.sublayers.isEmpty ? (model.parameters.isEmpty ? 0 : 1) : model.sublayers.reduce(0) { $0 + of($1) }
    }
}
