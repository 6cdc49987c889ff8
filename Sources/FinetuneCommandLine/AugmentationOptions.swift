import ArgumentParser
import Foundation
import Finetune

/// Random augmentation flags (Keras' `ImageDataGenerator` arguments), shared by `finetune train`,
/// `demo-catsdogs` and `augment-preview`. A range left out keeps the augmentation the flags are
/// applied to (``augmentation(from:)``): Chollet's recipe.
package struct AugmentationOptions: ParsableArguments {
    static let recipe = TwoPhaseRecipe.chollet.augmentation

    @Option(help: "Random rotation range in degrees, in [0, 180] (default: Chollet's \(Self.format(Self.recipe.rotationRange))).")
    package var rotation: Double?

    @Option(name: .customLong("width-shift"), help: "Random horizontal shift, a fraction of the width in [0, 1) (default: Chollet's \(Self.format(Self.recipe.widthShiftRange))).")
    package var widthShift: Double?

    @Option(name: .customLong("height-shift"), help: "Random vertical shift, a fraction of the height in [0, 1) (default: Chollet's \(Self.format(Self.recipe.heightShiftRange))).")
    package var heightShift: Double?

    @Option(help: "Random shear angle in degrees, in [0, 90) (default: Chollet's \(Self.format(Self.recipe.shearRange))).")
    package var shear: Double?

    @Option(help: "Random zoom range z in [0, 1): zoom drawn from [1 − z, 1 + z] (default: Chollet's \(Self.format((Self.recipe.zoomRange.upperBound - Self.recipe.zoomRange.lowerBound) / 2))).")
    package var zoom: Double?

    @Option(name: .customLong("fill-mode"), help: "How points outside the image are filled: nearest, constant, reflect or wrap (default: Chollet's \(Self.name(of: Self.recipe.fillMode))).")
    package var fillMode: String?

    @Flag(name: .customLong("no-flip"), help: "No random horizontal flips.")
    package var noFlip = false

    @Flag(name: .customLong("no-augment"), help: "Train on un-augmented images.")
    package var noAugment = false

    @Option(name: .customLong("augmentation-randomness"), help: Self.randomnessHelp)
    package var augmentationRandomness: String = "per-sample"

    /// The help of `--augmentation-randomness`, for every tool that has the flag.
    package static let randomnessHelp = ArgumentHelp(
        "per-sample (each image's draws depend only on seed, pass and image) or keras (Keras' ImageDataGenerator stream, for side-by-side runs).",
        valueName: "per-sample|keras")

    static let fillModes = ["nearest", "constant", "reflect", "wrap"]
    static let randomnessNames = ["per-sample", "keras"]

    package init() {}

    /// Every range finite and within what Keras' formulas make sense for, every word known.
    package func validate() throws {
        try FlagCheck.real("--rotation", rotation, "degrees in [0, 180]") { (0...180).contains($0) }
        try FlagCheck.real("--width-shift", widthShift, "a fraction of the width in [0, 1)") { $0 >= 0 && $0 < 1 }
        try FlagCheck.real("--height-shift", heightShift, "a fraction of the height in [0, 1)") { $0 >= 0 && $0 < 1 }
        try FlagCheck.real("--shear", shear, "degrees in [0, 90)") { $0 >= 0 && $0 < 90 }
        try FlagCheck.real("--zoom", zoom, "z in [0, 1) (zoom is drawn from [1 − z, 1 + z])") { $0 >= 0 && $0 < 1 }
        try FlagCheck.word("--fill-mode", fillMode, in: Self.fillModes)
        try FlagCheck.word("--augmentation-randomness", augmentationRandomness, in: Self.randomnessNames)
    }

    /// `base` with the ranges these flags give (`nil` with `--no-augment`); throws a
    /// `ValidationError` naming the flag.
    package func augmentation(from base: Augmentation = TwoPhaseRecipe.chollet.augmentation) throws -> Augmentation? {
        guard !noAugment else { return nil }
        var augmentation = base
        if let rotation { augmentation.rotationRange = rotation }
        if let widthShift { augmentation.widthShiftRange = widthShift }
        if let heightShift { augmentation.heightShiftRange = heightShift }
        if let shear { augmentation.shearRange = shear }
        if let zoom { augmentation.zoomRange = Augmentation(zoom: zoom).zoomRange }
        if let fillMode { augmentation.fillMode = try Self.fillMode(fillMode) }
        if noFlip { augmentation.horizontalFlip = false }
        do { try augmentation.validate() } catch { throw ValidationError("augmentation flags: \(error)") }
        return augmentation
    }

    /// `--fill-mode`'s word as the library's value.
    package static func fillMode(_ fillMode: String) throws -> Augmentation.FillMode {
        switch fillMode {
        case "nearest": return .nearest
        case "constant": return .constant(0)
        case "reflect": return .reflect
        case "wrap": return .wrap
        default: throw FlagCheck.notAccepted("--fill-mode", fillMode, words: fillModes)
        }
    }

    /// The `--fill-mode` word of `fillMode`.
    static func name(of fillMode: Augmentation.FillMode) -> String {
        switch fillMode {
        case .nearest: return "nearest"
        case .constant: return "constant"
        case .reflect: return "reflect"
        case .wrap: return "wrap"
        }
    }

    /// `--augmentation-randomness` as the library's value.
    package func randomness() throws -> AugmentationRandomness { try Self.randomness(augmentationRandomness) }

    /// `--augmentation-randomness`'s word as the library's value.
    package static func randomness(_ augmentationRandomness: String) throws -> AugmentationRandomness {
        switch augmentationRandomness {
        case "per-sample": return .perSample
        case "keras": return .kerasStream
        default: throw FlagCheck.notAccepted("--augmentation-randomness", augmentationRandomness, words: randomnessNames)
        }
    }

    /// A range as the help shows it: `40`, `0.2`.
    static func format(_ value: Double) -> String { String(format: "%g", value) }
}
