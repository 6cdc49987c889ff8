import Foundation
import Testing
import FinetuneCore
import FinetuneNN
import FinetuneData
import FinetuneTestSupport
@testable import FinetuneTraining

// The Swift code of Documentation/Finetune.docc/TwoPhaseTransfer.md, FreezePolicies.md,
// WritingACallback.md and Goldens.md, verbatim
// (the articles say `import Finetune`; the sync test below ignores import lines). Change both
// together: `DocExampleTests` fails when an article's code block is not found here.

// MARK: TwoPhaseTransfer.md

/// Chollet's recipe step by step: VGG16 base + new head; train the head with the base frozen;
/// unfreeze from `recipe.unfreezeFrom` and fine-tune with a fresh, slower RMSprop; evaluate on
/// the test set.
func twoPhaseTransfer(train: inout some DataSource, validation: some DataSource, test: inout some DataSource,
                      recipe: TwoPhaseRecipe = .chollet, widths: [Int] = VGG16.standardWidths,
                      verbose: Bool = true) throws -> (trainer: Trainer, test: (loss: Double, accuracy: Double)) {
    var rng = SeededRNG(seed: 42)
    // The convolutional base (load pretrained VGG16 weights into it here) and a new head.
    let base = try VGG16.base(inputShape: recipe.inputShape, widths: widths, using: &rng)
    let features = try base.outputShape(for: Shape([1] + recipe.inputShape.dimensions)).scalarCount
    let model = try Sequential(name: "sequential", inputShape: recipe.inputShape, [
        base,
        Layers.flatten(name: "flatten"),
        Layers.dense(name: "dense", inputSize: features, units: recipe.denseUnits, activation: .relu, using: &rng),
        Layers.dense(name: "dense_1", inputSize: recipe.denseUnits, units: 1, activation: .sigmoid, using: &rng),
    ])
    // Phase 1: the whole base is frozen; only the head trains.
    let trainer = try Trainer(model: model, optimizer: recipe.phase1.optimizer(), freezing: .all(of: "vgg16"))
    try trainer.fit(&train, epochs: recipe.phase1.epochs, stepsPerEpoch: recipe.stepsPerEpoch, validation: validation,
                    validationSteps: recipe.validationSteps, callbacks: [Callbacks.progressBar(quiet: !verbose)])
    // Phase 2: block5 and the head train, with a fresh RMSprop at a lower learning rate.
    try trainer.beginPhase(freezing: .from(recipe.unfreezeFrom), optimizer: recipe.phase2.optimizer())
    try trainer.fit(&train, epochs: recipe.phase2.epochs, stepsPerEpoch: recipe.stepsPerEpoch, validation: validation,
                    validationSteps: recipe.validationSteps, callbacks: [Callbacks.progressBar(quiet: !verbose)])
    return (trainer, try trainer.evaluate(&test, steps: recipe.testSteps))
}

// MARK: FreezePolicies.md

/// Three ways to split Chollet's model into trainable and frozen parameters.
func freezePolicyExamples(_ model: Sequential) throws -> (phase1: FreezeReport, phase2: FreezeReport, custom: FreezeReport) {
    let phase1 = try FreezePolicy.all(of: "vgg16").apply(to: model)
    let phase2 = try FreezePolicy.from("block5_conv1").apply(to: model)
    let custom = try FreezePolicy.all(of: "vgg16")          // start from phase 1,
        .then(.unfreeze("block4_conv3", "block5_conv3"))    // train two convolutions,
        .then(.freeze("dense"))                             // but not the first dense layer
        .apply(to: model)
    return (phase1, phase2, custom)
}

// MARK: WritingACallback.md

/// Halves the learning rate when `val_loss` has not improved for `patience` epochs (a small
/// ReduceLROnPlateau), and stops training once the rate would fall below `minimum`.
final class HalveOnPlateau: Callback {
    let patience: Int
    let minimum: Float
    private(set) var best = Double.infinity
    private(set) var wait = 0
    private(set) var failure: (any Error)?

    init(patience: Int = 3, minimum: Float = 1e-7) {
        self.patience = patience
        self.minimum = minimum
    }

    func trainBegin(_ info: TrainBeginInfo, control: TrainingControl) {
        wait = 0   // `best` is kept, so phase 2 must beat phase 1
    }

    func epochEnd(_ record: EpochRecord, control: TrainingControl) -> CallbackAction {
        guard let loss = record.validationLoss else {
            failure = PlateauError.noValidation(epoch: record.epoch)
            return .stopTraining
        }
        if loss < best {
            best = loss
            wait = 0
            return .proceed
        }
        wait += 1
        guard wait >= patience else { return .proceed }
        wait = 0
        let halved = control.learningRate / 2
        guard halved >= minimum else { return .stopTraining }
        control.learningRate = halved
        return .proceed
    }
}

