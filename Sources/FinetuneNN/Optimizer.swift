import FinetuneCore

/// Updates trainable parameters from their gradients.
///
/// State (RMSprop's v, Adam's m and v, momentum buffers) is keyed by parameter key plus slot
/// (`"block5_conv1.kernel/rms"`), created lazily for the keys that actually receive gradients — a
/// frozen parameter never gets state — and saved in checkpoints through ``state``.
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
