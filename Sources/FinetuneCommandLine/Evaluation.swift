import Foundation

/// Scores of a classifier on labelled images: accuracy, per-class precision / recall / F1, the
/// confusion matrix and the most confidently wrong images.
package struct Evaluation: Sendable {
    package var classNames: [String]
    package var files: [String]
    /// True class index of each file.
    package var labels: [Int]
    /// Class probabilities of each file.
    package var probabilities: [[Float]]
    /// Mean loss over the files (the training loss: binary or categorical cross-entropy).
    package var loss: Double
    /// The model ends in one sigmoid unit (each row is [1 − p, p]): its loss is binary
    /// cross-entropy of p; otherwise categorical cross-entropy of the row.
    package var sigmoidOutput: Bool

    package init(classNames: [String], files: [String], labels: [Int], probabilities: [[Float]], loss: Double,
                 sigmoidOutput: Bool = false) {
        self.classNames = classNames
        self.files = files
        self.labels = labels
        self.probabilities = probabilities
        self.loss = loss
        self.sigmoidOutput = sigmoidOutput
    }

    /// The predicted class of each file: the most probable (ties: the lower index, as `argmax`).
    package var predicted: [Int] {
        probabilities.map { row in row.indices.max { row[$0] < row[$1] || (row[$0] == row[$1] && $0 > $1) } ?? 0 }
    }

    package var accuracy: Double {
        let hits = zip(labels, predicted).filter { $0 == $1 }.count
        return labels.isEmpty ? 0 : Double(hits) / Double(labels.count)
    }

    /// scikit-learn's `balanced_accuracy_score`: the mean recall over the classes that have
    /// images (each class counts alike, however few its images: the score of an imbalanced set).
    package var balancedAccuracy: Double {
        let recalls = perClass.filter { $0.support > 0 }.map(\.recall)
        return recalls.isEmpty ? 0 : recalls.reduce(0, +) / Double(recalls.count)
    }

    /// `matrix[true][predicted]` counts.
    package var confusion: [[Int]] {
        var m = Array(repeating: Array(repeating: 0, count: classNames.count), count: classNames.count)
        for (t, p) in zip(labels, predicted) { m[t][p] += 1 }
        return m
    }

    /// Precision, recall and F1 of one class, and its number of true images (support); a ratio
    /// with nothing to divide by is 0 (scikit-learn's `zero_division=0`).
    package struct ClassScores: Sendable, Equatable {
        package var precision, recall, f1: Double
        package var support: Int
    }

    package var perClass: [ClassScores] {
        let m = confusion
        return classNames.indices.map { c in
            let tp = Double(m[c][c])
            let predictedAs = Double(m.reduce(0) { $0 + $1[c] }), actual = m[c].reduce(0, +)
            let precision = predictedAs > 0 ? tp / predictedAs : 0
            let recall = actual > 0 ? tp / Double(actual) : 0
            let f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
            return ClassScores(precision: precision, recall: recall, f1: f1, support: actual)
        }
    }

    /// A misclassified image and how sure the model was of its wrong answer.
    package struct Mistake: Sendable, Equatable {
        package var file: String
        package var trueClass: Int
        package var predictedClass: Int
        package var confidence: Float
    }

    /// Up to `limit` wrong predictions, most confident first.
    package func mostConfidentlyWrong(limit: Int) -> [Mistake] {
        let predicted = self.predicted
        return files.indices.filter { predicted[$0] != labels[$0] }
            .map { Mistake(file: files[$0], trueClass: labels[$0], predictedClass: predicted[$0], confidence: probabilities[$0][predicted[$0]]) }
            .sorted { $0.confidence != $1.confidence ? $0.confidence > $1.confidence : $0.file < $1.file }
            .prefix(limit).map { $0 }
    }

    /// The printed report: loss, accuracy, a per-class table and the confusion matrix.
    package var report: String {
        let nameWidth = max(classNames.map(\.count).max() ?? 5, 5)
        func pad(_ s: String, _ n: Int) -> String { String(repeating: " ", count: max(0, n - s.count)) + s }
        var lines = [String(format: "loss: %.4f", loss), String(format: "accuracy: %.4f (%d of %d)", accuracy,
                     zip(labels, predicted).filter { $0 == $1 }.count, labels.count),
                     String(format: "balanced accuracy: %.4f (mean recall over classes)", balancedAccuracy), ""]
        lines.append(pad("class", nameWidth) + "  precision  recall      f1  support")
        for (name, s) in zip(classNames, perClass) {
            lines.append(pad(name, nameWidth) + String(format: "  %9.4f  %6.4f  %6.4f  %7d", s.precision, s.recall, s.f1, s.support))
        }
        lines += ["", "confusion matrix (rows: true class, columns: predicted):"]
        let cell = max(nameWidth, 6)
        lines.append(pad("", nameWidth) + classNames.map { "  " + pad(String($0.prefix(cell)), cell) }.joined())
        for (name, row) in zip(classNames, confusion) {
            lines.append(pad(name, nameWidth) + row.map { "  " + pad(String($0), cell) }.joined())
        }
        return lines.joined(separator: "\n")
    }
}
