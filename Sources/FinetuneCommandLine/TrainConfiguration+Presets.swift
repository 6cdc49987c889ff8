import Finetune

extension TrainConfiguration {
    /// Chollet's cats-vs-dogs run as `demo-catsdogs` runs it: ``TwoPhaseRecipe/chollet`` with a
    /// binary head on `train/`, `validation/` and `test/` (all three required, exactly two
    /// classes), the recipe's steps per epoch, validation steps and test steps, and no
    /// `best.ftckpt` (the recipe keeps no checkpoint of its best epoch), into `demo-out`.
    /// Without `data`: a generated two-class dataset and the short schedule of
    /// ``generatedDataRecipe``.
    package static func cholletCatsVsDogs(data: String?) -> TrainConfiguration {
        let recipe = data == nil ? generatedDataRecipe : .chollet
        var c = TrainConfiguration(data: data ?? "", recipe: recipe)
        c.generatesData = data == nil
        c.requiredSplits = ["train", "validation", "test"]
        c.classMode = .binary
        (c.stepsPerEpoch, c.validationSteps, c.testSteps) = (recipe.stepsPerEpoch, recipe.validationSteps, recipe.testSteps)
        c.keepBestCheckpoint = false
        c.out = "demo-out"
        c.commandName = "demo-catsdogs"
        return c
    }

    /// Chollet's recipe on a schedule for `demo-catsdogs`' generated dataset (circles vs squares),
    /// which ends in about a minute on 2 cores: 64×64 images, 3 + 3 epochs of 10 steps, 5
    /// validation and 5 test steps.
    package static let generatedDataRecipe: TwoPhaseRecipe = {
        var recipe = TwoPhaseRecipe.chollet
        recipe.imageSize = 64
        (recipe.phase1.epochs, recipe.phase2.epochs) = (3, 3)
        (recipe.stepsPerEpoch, recipe.validationSteps, recipe.testSteps) = (10, 5, 5)
        return recipe
    }()
}
