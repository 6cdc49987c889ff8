/// A per-epoch quantity that callbacks watch (Keras' `monitor=` strings).
public enum Monitor: String, Sendable, CaseIterable, CustomStringConvertible {
    /// Training loss, `loss`.
    case loss = "loss"
    /// Training metric, `acc`.
    case accuracy = "acc"
    /// Validation loss, `val_loss`.
    case validationLoss = "val_loss"
    /// Validation metric, `val_acc`.
    case validationAccuracy = "val_acc"

    /// Accepts the Keras spellings, old and new: `loss`, `acc`/`accuracy`, `val_loss`,
    /// `val_acc`/`val_accuracy`.
    package init?(name: String) {
        switch name {
        case "loss": self = .loss
        case "acc", "accuracy": self = .accuracy
        case "val_loss": self = .validationLoss
        case "val_acc", "val_accuracy": self = .validationAccuracy
        default: return nil
        }
    }

    /// This quantity in `record`, or nil when the epoch has none (no validation pass).
    package func value(in record: EpochRecord) -> Double? {
        switch self {
        case .loss: return record.loss
        case .accuracy: return record.accuracy
        case .validationLoss: return record.validationLoss
        case .validationAccuracy: return record.validationAccuracy
        }
    }

    /// Which way is better when the mode is `.auto`: losses go down, accuracies go up.
    package var naturalDirection: MonitorMode { self == .loss || self == .validationLoss ? .min : .max }

    public var description: String { rawValue }
}

/// Whether a monitored quantity improves by going down (`.min`) or up (`.max`); `.auto` picks from
/// the quantity (Keras: losses `min`, accuracies `max`).
public enum MonitorMode: String, Sendable, CaseIterable {
    case auto, min, max

    /// `.min` or `.max`, never `.auto`.
    package func resolved(for monitor: Monitor) -> MonitorMode { self == .auto ? monitor.naturalDirection : self }
}

/// Keras' `MonitorCallback._is_improvement`: with `d = |minDelta|`,
/// `.min`: current − (−d) < reference, i.e. current < reference − d;
/// `.max`: current − d > reference. A nil reference (nothing seen yet) is always improved on.
/// NaN never improves.
func isImprovement(_ current: Double, over reference: Double?, mode: MonitorMode, minDelta: Double) -> Bool {
    guard let reference else { return !current.isNaN }
    let d = abs(minDelta)
    switch mode {
    case .min, .auto: return current + d < reference
    case .max: return current - d > reference
    }
}
