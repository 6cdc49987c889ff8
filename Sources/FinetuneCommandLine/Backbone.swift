import ArgumentParser
import Foundation
import Finetune

/// The convolutional bases the tools build (`--backbone`), each with Keras' layer names, the
/// preprocessing its published weights were trained with, and how its weights files load.
package enum Backbone: String, CaseIterable, Sendable, ExpressibleByArgument {
    case vgg16

    /// The names `--backbone` accepts, for help texts and errors.
    package static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// The name of the base inside a model (what `FreezePolicy.all(of:)` freezes in phase 1).
    package var baseName: String {
        switch self {
        case .vgg16: return "vgg16"
        }
    }

    /// The `--preprocessing` word the backbone's pretrained weights expect (Keras'
    /// `preprocess_input` for the network).
    package var pretrainedPreprocessing: String {
        switch self {
        case .vgg16: return "caffe"
        }
    }

    /// The base for images of `inputShape` (height, width, 3), with all-zero weights to be
    /// replaced by loaded ones.
    package func base(inputShape: Shape) throws -> any Layer {
        switch self {
        case .vgg16: return try VGG16.base(inputShape: inputShape)
        }
    }

    /// Loads the pretrained weights file at `url` into `base`, strictly (names and shapes); returns
    /// a phrase describing what was read.
    package func loadWeights(from url: URL, into base: inout any Layer) throws -> String {
        switch self {
        case .vgg16:
            let file = try KerasWeights.readIsolated(from: url)
            _ = try file.load(into: &base, scope: .convolutions)
            return "VGG16 convolution weights (\(file.layout) layout)"
        }
    }
}
