import Foundation
import Testing
@testable import FinetuneCommandLine
import Finetune

/// A run whose loss turns non-finite stops at that step with exit status 1, a message naming the
/// epoch and step, and the last finished epoch's checkpoint kept (finite, so it restores).
@Suite("finetune train: a diverging run")
struct DivergedRunTests {
    @Test("stops with exit 1 at the step, keeping a finite last.ftckpt of the epoch before")
    func diverges() throws {
        let data = try ThreeClassData(perClass: (4, 1, 1))
        defer { data.remove() }
        var c = data.configuration()
        c.arguments = ["finetune", "train", "--data", data.data]
        c.phase2Epochs = 3
        c.learningRate2 = 1e35   // one RMSprop step moves every trainable weight by about 1e35
        var error: (any Error)?
        do { _ = try TrainWorkflow(configuration: c, say: { _ in }).run() } catch let e { error = e }
        guard case let .diverged(epoch, step, steps, value, checkpoint, completed, resume)? = error as? RunError else {
            Issue.record("expected a diverged run, got \(String(describing: error))")
            return
        }
        #expect(epoch >= 2 && completed == epoch - 1 && !value.isFinite && steps == 2)
        #expect(step != nil)
        let kept = try #require(checkpoint)
        #expect(kept == data.out + "/last.ftckpt")
        #expect(resume?.contains("--resume \(kept)") == true, "\(resume ?? "nil")")
        let restored = try Checkpoint.read(from: URL(fileURLWithPath: kept))   // refuses non-finite values
        #expect(!restored.weights.isEmpty)
        let (message, code) = ErrorMessages(program: "finetune train").describe(error!)
        #expect(code == ExitStatus.runtimeError)
        #expect(message.contains("epoch \(epoch), step \(step! + 1) of 2") && message.contains("--lr1/--lr2")
                && message.contains(kept), "\(message)")
    }
}
