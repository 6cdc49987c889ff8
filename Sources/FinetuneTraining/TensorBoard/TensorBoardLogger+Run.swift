extension TensorBoardLogger {
    /// A run of a log folder: the sub-folder its event file goes into, one line per tag in
    /// TensorBoard's charts.
    ///
    /// `train` and `validation` are Keras' two runs. `evaluation` holds scores of a finished
    /// model on a labelled folder (usually the test images) and the pictures made from them: a
    /// run of its own, because Keras' `validation` run holds the validation images' scores and a
    /// test score there would read as one.
    package enum Run: String, CaseIterable, Sendable {
        case train, validation, evaluation
    }
}
