import Foundation
import Testing
import ArgumentParser
@testable import FinetuneCommandLine
import Finetune

@Suite("finetune train --backbone")
struct BackboneTrainTests {
    @Test("each backbone's defaults: recipe, preprocessing, image size, dropout, unfreeze-from; VGG16 keeps Chollet's")
    func defaults() throws {
        let vgg = try TrainOptions.parse(["--data", "d"]).configuration()
        #expect(vgg.backbone == .vgg16 && vgg.preprocessing == "rescale" && vgg.imageSize == 150 && vgg.dropout == 0)
        #expect(vgg.unfreezeFrom == "block5_conv1" && vgg.method.recipe == "chollet" && vgg.denseUnits == 256)
        #expect((vgg.phase1Epochs, vgg.phase2Epochs) == (30, 100))

        let lite = try TrainOptions.parse(["--data", "d", "--backbone", "efficientnet-lite0"]).configuration()
        #expect(lite.backbone == .efficientnetLite0 && lite.preprocessing == "lite" && lite.imageSize == 224)
        #expect(lite.dropout == 0.2 && lite.unfreezeFrom == "block6a_expand_conv" && lite.method.recipe == "fast" && lite.learningRate1 == 1e-2)
        #expect(!lite.trainBatchNorm && lite.learningRate2 == 1e-3 && lite.method.discriminative == 1e-5...1e-3)
        #expect((lite.phase1Epochs, lite.phase2Epochs) == (FastRecipe.graphFrozenEpochs, FastRecipe.graphUnfrozenEpochs))

        let resnet = try TrainOptions.parse(["--data", "d", "--backbone", "resnet50", "--recipe", "chollet",
                                             "--preprocessing", "torch", "--image-size", "160"]).configuration()
        #expect(resnet.preprocessing == "torch" && resnet.imageSize == 160 && resnet.unfreezeFrom == "conv5_block1_1_conv")
        #expect(resnet.method.recipe == "chollet" && resnet.learningRate1 == 2e-5)

        let mobile = try TrainOptions.parse(["--data", "d", "--backbone", "mobilenetv2"]).configuration()
        #expect(mobile.preprocessing == "tf" && mobile.unfreezeFrom == "block_13_expand")

        for flags in [["--dense-units", "64"], ["--base-widths", "4,4,8,8,8"]] {
            #expect(throws: (any Error).self) { try TrainOptions.parse(["--data", "d", "--backbone", "mobilenetv2"] + flags) }
        }
        #expect(throws: (any Error).self) { try TrainOptions.parse(["--data", "d", "--backbone", "inception"]) }
    }

    @Test("blocks for discriminative rates and gradual unfreezing follow each network's stages, in base order")
    func blocks() throws {
        #expect(Backbone.resnet50.block(ofLayer: "conv4_block6_3_bn") == "conv4")
        #expect(Backbone.mobilenetv2.block(ofLayer: "block_13_expand_BN") == "block_13")
        #expect(Backbone.mobilenetv2.block(ofLayer: "expanded_conv_project") == "block_0")
        #expect(Backbone.mobilenetv2.block(ofLayer: "Conv_1_bn") == "top")
        #expect(Backbone.efficientnetLite0.block(ofLayer: "block6c_dwconv") == "block6")
        #expect(Backbone.efficientnetLite0.block(ofLayer: "top_conv") == "top")
        #expect(Backbone.vgg16.block(ofLayer: "dense") == nil)

        var description = ModelDescription(classNames: ["a", "b"], imageHeight: 32, imageWidth: 32, backbone: .efficientnetLite0)
        description.dropout = 0.2
        let model = try description.makeModel()
        let trainable = try FreezePolicy.from("block6a_expand_conv").trainableKeys(in: model)
        let blocks = TrainingMethod.unfrozenBlocks(trainable, backbone: .efficientnetLite0, model: model)
        #expect(blocks.count == 3)
        #expect(blocks.first?.first == "block6a_expand_conv")
        #expect(blocks[1].allSatisfy { $0.hasPrefix("block7") })
        #expect(blocks.last == ["top_conv", "top_bn"])
    }

