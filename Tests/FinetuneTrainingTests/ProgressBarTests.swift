import Testing
@testable import FinetuneTraining

@Suite("Progress bar")
struct ProgressBarTests {
    /// A clock the test moves by hand.
    final class ManualClock { var now = 0.0 }

    /// Runs one epoch of `steps` steps, each taking `stepSeconds`, through `bar`.
    func runEpoch(_ bar: ProgressBar, clock: ManualClock, steps: Int = 4, stepSeconds: Double = 0.5, epoch: Int = 1,
                  record: EpochRecord? = nil) {
        let control = FakeControl()
        bar.trainBegin(TrainBeginInfo(initialEpoch: 1, finalEpoch: 3, stepsPerEpoch: steps, phase: 1), control: control)
        bar.epochBegin(epoch, control: control)
        for step in 0..<steps {
            clock.now += stepSeconds
            bar.batchEnd(BatchLogs(step: step, stepsPerEpoch: steps, size: 2, loss: 0.7, accuracy: 0.5,
                                   meanLoss: 0.6931, meanAccuracy: 0.5))
        }
        let r = record ?? EpochRecord(epoch: epoch, loss: 0.6931, accuracy: 0.5, validationLoss: 0.68,
                                      validationAccuracy: 0.55, seconds: 25)
        _ = bar.epochEnd(r, control: control)
    }

    @Test("bar text follows Keras 2: width 30, '=' done, '>' head, '.' to go", arguments: [
        (0, 100, "  0/100 [..............................]"),
        (37, 100, " 37/100 [==========>...................]"),
        (100, 100, "100/100 [==============================]"),
        (1, 3, "1/3 [=========>....................]"),
        (5, 0, "      5/Unknown"),
    ])
    func barText(current: Int, target: Int, expected: String) {
        #expect(ProgressBar(sink: StringSink(isTerminal: false)).bar(current: current, target: target) == expected)
    }

    @Test("ETA and per-step time use Keras' units", arguments: [
        (12.7, "12s"), (61.0, "1:01"), (3725.0, "1:02:05"), (0.2, "0s"),
    ])
    func eta(seconds: Double, expected: String) { #expect(ProgressBar.eta(seconds) == expected) }

    @Test("per-step time", arguments: [(2.0, "2s/step"), (0.25, "250ms/step"), (0.0005, "500us/step")])
    func perStep(seconds: Double, expected: String) { #expect(ProgressBar.perStep(seconds) == expected) }

    @Test("values below 1e-3 switch to scientific notation")
    func values() {
        #expect(ProgressBar.valuesText([("loss", 0.69314), ("acc", 0.0001)]) == " - loss: 0.6931 - acc: 1.0000e-04")
    }

    @Test("non-terminal output is whole lines: epoch header and one summary")
    func plainLines() {
        let sink = StringSink(isTerminal: false), clock = ManualClock()
        runEpoch(ProgressBar(sink: sink, clock: { clock.now }), clock: clock)
        #expect(sink.text == """
            Epoch 1/3
            4/4 [==============================] - 25s 6s/step - loss: 0.6931 - acc: 0.5000 - val_loss: 0.6800 - val_acc: 0.5500

            """)
        #expect(!sink.text.contains("\r"))
    }

    @Test("non-terminal output can add a line every N steps, with ETA")
    func everyNSteps() {
        let sink = StringSink(isTerminal: false), clock = ManualClock()
        runEpoch(ProgressBar(sink: sink, lineEverySteps: 2, clock: { clock.now }), clock: clock,
                 record: EpochRecord(epoch: 1, loss: 0.6931, accuracy: 0.5, seconds: 2))
        #expect(sink.text == """
            Epoch 1/3
            2/4 [==============>...............] - ETA: 1s - loss: 0.6931 - acc: 0.5000
            4/4 [==============================] - 2s 500ms/step - loss: 0.6931 - acc: 0.5000

            """)
    }

    @Test("terminal output redraws in place with carriage returns")
    func terminal() {
        let sink = StringSink(isTerminal: true), clock = ManualClock()
        runEpoch(ProgressBar(sink: sink, clock: { clock.now }), clock: clock)
        // One redraw per step (each 0.5 s apart, above the 0.05 s refresh) plus the summary.
        #expect(sink.text.filter { $0 == "\r" }.count == 5)
        #expect(sink.text.contains("\r1/4 [======>.......................] - ETA: 1s - loss: 0.6931 - acc: 0.5000"))
        #expect(sink.text.hasSuffix("val_acc: 0.5500\n"))
        #expect(sink.screenLines == [
            "Epoch 1/3",
            "4/4 [==============================] - 25s 6s/step - loss: 0.6931 - acc: 0.5000 - val_loss: 0.6800 - val_acc: 0.5500",
        ])
    }

    @Test("terminal redraws are throttled and a shorter line is padded over the longer one")
    func throttleAndPadding() {
        let sink = StringSink(isTerminal: true), clock = ManualClock()
        runEpoch(ProgressBar(sink: sink, refreshInterval: 10, clock: { clock.now }), clock: clock,
                 record: EpochRecord(epoch: 1, loss: 0.5, accuracy: 0.5, seconds: 2))
        // Step 1 draws (first), steps 2–3 are within 10 s, step 4 completes the bar and draws.
        #expect(sink.text.filter { $0 == "\r" }.count == 3)
        let lastRedraw = sink.text.components(separatedBy: "\r").last ?? ""
        let previous = sink.text.components(separatedBy: "\r").dropLast().last ?? ""
        #expect(lastRedraw.count - 1 >= previous.count, "the summary must cover the previous line")
        #expect(sink.screenLines.last == "4/4 [==============================] - 2s 500ms/step - loss: 0.5000 - acc: 0.5000")
    }

    @Test("quiet writes nothing")
    func quiet() {
        let sink = StringSink(isTerminal: true), clock = ManualClock()
        runEpoch(ProgressBar(sink: sink, quiet: true, clock: { clock.now }), clock: clock)
        #expect(sink.text.isEmpty)
    }
}
