import FinetuneCore

/// Keras' `class_weight` (`Model.fit(class_weight=…)`): each training sample's loss is multiplied
/// by the weight of its class, and the batch loss is Σᵢ wᵢ·ℓᵢ / N (Keras 3's
/// `sum_over_batch_size` reduction: divided by the batch size, not by Σ w). The class of a sample
/// is its label for one output (binary, rounded) and the index of its largest label otherwise
/// (one-hot), as Keras' `class_weight_to_sample_weights` reads it. Metrics stay unweighted, as
/// Keras' `metrics` (not `weighted_metrics`) do.
///
/// Validation and evaluation are never weighted (Keras applies `class_weight` to training data only).
package struct ClassWeights: Sendable, Equatable {
    /// The weight of each class, by class index.
    package var weights: [Float]

    /// Weights by class index; every weight must be finite and ≥ 0.
    package init(_ weights: [Float]) {
        precondition(!weights.isEmpty && weights.allSatisfy { $0.isFinite && $0 >= 0 }, "ClassWeights: weights must be finite and ≥ 0")
        self.weights = weights
    }

    /// sklearn's `compute_class_weight('balanced')`: n_samples / (n_classes · count_c) for class c
    /// (a class without samples gets 0, since no sample will ask for it).
    package static func balanced(counts: [Int]) -> ClassWeights {
        let n = Double(counts.reduce(0, +)), k = Double(counts.count)
        return ClassWeights(counts.map { $0 > 0 ? Float(n / (k * Double($0))) : 0 })
    }

    /// The class of each row of `labels`, (N, 1) binary or (N, K) one-hot.
    package static func classes(of labels: Tensor) -> [Int] {
        let n = labels.shape[0], k = labels.scalarCount / max(n, 1)
        let s = labels.scalars
        return (0..<n).map { i in
            if k == 1 { return Int(s[i].rounded()) }
            var best = 0
            for c in 1..<k where s[i * k + c] > s[i * k + best] { best = c }
            return best
        }
    }

    /// The weight of each row of `labels`; throws for a class beyond ``weights``.
    package func sampleWeights(_ labels: Tensor) throws -> [Float] {
        try Self.classes(of: labels).map { c in
            guard weights.indices.contains(c) else { throw ClassWeightsError.unknownClass(c, classes: weights.count) }
            return weights[c]
        }
    }

    /// `loss` with each sample weighted: value Σᵢ wᵢ·ℓᵢ / N, gradient row i wᵢ·∂ℓᵢ / N. Each
    /// ℓᵢ and ∂ℓᵢ is `loss` evaluated on row i alone.
    package func evaluate(_ loss: any Loss, _ prediction: Prediction, labels: Tensor) throws -> LossEvaluation {
        let w = try sampleWeights(labels)
        let n = labels.shape[0]
        var sum: Float = 0
        var rows: [Tensor] = []
        var isLogits = false
        for i in 0..<n {
            let row = Prediction(output: prediction.output.slice(batch: i..<(i + 1)),
                                 logits: prediction.logits?.slice(batch: i..<(i + 1)), finalActivation: prediction.finalActivation)
            let e = loss.evaluate(row, labels: labels.slice(batch: i..<(i + 1)))
            sum += e.value * w[i]
            let g: Tensor
            switch e.gradient {
            case let .output(t): g = t
            case let .logits(t): g = t; isLogits = true
            }
            let scale = w[i] / Float(n)
            rows.append(Tensor(shape: g.shape, scalars: g.scalars.map { $0 * scale }))
        }
        let gradient = Tensor.concatenate(batches: rows)
        return LossEvaluation(value: sum / Float(n), gradient: isLogits ? .logits(gradient) : .output(gradient))
    }
}

/// Why class weights could not be applied.
package enum ClassWeightsError: Error, CustomStringConvertible {
    case unknownClass(Int, classes: Int)

    package var description: String {
        switch self {
        case let .unknownClass(c, classes):
            return "a training label has class \(c), but the class weights cover \(classes) class(es) (0…\(classes - 1)); give one weight per class"
        }
    }
}
