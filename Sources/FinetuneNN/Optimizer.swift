import FinetuneCore

/// Updates trainable parameters from their gradients.
///
/// State (RMSprop's v, Adam's m and v, momentum buffers) is keyed by parameter key plus slot
/// (`"block5_conv1.kernel/rms"`), created lazily for the keys that actually receive gradients — a
/// frozen parameter never gets state — and saved in checkpoints through ``state``.
///
/// A new optimizer keeps its state in an ``OptimizerSlots`` value, which allocates, checks,
/// saves and restores the slots and runs an element-wise update rule over each parameter (on
/// several threads for a large one); the optimizer is then its rule plus a few lines
/// (the article "Writing an optimizer" builds Lion so). Keras 3's formulas are the reference:
/// every built-in optimizer matches `keras.optimizers` step for step.
public protocol Optimizer: Sendable {
    /// Learning rate of the next step; callbacks and schedules change it between steps.
    var learningRate: Float { get set }
    /// Steps taken so far (Keras' `optimizer.iterations`).
    var iterations: Int { get }
    /// One step: updates every parameter named in `gradients` and returns the new values, keyed
    /// the same way. `parameters` must hold every key of `gradients`.
    mutating func step(parameters: [String: Tensor], gradients: [String: Tensor]) -> [String: Tensor]
    /// Every slot tensor, keyed `"<parameter key>/<slot name>"`.
    var state: [String: Tensor] { get }
    /// Restores slots and the iteration count saved from ``state`` / ``iterations``.
    mutating func restore(state: [String: Tensor], iterations: Int) throws
}
