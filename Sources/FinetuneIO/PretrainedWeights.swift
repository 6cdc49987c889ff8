import Foundation

/// Keras' published ImageNet weights of the application backbones without their classifier
/// (`include_top=False`), fetched, checked and cached the way `keras.applications` does.
///
/// ```swift
/// let url = try PretrainedWeights.fetch(.vgg16)   // ~/.keras/models/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5
/// try KerasWeights.read(from: url).load(into: &model, scope: .convolutions)
/// ```
///
/// Each file comes from Keras' canonical address
/// (`https://storage.googleapis.com/tensorflow/keras-applications/<folder>/<file>`, the URLs in
/// `keras/src/applications/*.py`), is checked against the MD5 `file_hash` Keras publishes for it,
/// and is kept in Keras' own cache, `$KERAS_HOME/models/` (default `~/.keras/models/`), so a file
/// Keras downloaded is reused and Keras reuses Finetune's. See ``fetch(_:)`` for resuming,
/// verification and what happens offline.
public enum PretrainedWeights: String, CaseIterable, Sendable {
    /// `keras.applications.VGG16` (Simonyan & Zisserman 2014).
    case vgg16
    /// `keras.applications.VGG19`.
    case vgg19
    /// `keras.applications.ResNet50` (He et al. 2015).
    case resnet50
    /// `keras.applications.ResNet101`.
    case resnet101
    /// `keras.applications.ResNet152`.
    case resnet152
    /// `keras.applications.ResNet50V2` (He et al. 2016, pre-activation).
    case resnet50v2
    /// `keras.applications.ResNet101V2`.
    case resnet101v2
    /// `keras.applications.ResNet152V2`.
    case resnet152v2
    /// `keras.applications.MobileNetV2` with `alpha=1.0` and 224×224 inputs (Sandler et al. 2018).
    /// Keras publishes no hash for it, so neither Keras nor Finetune can verify it.
    case mobilenetv2

    /// Keras' download address of the file.
    package var url: URL { URL(string: Self.canonicalBase + folder + "/" + fileName)! }

    /// Where Keras keeps the file, and ``fetch(_:)`` puts it: `$KERAS_HOME/models/` (default
    /// `~/.keras/models/`) and Keras' file name.
    package var cachedFile: URL { Self.cacheDirectory().appendingPathComponent(fileName) }

    /// Keras' base address of the application weights.
    package static let canonicalBase = "https://storage.googleapis.com/tensorflow/keras-applications/"

    /// The folder under ``canonicalBase``.
    package var folder: String {
        switch self {
        case .vgg16, .vgg19: return rawValue
        case .resnet50, .resnet101, .resnet152, .resnet50v2, .resnet101v2, .resnet152v2: return "resnet"
        case .mobilenetv2: return "mobilenet_v2"
        }
    }

    /// The file name, which is also its name in Keras' cache.
    package var fileName: String {
        switch self {
        case .mobilenetv2: return "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5"
        default: return "\(rawValue)_weights_tf_dim_ordering_tf_kernels_notop.h5"
        }
    }

    /// The `file_hash` Keras passes to `get_file` for this file (MD5, hex), or `nil` where Keras
    /// passes none (`mobilenet_v2.py`). From `keras/src/applications/vgg16.py`, `vgg19.py` and
    /// `resnet.py`'s `WEIGHTS_HASHES` (the second of each pair: no top), Keras 3.15.
    package var fileHash: String? {
        switch self {
        case .vgg16: return "6d6bbae143d832006294945121d1f1fc"
        case .vgg19: return "253f8cb515780f3b799900260a226db6"
        case .resnet50: return "4d473c1dd8becc155b73f8504c6f6626"
        case .resnet101: return "88cf7a10940856eca736dc7b7e228a21"
        case .resnet152: return "ee4c566cf9a93f14d82f913c2dc6dd0c"
        case .resnet50v2: return "fac2f116257151a9d068a22e544a4917"
        case .resnet101v2: return "c0ed64b8031c3730f411d2eb4eea35b5"
        case .resnet152v2: return "ed17cf2e0169df9d443503ef94b23b33"
        case .mobilenetv2: return nil
        }
    }

    /// The file's address under `base` (Keras' canonical address unless
    /// `$FINETUNE_WEIGHTS_BASE_URL` names a mirror with the same folders).
    package func url(environment: [String: String]) -> URL {
        guard let base = environment["FINETUNE_WEIGHTS_BASE_URL"], !base.isEmpty else { return url }
        let root = URL(string: base.hasSuffix("/") ? base : base + "/")
        return root.flatMap { URL(string: folder + "/" + fileName, relativeTo: $0)?.absoluteURL } ?? url
    }

    /// Keras' cache folder for models, as `keras.utils.get_file(cache_subdir="models")` resolves it:
    /// `$KERAS_HOME/models`, else `~/.keras/models`; when that base folder exists but cannot be
    /// written, `/tmp/.keras/models` (Keras falls back the same way).
    package static func cacheDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        let fm = FileManager.default
        var base: URL
        if let home = environment["KERAS_HOME"], !home.isEmpty {
            base = URL(fileURLWithPath: (home as NSString).expandingTildeInPath)
        } else {
            let home = environment["HOME"].map { URL(fileURLWithPath: $0) } ?? fm.homeDirectoryForCurrentUser
            base = fm.isWritableFile(atPath: home.path) ? home.appendingPathComponent(".keras")
                : URL(fileURLWithPath: "/tmp/.keras")
        }
        if fm.fileExists(atPath: base.path), !fm.isWritableFile(atPath: base.path) { base = URL(fileURLWithPath: "/tmp/.keras") }
        return base.appendingPathComponent("models")
    }
}
