#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Foundation

/// Interpretation of an evaluation, as fastai's `ClassificationInterpretation`: each image's
/// loss, the images with the highest loss (`top_losses` / `plot_top_losses`) and the class pairs
/// most often confused (`most_confused`).
extension Evaluation {
    /// Each image's loss, the model's cross-entropy as Keras computes it from probabilities (the
    /// NumPy/JAX backends, and TF on a tensor without logits): float32, p clipped to
    /// [ε, 1 − ε] with ε = 1e-7.
    ///
    /// - Sigmoid output (``sigmoidOutput``): p is the row's second entry (the output itself),
    ///   ℓ = −(z log p + (1 − z) log(1 − p)) with z the label.
    /// - Softmax: the row divided by its sum, clipped, ℓ = −log p[label].
    package var losses: [Float] {
        let epsilon: Float = 1e-7, high: Float = 1 - epsilon
        return zip(probabilities, labels).map { row, label in
            if sigmoidOutput {
                let p = min(max(row[1], epsilon), high), z = Float(label)
                return -(z * logf(p) + (1 - z) * logf(1 - p))
            }
            let sum = row.reduce(0, +)
            return -logf(min(max(row[label] / sum, epsilon), high))
        }
    }

    /// An image with a high loss: what the model said about it, and how sure it was.
    package struct TopLoss: Sendable, Equatable {
        /// Index into ``Evaluation/files``.
        package var index: Int
        package var file: String
        package var actual: Int
        package var predicted: Int
        /// The image's loss (``Evaluation/losses``).
        package var loss: Float
        /// Probability of the predicted class (fastai's caption shows this, the row's maximum).
        package var probability: Float
        /// Probability of the actual class.
        package var actualProbability: Float
    }

    /// The `k` images with the highest loss, highest first, ties in file order (fastai's
    /// `top_losses(k)`); right and wrong predictions alike.
    package func topLosses(_ k: Int) -> [TopLoss] {
        let losses = self.losses, predicted = self.predicted
        let order = losses.indices.sorted { losses[$0] != losses[$1] ? losses[$0] > losses[$1] : $0 < $1 }
        return order.prefix(max(0, k)).map { i in
            TopLoss(index: i, file: files[i], actual: labels[i], predicted: predicted[i], loss: losses[i],
                    probability: probabilities[i][predicted[i]], actualProbability: probabilities[i][labels[i]])
        }
    }

    /// How often images of one class were predicted as another.
    package struct ConfusedPair: Sendable, Equatable {
        package var actual: Int
        package var predicted: Int
        package var count: Int
    }

    /// fastai's `most_confused(min_val)`: every (actual, predicted) pair of different classes
    /// with at least `minimumCount` images, most frequent first; pairs with equal counts in
    /// (actual, predicted) order.
    package func mostConfused(minimumCount: Int = 1) -> [ConfusedPair] {
        let m = confusion
        var pairs: [ConfusedPair] = []
        for a in m.indices {
            for p in m[a].indices where a != p && m[a][p] >= minimumCount && m[a][p] > 0 {
                pairs.append(ConfusedPair(actual: a, predicted: p, count: m[a][p]))
            }
        }
        // Stable: equal counts keep the row-major order above.
        return pairs.enumerated().sorted { $0.element.count != $1.element.count ? $0.element.count > $1.element.count : $0.offset < $1.offset }
            .map(\.element)
    }

    /// The printed top losses, one line an image: loss, predicted / actual, probability, file.
    package func topLossesReport(_ top: [TopLoss]) -> String {
        var lines = ["top losses (loss, predicted / actual, probability of the prediction):"]
        if top.isEmpty { lines.append("  (none)") }
        for t in top {
            lines.append(String(format: "  %8.4f  ", Double(t.loss)) + "\(classNames[t.predicted]) / \(classNames[t.actual])"
                         + String(format: "  %.4f  ", Double(t.probability)) + t.file)
        }
        return lines.joined(separator: "\n")
    }

    /// The printed most confused pairs: actual → predicted, count.
    package func mostConfusedReport(_ pairs: [ConfusedPair], minimumCount: Int) -> String {
        var lines = ["most confused (actual → predicted: images), pairs with at least \(minimumCount):"]
        if pairs.isEmpty { lines.append("  (none)") }
        for pair in pairs {
            lines.append("  \(classNames[pair.actual]) → \(classNames[pair.predicted]): \(pair.count)")
        }
        return lines.joined(separator: "\n")
    }

    /// `evaluation.json`: the scores of ``report``, the top losses and the most confused pairs,
    /// and the files written beside it.
    package func json(topLosses top: [TopLoss], mostConfused pairs: [ConfusedPair], minimumCount: Int,
                      files written: [String]) throws -> Data {
        let scores = perClass
        func number(_ x: Double) -> Any { x.isFinite ? x : NSNull() }   // JSON has no NaN
        let object: [String: Any] = [
            "loss": number(loss), "accuracy": accuracy, "balanced_accuracy": balancedAccuracy,
            "images": labels.count, "classes": classNames,
            "per_class": zip(classNames, scores).map { name, s in
                ["class": name, "precision": s.precision, "recall": s.recall, "f1": s.f1, "support": s.support] as [String: Any]
            },
            "confusion_matrix": confusion,
            "top_losses": top.map { t in
                ["file": t.file, "actual": classNames[t.actual], "predicted": classNames[t.predicted],
                 "loss": number(Double(t.loss)), "probability": number(Double(t.probability)),
                 "actual_probability": number(Double(t.actualProbability))] as [String: Any]
            },
            "most_confused_min": minimumCount,
            "most_confused": pairs.map { ["actual": classNames[$0.actual], "predicted": classNames[$0.predicted], "count": $0.count] as [String: Any] },
            "files": written,
        ]
        return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    }
}
