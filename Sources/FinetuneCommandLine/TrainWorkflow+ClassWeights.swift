import Foundation
import Finetune

extension TrainWorkflow {
    /// `--class-weight`: nil for `none`; scikit-learn's balanced weights from the training images
    /// of each class (`counts`) for `auto`; else the JSON file `{"class": weight, …}`, which must
    /// name every class of `classes` and nothing else, each weight finite and ≥ 0. Says what it
    /// chose.
    func classWeights(classes: [String], counts: [Int]) throws -> ClassWeights? {
        let setting = configuration.classWeight
        let weights: ClassWeights
        switch setting {
        case "none":
            return nil
        case "auto":
            weights = .balanced(counts: counts)
        default:
            weights = try Self.readClassWeights(file: setting, classes: classes)
        }
        let listed = zip(classes, weights.weights).map { "\($0)=\(String(format: "%.4g", $1))" }.joined(separator: ", ")
        say("Class weights (--class-weight \(setting)): \(listed).")
        return weights
    }

    static func readClassWeights(file: String, classes: [String]) throws -> ClassWeights {
        func refuse(_ expected: String, value: String = file) -> CommandLineError {
            .invalidValue(flag: "--class-weight", value: value, expected: expected)
        }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw CommandLineError.missingFile(flag: "--class-weight", path: file)
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw refuse("a JSON object of weights by class name, e.g. {\"\(classes.first ?? "cats")\": 1.0, …}")
        }
        if let unknown = object.keys.sorted().first(where: { !classes.contains($0) }) {
            throw refuse("only the class folders \(classes.joined(separator: ", ")); '\(unknown)' is not one")
        }
        return ClassWeights(try classes.map { name in
            guard let value = object[name] else { throw refuse("a weight for every class; '\(name)' has none") }
            guard let number = (value as? NSNumber)?.doubleValue, number.isFinite, number >= 0 else {
                throw refuse("weights that are numbers ≥ 0; '\(name)' has \(value)")
            }
            return Float(number)
        })
    }
}
