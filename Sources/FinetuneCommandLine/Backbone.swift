import ArgumentParser
import Foundation
import Finetune

/// The convolutional bases the tools build (`--backbone`), each with Keras' layer names, the
/// preprocessing its published weights were trained with, and how its weights files load.
package enum Backbone: String, CaseIterable, Sendable, ExpressibleByArgument {
    case vgg16
    case resnet50
    case mobilenetv2

    /// The names `--backbone` accepts, for help texts and errors.
    package static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// The `--preprocessing` word the backbone's pretrained weights expect (Keras'
    /// `preprocess_input` for the network).
    package var pretrainedPreprocessing: String {
        switch self {
        case .vgg16, .resnet50: return "caffe"
        case .mobilenetv2: return "tf"
        }
    }

    /// The base for images of `inputShape` (height, width, 3), with all-zero weights to be
    /// replaced by loaded ones.
    package func base(inputShape: Shape) throws -> any Layer {
        switch self {
        case .vgg16: return try VGG16.base(inputShape: inputShape)
        case .resnet50: return try Applications.resNet50(inputShape: inputShape)
        case .mobilenetv2: return try Applications.mobileNetV2(inputShape: inputShape)
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
        case .resnet50, .mobilenetv2:
            let file = try KerasWeights.readIsolated(from: url)
            _ = try file.load(into: &base, scope: .all)
            return "\(self == .resnet50 ? "ResNet50" : "MobileNetV2") weights (\(file.layout) layout)"
        }
    }
}
