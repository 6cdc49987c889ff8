import Testing
import FinetuneCore
import FinetuneNN
import FinetuneData
@testable import FinetuneTraining

@Suite("TwoPhaseRecipe")
struct TwoPhaseRecipeTests {
    @Test("Chollet's recipe holds the book's numbers (Deep Learning with Python, ch. 5.3)")
    func cholletsNumbers() {
        let r = TwoPhaseRecipe.chollet
        #expect(r.imageSize == 150 && r.batchSize == 20 && r.denseUnits == 256)
        #expect(r.augmentation == Augmentation(rotationRange: 40, widthShiftRange: 0.2, heightShiftRange: 0.2, shearRange: 0.2,
                                               zoom: 0.2, horizontalFlip: true, fillMode: .nearest, semantics: .keras3))
        #expect(r.preprocessing == .rescale(Float(1.0 / 255.0)))
        #expect(r.phase1 == TwoPhaseRecipe.Phase(learningRate: 2e-5, epochs: 30))
        #expect(r.phase2 == TwoPhaseRecipe.Phase(learningRate: 1e-5, epochs: 100))
        #expect(r.stepsPerEpoch == 100 && r.validationSteps == 50 && r.testSteps == 50 && r.unfreezeFrom == "block5_conv1")
    }

    @Test("its model, freeze policies and optimizers are Chollet's: 2,097,665 trainable in phase 1, 9,177,089 in phase 2")
    func modelAndPhases() throws {
        let r = TwoPhaseRecipe.chollet
        let model = try r.model()   // all-zero weights: only the shapes matter
        #expect(model.parameterCount == 16_812_353 && model.layers.map(\.name) == ["vgg16", "flatten", "dense", "dense_1"])
        #expect(try r.phase1Freezing.apply(to: model).trainableParameters == 2_097_665)
        #expect(try r.phase2Freezing.apply(to: model).trainableParameters == 9_177_089)
        #expect(r.phase1.optimizer().learningRate == 2e-5 && r.phase2.optimizer().learningRate == 1e-5)
        #expect(r.phase2.optimizer().state.isEmpty, "each phase starts a fresh optimizer")
    }

    @Test("model(widths:using:) draws the same weights as VGG16.binaryClassifier at the recipe's size and head")
    func sameDraws() throws {
        var recipe = TwoPhaseRecipe.chollet
        (recipe.imageSize, recipe.denseUnits) = (32, 8)
        var a = SeededRNG(seed: 3), b = SeededRNG(seed: 3)
        let ours = try recipe.model(widths: VGG16.reducedWidths, using: &a)
        let reference = try VGG16.binaryClassifier(inputShape: [32, 32, 3], widths: VGG16.reducedWidths, denseUnits: 8, using: &b)
        #expect(ours.parameterDictionary == reference.parameterDictionary)
        #expect(a.next() == b.next())
    }
}
