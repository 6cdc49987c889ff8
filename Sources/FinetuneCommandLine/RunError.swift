import Finetune

/// What a training run refuses or fails at, beyond the library's own errors; ``ErrorMessages``
/// turns each case into its message and exit code.
package enum RunError: Error {
    /// `--out` holds files of another run and neither `--resume` nor `--overwrite` was given.
    case outputInUse(path: String, entries: [String], resumable: Bool)
    case outputUnwritable(path: String, reason: String)
    /// The checkpoint given to `--resume` was written for other settings or data.
    case resumeMismatch(file: String, differences: [String])
    /// A library error while reading the file given to `flag`.
    case badInput(flag: String, path: String, underlying: any Error)
    /// A result or progress file could not be written; the previous one is intact.
    case saveFailed(file: String, reason: String, resume: String?)
    /// Bad image files found before training (all of them).
    case unusableFiles([DataError])
    /// The training loss became NaN or infinite at step `step` (0-based) of `epoch` (Keras'
    /// `TerminateOnNaN`, always on): that step was not applied and the epoch is discarded.
    /// `checkpoint` holds the run after `completedEpochs` epochs (nil when none finished).
    case diverged(epoch: Int, step: Int?, stepsPerEpoch: Int, value: Float, checkpoint: String?, completedEpochs: Int,
                  resume: String?)
}

/// Training stopped on SIGINT/SIGTERM; the message says how to resume.
package struct RunInterruption: Error {
    package let message: String
}