    @Test("MobileNetV2 run: frozen base bit-unchanged by phase 1 (BN statistics too), then predict, evaluate, explain, summary read the checkpoint")
    func mobileNetV2Run() throws {
        let data = try ThreeClassData()
        defer { data.remove() }
        var c = data.configuration()
        c.backbone = .mobilenetv2
        c.preprocessing = "tf"
        c.dropout = 0.2
        c.unfreezeFrom = "block_16_expand"
        c.method.discriminative = 1e-5...1e-3
        c.trainBatchNorm = true
        var lines: [String] = []
        let result = try TrainWorkflow(configuration: c, say: { lines.append($0) }).run()
        #expect(result.description.backbone == "mobilenetv2")
        #expect(result.history.epochs.map(\.phase) == [1, 2])
        #expect(lines.contains { $0.hasPrefix("Phase 1:") && $0.contains("mobilenetv2_1.00_32") })

        // The base after phase 1 is the initial one, bit for bit: BatchNorm ran in inference mode.
        var rng = SeededRNG(seed: c.seed)
        let initial = try result.description.makeModel(using: &rng)
        let phase1 = try TrainedModel.load(data.out + "/phase1.ftckpt")
        let before = Dictionary(uniqueKeysWithValues: initial.layers[0].parameters.map { ($0.key, $0.value) })
        for (key, value) in phase1.model.layers[0].parameters { #expect(before[key] == value, "\(key) changed in phase 1") }
        #expect(phase1.model.layers[0].parameters.contains { $0.key == "block_16_project_BN.moving_mean" })
        // Phase 2 trained the top block only.
        let phase2 = try TrainedModel.load(data.out + "/phase2.ftckpt")
        let after = Dictionary(uniqueKeysWithValues: phase2.model.layers[0].parameters.map { ($0.key, $0.value) })
        #expect(after["block_16_expand.kernel"] != before["block_16_expand.kernel"])
        #expect(after["block_15_expand.kernel"] == before["block_15_expand.kernel"])
        #expect(phase2.model.layers.map(\.name) == ["mobilenetv2_1.00_32", "global_average_pooling2d", "dropout", "dense"])
        let summary = try SummaryCommand.parse([data.out + "/phase2.ftckpt"]).output()
        #expect(summary.contains("mobilenetv2_1.00_32 (Functional)"), "Keras names a nested functional model's type Functional")

        #expect(after["block_16_expand_BN.moving_mean"] != before["block_16_expand_BN.moving_mean"])

        // Without --train-bn, phase 2 leaves every BatchNorm layer as it was (inference mode).
        var frozenBN = c
        (frozenBN.trainBatchNorm, frozenBN.out) = (false, data.path("frozen-bn"))
        let frozenRun = try TrainWorkflow(configuration: frozenBN, say: { _ in }).run()
        #expect(frozenRun.history.epochs.count == 2)
        let bnAfter = try TrainedModel.load(data.path("frozen-bn") + "/phase2.ftckpt").model.layers[0].parameters
        for (key, value) in bnAfter where key.contains("_BN.") || key.contains("_bn.") {
            #expect(before[key] == value, "\(key) changed in phase 2 with BatchNorm frozen")
        }

        let predict = try PredictCommand.parse([data.out + "/phase2.ftckpt", data.data + "/test", "--json"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(try predict.output().utf8)) as? [[String: Any]])
        #expect(rows.count == 6)
        let evaluation = try EvaluateCommand.parse([data.out + "/phase2.ftckpt", data.data + "/test", "--out", data.path("eval")]).evaluate()
        let test = try #require(result.test)
        #expect(abs(evaluation.loss - test.loss) < 1e-5 * max(1, abs(test.loss)))
        let explained = try ExplainCommand.parse([data.out + "/phase2.ftckpt", data.data + "/test/circles", "--out", data.path("cam")]).explain()
        #expect(explained.count == 2)
        #expect(explained.allSatisfy { $0.heatmap.shape == [1, 1] && $0.heatmap.scalars.allSatisfy { $0 >= 0 && $0 <= 1 } })

        // Resuming with another backbone is refused, naming the flag.
        var other = c
        other.backbone = .efficientnetLite0
        other.unfreezeFrom = Backbone.efficientnetLite0.defaultUnfreezeFrom
        other.resume = data.out + "/phase1.ftckpt"
        other.out = data.path("other")
        #expect { try TrainWorkflow(configuration: other, say: { _ in }).run() } throws: { error in
            guard case RunError.resumeMismatch(_, let differences) = error else { return false }
            return differences == ["--backbone is efficientnet-lite0, the checkpoint's run used mobilenetv2"]
        }
    }

    @Test("--unfreeze-from names a layer of the chosen base, or the error lists its convolutions")
    func unknownUnfreezeLayer() throws {
        let data = try ThreeClassData()
        defer { data.remove() }
        var c = data.configuration()
        c.backbone = .efficientnetLite0
        c.unfreezeFrom = "block5_conv1"
        #expect { try TrainWorkflow(configuration: c, say: { _ in }).run() } throws: {
            "\($0)".contains("--unfreeze-from") && "\($0)".contains("block6a_expand_conv") && "\($0)".contains("stem_conv, block1a_dwconv")
        }
    }
}
