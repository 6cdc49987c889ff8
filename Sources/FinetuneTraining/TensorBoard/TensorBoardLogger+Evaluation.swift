extension TensorBoardLogger {
    /// Writes a finished model's loss and metric on a labelled set (the test images) into the
    /// ``Run/evaluation`` run, under the tags Keras' `TensorBoard` callback gives `model.evaluate`:
    /// `evaluation_loss_vs_iterations` and `evaluation_<metric>_vs_iterations`, and `fsync`s.
    ///
    /// - Parameter step: the optimizer's step count when the model was saved (Keras'
    ///   `optimizer.iterations`, the step Keras logs evaluations at).
    package func logEvaluation(loss: Double, accuracy: Double, step: Int) throws {
        try log([TensorBoardValue(tag: "evaluation_loss_vs_iterations", .scalar(Float(loss))),
                 TensorBoardValue(tag: "evaluation_\(metricName)_vs_iterations", .scalar(Float(accuracy)))],
                step: step, run: .evaluation)
        try flush()
    }
}
