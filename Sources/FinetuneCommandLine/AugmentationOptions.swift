import ArgumentParser
import Finetune

/// Random augmentation flags (Keras' `ImageDataGenerator` arguments), shared by `train` and
/// `augment-preview`; the defaults are Chollet's recipe.
package struct AugmentationOptions: ParsableArguments {
    @Option(help: "Random rotation range in degrees.")
    package var rotation: Double = 40

    @Option(name: .customLong("width-shift"), help: "Random horizontal shift, fraction of width.")
    package var widthShift: Double = 0.2

    @Option(name: .customLong("height-shift"), help: "Random vertical shift, fraction of height.")
    package var heightShift: Double = 0.2

    @Option(help: "Random shear angle in degrees.")
    package var shear: Double = 0.2

    @Option(help: "Random zoom range: zoom drawn from [1 − z, 1 + z].")
    package var zoom: Double = 0.2

    @Option(name: .customLong("fill-mode"), help: "How points outside the image are filled: nearest, constant, reflect, wrap.")
    package var fillMode: String = "nearest"

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

    package init() {}

    /// The augmentation these flags describe (`nil` with `--no-augment`); throws a
    /// `ValidationError` naming the flag.
    package func augmentation() throws -> Augmentation? {
        guard !noAugment else { return nil }
        let augmentation = Augmentation(rotationRange: rotation, widthShiftRange: widthShift, heightShiftRange: heightShift,
                                        shearRange: shear, zoom: zoom, horizontalFlip: !noFlip, fillMode: try fillModeValue())
        do { try augmentation.validate() } catch { throw ValidationError("augmentation flags: \(error)") }
        return augmentation
    }

    func fillModeValue() throws -> Augmentation.FillMode { try Self.fillMode(fillMode) }

    /// `--fill-mode`'s word as the library's value.
    package static func fillMode(_ fillMode: String) throws -> Augmentation.FillMode {
        switch fillMode {
        case "nearest": return .nearest
        case "constant": return .constant(0)
        case "reflect": return .reflect
        case "wrap": return .wrap
        default: throw ValidationError("--fill-mode must be nearest, constant, reflect or wrap, got '\(fillMode)'")
        }
    }

    /// `--augmentation-randomness` as the library's value.
    package func randomness() throws -> AugmentationRandomness { try Self.randomness(augmentationRandomness) }

    /// `--augmentation-randomness`'s word as the library's value.
    package static func randomness(_ augmentationRandomness: String) throws -> AugmentationRandomness {
        switch augmentationRandomness {
        case "per-sample": return .perSample
        case "keras": return .kerasStream
        default: throw ValidationError("--augmentation-randomness must be per-sample or keras, got '\(augmentationRandomness)'")
        }
    }
}
