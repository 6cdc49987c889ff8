import FinetuneCore
import FinetuneNN

/// What callbacks may read and change while `fit` runs.
extension Trainer: TrainingControl {
    public var learningRate: Float {
        get { optimizer.learningRate }
        set { optimizer.learningRate = newValue }
    }

    public func currentWeights() -> [String: Tensor] { model.parameterDictionary }

    public func restoreWeights(_ weights: [String: Tensor]) throws {
        featureCache.invalidate()
        try model.setParameters(weights)
    }
}

