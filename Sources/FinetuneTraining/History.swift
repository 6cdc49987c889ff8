import Foundation

/// One epoch's numbers, as Keras reports them: `loss`/`acc` are the sample-weighted means over the
/// epoch's training batches (weights as they were at each step); `valLoss`/`valAcc` come from a
/// separate pass at the end of the epoch (nil without validation).
public struct EpochRecord: Codable, Sendable, Hashable {
    /// Epoch number, 1-based and continuing across phases (phase 2 of Chollet's recipe starts at 31).
    public var epoch: Int
    /// Training phase this epoch belongs to (1, 2, …), for two-phase workflows.
    public var phase: Int
    /// Sample-weighted mean training loss over the epoch's batches (`loss`).
    public var loss: Double
    /// Sample-weighted mean training metric over the epoch's batches (`acc`).
    public var accuracy: Double
    /// Loss of the validation pass at the end of the epoch (`val_loss`); `nil` without validation.
    public var validationLoss: Double?
    /// Metric of the validation pass (`val_acc`); `nil` without validation.
    public var validationAccuracy: Double?
    /// Wall-clock seconds of the epoch, validation included.
    public var seconds: Double
    /// Learning rate in effect at the end of the epoch.
    public var learningRate: Double?

    /// One epoch's numbers.
    package init(epoch: Int, phase: Int = 1, loss: Double, accuracy: Double, validationLoss: Double? = nil,
                validationAccuracy: Double? = nil, seconds: Double, learningRate: Double? = nil) {
        self.epoch = epoch; self.phase = phase; self.loss = loss; self.accuracy = accuracy
        self.validationLoss = validationLoss; self.validationAccuracy = validationAccuracy
        self.seconds = seconds; self.learningRate = learningRate
    }

    enum CodingKeys: String, CodingKey {
        case epoch, phase, loss, accuracy = "acc", validationLoss = "val_loss",
             validationAccuracy = "val_acc", seconds, learningRate = "lr"
    }
}

/// What `fit` returns: one ``EpochRecord`` per epoch, in order (Keras' `History.history`, typed).
public struct History: Codable, Sendable, Hashable {
    /// The epochs, in training order.
    public var epochs: [EpochRecord]
    /// A history of `epochs` (empty by default).
    public init(epochs: [EpochRecord] = []) { self.epochs = epochs }

    /// `metric` of every epoch that has it, in order — Keras' `history.history[...]`:
    /// `history[.loss]`, `history[.accuracy]` (`"acc"`), `history[.validationLoss]`,
    /// `history[.validationAccuracy]` (epochs without a validation pass have neither).
    public subscript(_ metric: Monitor) -> [Double] { epochs.compactMap { metric.value(in: $0) } }

    /// Training loss per epoch (Keras' `history["loss"]`).
    package var loss: [Double] { self[.loss] }
    /// Training metric per epoch (`history["acc"]`).
    package var accuracy: [Double] { self[.accuracy] }
    /// Validation loss of the epochs that have one (`history["val_loss"]`).
    package var validationLoss: [Double] { self[.validationLoss] }
    /// Validation metric of the epochs that have one (`history["val_acc"]`).
    package var validationAccuracy: [Double] { self[.validationAccuracy] }

    /// This history followed by `other` (e.g. phase 1 then phase 2).
    package func appending(_ other: History) -> History { History(epochs: epochs + other.epochs) }
}
