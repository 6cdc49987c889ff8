import Foundation

/// Sets the learning rate at the start of every epoch from a schedule (Keras'
/// `LearningRateScheduler`): `lr ← schedule(epoch, lr)`, where `epoch` is 1-based and continues
/// across phases (Keras passes a 0-based index) and `lr` is the rate in effect now.
///
/// Ready-made schedules: ``stepDecay(initial:factor:every:from:)``,
/// ``exponentialDecay(initial:rate:every:from:)``. Both are functions of the epoch alone, so
/// resuming from a checkpoint gives the same rates as an uninterrupted run.
package final class LearningRateScheduler: Callback {
    /// The rate for `epoch` (1-based), given the rate in effect now.
    package typealias Schedule = (_ epoch: Int, _ learningRate: Double) -> Double
    private let schedule: Schedule
    /// The rate set for the latest epoch, if any.
    package private(set) var lastRate: Double?
    package private(set) var failure: (any Error)?

    /// A scheduler applying `schedule` at every epoch start.
    package init(_ schedule: @escaping Schedule) { self.schedule = schedule }

    package func epochBegin(_ epoch: Int, control: TrainingControl) {
        let rate = schedule(epoch, Double(control.learningRate))
        guard rate.isFinite, rate >= 0 else {
            failure = ScheduleError.invalidRate(epoch: epoch, rate: rate)
            return
        }
        control.learningRate = Float(rate)
        lastRate = rate
    }

    package func epochEnd(_ record: EpochRecord, control: TrainingControl) -> CallbackAction {
        failure == nil ? .proceed : .stopTraining
    }

    /// Step decay: lr(e) = initial · factor^⌊(e − from) / every⌋ for e ≥ from, `initial` before.
    /// E.g. `stepDecay(initial: 1e-4, factor: 0.5, every: 10)` halves the rate every 10 epochs.
    package static func stepDecay(initial: Double, factor: Double, every: Int, from: Int = 1) -> Schedule {
        let every = max(1, every)
        return { epoch, _ in
            initial * pow(factor, Double(max(0, epoch - from) / every))
        }
    }

    /// Exponential decay (Keras' `ExponentialDecay`, not staircased):
    /// lr(e) = initial · rate^((e − from) / every) for e ≥ from, `initial` before.
    package static func exponentialDecay(initial: Double, rate: Double, every: Int = 1, from: Int = 1) -> Schedule {
        let every = Double(max(1, every))
        return { epoch, _ in
            initial * pow(rate, Double(max(0, epoch - from)) / every)
        }
    }
}

/// A schedule returned a rate the optimizer cannot use.
package enum ScheduleError: Error, CustomStringConvertible, Equatable {
    /// The schedule gave a negative, infinite or NaN rate for `epoch`.
    case invalidRate(epoch: Int, rate: Double)
    package var description: String {
        switch self {
        case let .invalidRate(epoch, rate):
            return "learning-rate schedule gave \(rate) for epoch \(epoch); rates must be finite and ≥ 0"
        }
    }
}
