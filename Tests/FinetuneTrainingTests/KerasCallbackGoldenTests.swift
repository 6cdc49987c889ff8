import Foundation
import Testing
import FinetuneTestSupport
@testable import FinetuneTraining

/// Our callbacks against Keras 3's own (Goldens/gen_callbacks.py drives the Keras classes with the
/// same epoch logs).
@Suite("Callbacks match Keras", .tags(.golden))
struct KerasCallbackGoldenTests {
    static func cases(_ kind: String) throws -> [GoldenCase] {
        try GoldenSuite.load("callbacks").cases.filter { $0.params["kind"]?.string == kind }
    }

    @Test("EarlyStopping runs the same epochs and keeps the same weights")
    func earlyStopping() throws {
        let cases = try Self.cases("early_stopping")
        try #require(cases.count >= 20)
        for c in cases {
            let p = c.params
            let monitorName = try #require(p["monitor"]?.string)
            let monitor = try #require(Monitor(name: monitorName))
            let mode = try #require(MonitorMode(rawValue: p["mode"]?.string ?? ""))
            let values = try #require(p["values"]?.array).map(\.double)
            // Build records whose monitored field is values[i] (nil = absent), others 0.5.
            let records = values.enumerated().map { i, v in
                var r = EpochRecord(epoch: i + 1, loss: 0.5, accuracy: 0.5, validationLoss: 0.5,
                                    validationAccuracy: 0.5, seconds: 1)
                switch monitor {
                case .loss: r.loss = v ?? .nan
                case .accuracy: r.accuracy = v ?? .nan
                case .validationLoss: r.validationLoss = v
                case .validationAccuracy: r.validationAccuracy = v
                }
                return r
            }
            let stop = EarlyStopping(monitor: monitor, mode: mode, patience: p["patience"]?.int ?? -1,
                                     minDelta: p["min_delta"]?.double ?? .nan, baseline: p["baseline"]?.double,
                                     restoreBestWeights: p["restore_best_weights"]?.bool ?? false,
                                     startFromEpoch: (p["start_from_epoch_keras"]?.int ?? 0) + 1)
            let control = FakeControl()
            let ran = simulateFit([stop], records: records, control: control)
            #expect(ran.count == p["expected_epochs_run"]?.int, "\(c.name): epochs run")
            #expect(stop.stoppedEpoch == p["expected_stopped_epoch"]?.int, "\(c.name): stopped epoch")
            #expect(Int(control.weightEpoch) == p["expected_final_weight_epoch"]?.int, "\(c.name): final weights")
        }
    }

    @Test("ModelCheckpoint saves at the same epochs under the same file names")
    func modelCheckpoint() throws {
        let cases = try Self.cases("model_checkpoint")
        try #require(cases.count >= 4)
        for c in cases {
            let p = c.params
            let monitor = try #require(Monitor(name: p["monitor"]?.string ?? ""))
            let checkpoint = try ModelCheckpoint(path: try #require(p["template"]?.string), monitor: monitor,
                                                 mode: try #require(MonitorMode(rawValue: p["mode"]?.string ?? "")),
                                                 saveBestOnly: p["save_best_only"]?.bool ?? false,
                                                 initialValueThreshold: p["initial_value_threshold"]?.double)
            let control = FakeControl()
            for epoch in try #require(p["epochs"]?.array) {
                let logs = try #require(epoch["logs"])
                let record = EpochRecord(epoch: try #require(epoch["epoch"]?.int), loss: try #require(logs["loss"]?.double),
                                         accuracy: try #require(logs["acc"]?.double),
                                         validationLoss: logs["val_loss"]?.double,
                                         validationAccuracy: logs["val_acc"]?.double, seconds: 1)
                let before = control.saved.count
                _ = checkpoint.epochEnd(record, control: control)
                let expected = try #require(epoch["new_files"]?.array).compactMap(\.string)
                #expect(Array(control.saved[before...]) == expected, "\(c.name) epoch \(record.epoch)")
            }
            #expect(checkpoint.failure == nil)
        }
    }

    @Test("CSV rows carry Keras CSVLogger's text for acc, loss, val_acc, val_loss")
    func csvLogger() throws {
        let c = try #require(try Self.cases("csv_logger").first)
        let kerasLines = try #require(c.params["text"]?.string).components(separatedBy: "\r\n").filter { !$0.isEmpty }
        let logs = try #require(c.params["logs"]?.array)
        try #require(kerasLines.count == logs.count + 1)
        #expect(Array(EpochRecord.csvColumns.prefix(5)) == kerasLines[0].components(separatedBy: ","))
        for (i, entry) in logs.enumerated() {
            let record = EpochRecord(epoch: i + 1, loss: try #require(entry["loss"]?.double),
                                     accuracy: try #require(entry["acc"]?.double),
                                     validationLoss: entry["val_loss"]?.double,
                                     validationAccuracy: entry["val_acc"]?.double, seconds: 1)
            let keras = kerasLines[i + 1].components(separatedBy: ",")
            // Keras numbers epochs from 0; we number them from 1.
            #expect(keras[0] == String(i))
            #expect(Array(record.csvFields[1...4]) == Array(keras[1...4]), "row \(i)")
        }
    }

    @Test("pythonRepr gives Python's repr for every golden double")
    func pythonReprGolden() throws {
        let c = try #require(try Self.cases("python_repr").first)
        let values = try #require(c.params["values"]?.array).compactMap(\.double)
        let strings = try #require(c.params["repr"]?.array).compactMap(\.string)
        try #require(values.count == strings.count && values.count > 60)
        for (v, s) in zip(values, strings) { #expect(pythonRepr(v) == s, "\(v.bitPattern)") }
    }

    @Test("EMA equals the book's smooth_curve bit for bit")
    func smoothCurve() throws {
        let cases = try Self.cases("smooth_curve")
        try #require(cases.count == 4)
        for c in cases {
            let input = try #require(c.params["input"]?.array).compactMap(\.double)
            let expected = try #require(c.params["expected"]?.array).compactMap(\.double)
            let factor = try #require(c.params["factor"]?.double)
            #expect(exponentialMovingAverage(input, factor: factor) == expected, "\(c.name)")
        }
    }

    @Test("exponentialDecay matches keras.optimizers.schedules.ExponentialDecay")
    func exponentialDecay() throws {
        let c = try #require(try Self.cases("exponential_decay").first)
        let p = c.params
        let schedule = LearningRateScheduler.exponentialDecay(initial: try #require(p["initial"]?.double),
                                                             rate: try #require(p["rate"]?.double),
                                                             every: try #require(p["every"]?.int), from: 1)
        let steps = try #require(p["steps"]?.array).compactMap(\.int)
        let expected = try #require(p["expected"]?.array).compactMap(\.double)
        for (step, e) in zip(steps, expected) {
            expectClose(schedule(step + 1, 0), e, tolerance: c.tolerance, "step \(step)")
        }
    }
}
