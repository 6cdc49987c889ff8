import Foundation

/// Saves a checkpoint of the whole training state at epoch ends (Keras' `ModelCheckpoint`), via
/// ``TrainingControl/saveCheckpoint(to:)``, to a path filled from a `PathTemplate`
/// (`"checkpoints/phase{phase}-epoch{epoch:03d}.ftckpt"`). Missing folders are created.
///
/// With `saveBestOnly`, it saves only when `monitor` improves on the best value so far (strictly:
/// `.min` v < best, `.max` v > best; the first value always counts unless
/// `initialValueThreshold` sets the bar), and skips epochs without the value. As in Keras, the best
/// value is kept across `fit` calls, so in a two-phase run phase 2 saves only what beats phase 1.
/// Without a field like `{epoch}` in the template each save replaces the previous file (the
/// checkpoint writer is atomic).
package final class ModelCheckpoint: Callback {
    /// Where checkpoints go; filled from each epoch's record.
    package let template: PathTemplate
    /// The quantity compared with `saveBestOnly`.
    package let monitor: Monitor
    /// Whether lower (`.min`) or higher (`.max`) is better; never `.auto` once made.
    package let mode: MonitorMode
    /// Save only epochs that improve on the best value so far.
    package let saveBestOnly: Bool
    /// Best monitored value so far (only tracked with `saveBestOnly`).
    package private(set) var best: Double?
    /// Every path saved, in order.
    package private(set) var savedPaths: [String] = []
    package private(set) var failure: (any Error)?

    /// Throws `PathTemplateError` when `path` has an unknown field or format.
    package init(path: String, monitor: Monitor = .validationLoss, mode: MonitorMode = .auto,
                saveBestOnly: Bool = false, initialValueThreshold: Double? = nil) throws {
        template = try PathTemplate(path)
        self.monitor = monitor; self.mode = mode.resolved(for: monitor)
        self.saveBestOnly = saveBestOnly; best = initialValueThreshold
    }

    package func epochEnd(_ record: EpochRecord, control: TrainingControl) -> CallbackAction {
        if saveBestOnly {
            guard let current = monitor.value(in: record),
                  isImprovement(current, over: best, mode: mode, minDelta: 0) else { return .proceed }
            best = current
        }
        do {
            let path = try template.path(for: record)
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try control.saveCheckpoint(to: path)
            savedPaths.append(path)
            return .proceed
        } catch {
            failure = error
            return .stopTraining
        }
    }
}
