import Foundation

/// Keras' progress bar (`verbose=1`): an `Epoch 3/30` line, then a step counter with a bar, the
/// time left and the running epoch means,
///
///     37/100 [=========>....................] - ETA: 12s - loss: 0.6931 - acc: 0.5000
///
/// and a summary when the epoch ends (seconds include validation, as in Keras):
///
///     100/100 [==============================] - 25s 250ms/step - loss: 0.6931 - acc: 0.5000 - val_loss: 0.6800 - val_acc: 0.5500
///
/// On a terminal the counter is redrawn in place with `\r` (at most every `refreshInterval`
/// seconds); on any other sink (a pipe, a log file) it writes whole lines only: the epoch line,
/// the summary, and a counter line every `lineEverySteps` steps when that is set. `quiet` writes
/// nothing. The bar follows Keras 2.x: width 30, `=` done, `>` head, `.` to go; values printed
/// `%.4f`, or `%.4e` when |v| ≤ 1e-3; ETA = elapsed / steps done × steps left, shown as `12s`,
/// `2:05` or `1:02:05`.
package final class ProgressBar: Callback {
    /// Write nothing.
    package let quiet: Bool
    /// Characters between the brackets.
    package let width: Int
    /// On a non-terminal sink, also write a counter line every this many steps.
    package let lineEverySteps: Int?
    /// On a terminal, the shortest time between redraws, in seconds.
    package let refreshInterval: Double
    private let sink: TextSink
    private let clock: () -> Double

    private var finalEpoch = 0
    private var stepsPerEpoch = 0
    private var epochStart = 0.0
    private var lastDraw = -Double.infinity
    private var lastWidth = 0
    private var stepsDone = 0
    private var lastLogs: BatchLogs?

    /// Keras' progress bar on standard output (a redrawn bar on a terminal, one line per epoch
    /// otherwise); `quiet` writes nothing.
    package convenience init(quiet: Bool = false) {
        self.init(sink: StandardOutputSink(), quiet: quiet)
    }

    /// A progress bar writing to `sink`.
    ///
    /// - Parameters:
    ///   - sink: where text goes (standard output by default; a ``StringSink`` in tests).
    ///   - quiet: write nothing at all.
    ///   - width: characters between the brackets.
    ///   - lineEverySteps: on a non-terminal sink, also write a counter line every this many steps.
    ///   - refreshInterval: on a terminal, the shortest time between redraws, in seconds.
    ///   - clock: monotonic seconds (injectable so tests get a fixed ETA).
    package init(sink: TextSink = StandardOutputSink(), quiet: Bool = false, width: Int = 30,
                lineEverySteps: Int? = nil, refreshInterval: Double = 0.05,
                clock: @escaping () -> Double = ProgressBar.monotonicSeconds) {
        self.sink = sink; self.quiet = quiet; self.width = max(1, width)
        self.lineEverySteps = lineEverySteps.flatMap { $0 > 0 ? $0 : nil }
        self.refreshInterval = refreshInterval; self.clock = clock
    }

    /// Seconds since an arbitrary fixed point, never going backwards.
    package static func monotonicSeconds() -> Double {
        Double(DispatchTime.now().uptimeNanoseconds) / 1e9
    }

    package func trainBegin(_ info: TrainBeginInfo, control: TrainingControl) {
        finalEpoch = info.finalEpoch
        stepsPerEpoch = info.stepsPerEpoch
    }

    package func epochBegin(_ epoch: Int, control: TrainingControl) {
        epochStart = clock()
        lastDraw = -Double.infinity
        lastWidth = 0
        stepsDone = 0
        lastLogs = nil
        if !quiet { sink.write("Epoch \(epoch)/\(finalEpoch)\n") }
    }

    package func batchEnd(_ logs: BatchLogs) {
        stepsDone = logs.step + 1
        lastLogs = logs
        if logs.stepsPerEpoch > 0 { stepsPerEpoch = logs.stepsPerEpoch }
        guard !quiet else { return }
        let now = clock()
        let values = [("loss", logs.meanLoss), ("acc", logs.meanAccuracy)]
        if sink.isTerminal {
            let finished = stepsPerEpoch > 0 && stepsDone >= stepsPerEpoch
            guard finished || now - lastDraw >= refreshInterval else { return }
            lastDraw = now
            redraw(counterLine(now: now, values: values), newline: false)
        } else if let every = lineEverySteps, stepsDone % every == 0,
                  stepsPerEpoch <= 0 || stepsDone < stepsPerEpoch {
            sink.write(counterLine(now: now, values: values) + "\n")
        }
    }

    package func epochEnd(_ record: EpochRecord, control: TrainingControl) -> CallbackAction {
        guard !quiet else { return .proceed }
        let steps = stepsDone > 0 ? stepsDone : stepsPerEpoch
        var line = bar(current: steps, target: max(stepsPerEpoch, steps))
        line += " - " + String(format: "%.0fs", record.seconds)
        if steps > 0 { line += " " + Self.perStep(record.seconds / Double(steps)) }
        var values = [("loss", record.loss), ("acc", record.accuracy)]
        if let v = record.validationLoss { values.append(("val_loss", v)) }
        if let v = record.validationAccuracy { values.append(("val_acc", v)) }
        line += Self.valuesText(values)
        if sink.isTerminal { redraw(line, newline: true) } else { sink.write(line + "\n") }
        return .proceed
    }

    /// `\r` + line, padded with spaces over whatever was longer before.
    private func redraw(_ line: String, newline: Bool) {
        let count = line.count
        let padding = String(repeating: " ", count: max(0, lastWidth - count))
        lastWidth = count
        sink.write("\r" + line + padding + (newline ? "\n" : ""))
    }

    private func counterLine(now: Double, values: [(String, Double)]) -> String {
        var line = bar(current: stepsDone, target: stepsPerEpoch)
        if stepsPerEpoch > 0, stepsDone < stepsPerEpoch {
            let perStep = stepsDone > 0 ? (now - epochStart) / Double(stepsDone) : 0
            line += " - ETA: " + Self.eta(perStep * Double(stepsPerEpoch - stepsDone))
        }
        return line + Self.valuesText(values)
    }

    /// `37/100 [=========>....................]`, or `     37/Unknown` without a known target.
    func bar(current: Int, target: Int) -> String {
        guard target > 0 else { return String(format: "%7d/Unknown", current) }
        let digits = String(target).count
        var text = String(repeating: " ", count: max(0, digits - String(current).count)) + "\(current)/\(target) ["
        let done = min(width, Int(Double(width) * Double(current) / Double(target)))
        if done > 0 {
            text += String(repeating: "=", count: done - 1) + (current < target ? ">" : "=")
        }
        text += String(repeating: ".", count: width - done) + "]"
        return text
    }

    static func eta(_ seconds: Double) -> String {
        let s = Int(max(0, seconds))
        if seconds > 3600 { return String(format: "%d:%02d:%02d", s / 3600, (s % 3600) / 60, s % 60) }
        if seconds > 60 { return String(format: "%d:%02d", s / 60, s % 60) }
        return "\(s)s"
    }

    static func perStep(_ seconds: Double) -> String {
        if seconds >= 1 { return String(format: "%.0fs/step", seconds) }
        if seconds >= 1e-3 { return String(format: "%.0fms/step", seconds * 1e3) }
        return String(format: "%.0fus/step", seconds * 1e6)
    }

    static func valuesText(_ values: [(String, Double)]) -> String {
        values.map { name, v in " - \(name): " + String(format: abs(v) > 1e-3 ? "%.4f" : "%.4e", v) }.joined()
    }
}
