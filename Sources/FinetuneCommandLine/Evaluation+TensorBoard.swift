import Foundation
import Finetune

extension Evaluation {
    /// Logs the evaluation into the `evaluation` run of `logger` at `step`: the loss and accuracy
    /// under Keras' `evaluation_loss_vs_iterations` / `evaluation_acc_vs_iterations`, each class's
    /// `precision/<class>`, `recall/<class>` and `f1/<class>` scalars, the per-class table as the
    /// text `per_class`, and each of `images` (tag, PNG file) with the file's bytes.
    func log(to logger: TensorBoardLogger, step: Int, images: [(tag: String, png: URL)]) throws {
        try logger.logEvaluation(loss: loss, accuracy: accuracy, step: step)
        var values: [TensorBoardValue] = []
        for (name, scores) in zip(classNames, perClass) {
            values += [TensorBoardValue(tag: "precision/\(name)", .scalar(Float(scores.precision))),
                       TensorBoardValue(tag: "recall/\(name)", .scalar(Float(scores.recall))),
                       TensorBoardValue(tag: "f1/\(name)", .scalar(Float(scores.f1)))]
        }
        try logger.log(values, step: step, run: .evaluation)
        try logger.logText("per_class", perClassMarkdown, step: step, run: .evaluation)
        for image in images { try logger.logImage(image.tag, pngFile: image.png, step: step, run: .evaluation) }
        try logger.flush()
    }

    /// The per-class scores as a Markdown table (TensorBoard's text tab renders Markdown).
    var perClassMarkdown: String {
        var lines = ["| class | precision | recall | F1 | support |", "|---|---:|---:|---:|---:|"]
        for (name, s) in zip(classNames, perClass) {
            lines.append("| \(name) | " + String(format: "%.4f | %.4f | %.4f | %d |", s.precision, s.recall, s.f1, s.support))
        }
        lines.append(String(format: "\nloss %.4f, accuracy %.4f (balanced %.4f) on %d images", loss, accuracy, balancedAccuracy, labels.count))
        return lines.joined(separator: "\n")
    }
}