enum PlateauError: Error, CustomStringConvertible {
    case noValidation(epoch: Int)
    var description: String {
        switch self {
        case let .noValidation(epoch):
            return "HalveOnPlateau watches val_loss, but epoch \(epoch) had no validation: pass validation: to fit"
        }
    }
}

// MARK: Goldens.md

@Test("Dense matches Keras 3 on a golden case", .tags(.golden))
func denseMatchesKeras() throws {
    let golden = try GoldenSuite.load("nn").named("layer.dense.relu")
    let layer = try Dense(name: "dense", kernel: try golden.tensor("kernel"), bias: try golden.tensor("bias"),
                          activation: .relu)
    var context = ForwardContext(mode: .training, trainable: ["dense.kernel", "dense.bias"], needsInputGradient: true)
    let (y, pullback) = layer.forward(try golden.tensor("x"), context: &context)
    let backward = try #require(pullback)
    let gradients = backward(try golden.tensor("dy"))
    expectClose(y, try golden.tensor("y"), tolerance: golden.tolerance, "\(golden.name) y")
    expectClose(try #require(gradients.input), try golden.tensor("dx"), tolerance: golden.tolerance, "\(golden.name) dx")
    expectClose(try #require(gradients.parameters["dense.kernel"]), try golden.tensor("dkernel"),
                tolerance: golden.tolerance, "\(golden.name) dkernel")
}

// MARK: Tests

@Suite("Documentation examples")
struct DocExampleTests {
    /// Deterministic toy images: label 1 images are brighter, so the task is learnable.
    static func source(count: Int, size: Int, batch: Int, seed: UInt64) -> TensorSource {
        var rng = SeededRNG(seed: seed)
        var images: [Float] = [], labels: [Float] = []
        for i in 0..<count {
            let label = Float(i % 2)
            labels.append(label)
            for _ in 0..<(size * size * 3) { images.append(rng.nextUnitFloat() * 0.5 + 0.5 * label) }
        }
        return TensorSource(images: Tensor(shape: [count, size, size, 3], scalars: images),
                            labels: Tensor(shape: [count, 1], scalars: labels), batchSize: batch)
    }

    @Test("the two-phase example trains the head, then block5 and the head, and evaluates")
    func twoPhase() throws {
        var train = Self.source(count: 8, size: 32, batch: 4, seed: 1)
        let validation = Self.source(count: 4, size: 32, batch: 4, seed: 2)
        var test = Self.source(count: 4, size: 32, batch: 4, seed: 3)
        var recipe = TwoPhaseRecipe.chollet
        recipe.imageSize = 32
        (recipe.phase1.epochs, recipe.phase2.epochs) = (2, 1)
        (recipe.stepsPerEpoch, recipe.validationSteps, recipe.testSteps) = (2, 1, 1)   // one pass of each source
        let (trainer, result) = try twoPhaseTransfer(train: &train, validation: validation, test: &test,
                                                     recipe: recipe, widths: VGG16.reducedWidths, verbose: false)
        #expect(trainer.history.epochs.map(\.epoch) == [1, 2, 3], "epochs continue across phases")
        #expect(trainer.history.epochs.map(\.phase) == [1, 1, 2])
        #expect(trainer.history.validationLoss.count == 3)
        #expect(trainer.history.epochs.map(\.learningRate) == [Double(Float(2e-5)), Double(Float(2e-5)), Double(Float(1e-5))])
        #expect(trainer.trainable == Set(["block5_conv1", "block5_conv2", "block5_conv3", "dense", "dense_1"]
            .flatMap { [$0 + ".kernel", $0 + ".bias"] }))
        #expect(result.loss.isFinite && (0...1).contains(result.accuracy))

        // The example's initial weights, drawn again: frozen layers must still hold them.
        var rng = SeededRNG(seed: 42)
        let initial = try VGG16.base(inputShape: [32, 32, 3], widths: VGG16.reducedWidths, using: &rng).parameterDictionary
        let final = trainer.model.parameterDictionary
        for key in ["block1_conv1.kernel", "block4_conv3.kernel", "block4_conv3.bias"] {
            #expect(final[key] == initial[key], "\(key) is frozen in both phases but changed")
        }
        #expect(final["block5_conv1.kernel"] != initial["block5_conv1.kernel"], "block5_conv1 trains in phase 2")
    }

    @Test("HalveOnPlateau halves the rate after `patience` flat epochs and stops at the floor")
    func plateau() {
        let control = FakeControl()
        control.learningRate = 4e-7
        let callback = HalveOnPlateau(patience: 2, minimum: 1e-7)
        var rates: [Float] = []
        let probe = LambdaCallback(onEpochEnd: { _, control in rates.append(control.learningRate); return .proceed })
        // best at epoch 2; epochs 3–4 flat → halve (2e-7); 5–6 flat → halve (1e-7); 7–8 flat → stop.
        let ran = simulateFit([callback, probe], records: records(valLoss: [0.5, 0.4, 0.45, 0.41, 0.42, 0.43, 0.44, 0.46, 0.1]),
                              control: control)
        #expect(ran == [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(rates == [4e-7, 4e-7, 4e-7, 2e-7, 2e-7, 1e-7, 1e-7, 1e-7])
        #expect(callback.best == 0.4)
        #expect(callback.failure == nil)
    }

    @Test("a callback's failure ends fit with its error")
    func failureEndsFit() throws {
        var rng = SeededRNG(seed: 5)
        let model = try Sequential([Flatten(), Dense(name: "dense", inputSize: 12, units: 1, activation: .sigmoid, using: &rng)])
        let trainer = try Trainer(model: model, optimizer: SGD())
        var train = Self.source(count: 4, size: 2, batch: 2, seed: 6)
        let callback = HalveOnPlateau()
        #expect(throws: PlateauError.self) { try trainer.fit(&train, epochs: 3, callbacks: [callback]) }
        #expect(trainer.epochsCompleted == 1, "fit ends at the first epoch end without validation")
        #expect(callback.failure.map { "\($0)" }?.contains("pass validation: to fit") == true)
    }

    @Test("FreezePolicies.md: its policies and the parameter counts it quotes")
    func freezeCounts() throws {
        let model = try VGG16.binaryClassifier()   // all-zero weights: only the shapes matter
        #expect(model.parameterCount == 16_812_353)
        let (phase1, phase2, custom) = try freezePolicyExamples(model)
        #expect(phase1.trainableParameters == 2_097_665 && phase1.nonTrainableParameters == 14_714_688)
        #expect(phase2.trainableParameters == 9_177_089 && phase2.nonTrainableParameters == 7_635_264)
        #expect(custom.trainableKeys == Set(["block4_conv3", "block5_conv3", "dense_1"].flatMap { [$0 + ".kernel", $0 + ".bias"] }))
        #expect(phase1.description == "Trainable params: 2,097,665; non-trainable params: 14,714,688; trainable layers: dense, dense_1")
        #expect(phase2.description == "Trainable params: 9,177,089; non-trainable params: 7,635,264; "
                + "trainable layers: block5_conv1, block5_conv2, block5_conv3, dense, dense_1")
    }

    // MARK: keeping the articles and the catalog honest

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let catalog = repository.appendingPathComponent("Documentation/Finetune.docc")

    @Test("each article's Swift code is this file's code, verbatim", arguments: ["TwoPhaseTransfer.md", "FreezePolicies.md", "WritingACallback.md", "Goldens.md"])
    func articleCodeIsTested(_ article: String) throws {
        let text = try String(contentsOf: Self.catalog.appendingPathComponent(article), encoding: .utf8)
        let source = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        let blocks = swiftCodeBlocks(in: text)
        #expect(!blocks.isEmpty, "\(article) has no ```swift block")
        for block in blocks {
            let found = source.contains(block)   // (not inside #expect, which would print the whole file)
            #expect(found, "\(article): this block is not in DocExampleTests.swift:\n\(block)")
        }
    }

    @Test("every catalog file is linked into Sources/Finetune/Finetune.docc, where SwiftPM and DocC see it")
    func catalogLinked() throws {
        let fm = FileManager.default
        let articles = try fm.contentsOfDirectory(atPath: Self.catalog.path).filter { !$0.hasPrefix(".") }.sorted()
        #expect(articles.contains("Finetune.md"))
        let linked = Self.repository.appendingPathComponent("Sources/Finetune/Finetune.docc")
        for name in articles {
            let link = linked.appendingPathComponent(name).path
            let target = try? fm.destinationOfSymbolicLink(atPath: link)
            #expect(target == "../../../Documentation/Finetune.docc/" + name,
                    "add it: ln -s ../../../Documentation/Finetune.docc/\(name) Sources/Finetune/Finetune.docc/\(name)")
        }
        let extra = try fm.contentsOfDirectory(atPath: linked.path).filter { !$0.hasPrefix(".") && !articles.contains($0) }
        #expect(extra.isEmpty, "links without a catalog file: \(extra)")
    }
}

/// The ```swift blocks of a Markdown text, without their `import` lines.
func swiftCodeBlocks(in markdown: String) -> [String] {
    var blocks: [String] = [], current: [Substring]?
    for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
        if current == nil, line.hasPrefix("```swift") {
            current = []
        } else if let lines = current, line.hasPrefix("```") {
            blocks.append(lines.filter { !$0.hasPrefix("import ") }.joined(separator: "\n")
                .trimmingCharacters(in: .whitespacesAndNewlines))
            current = nil
        } else if current != nil {
            current!.append(line)
        }
    }
    return blocks
}
