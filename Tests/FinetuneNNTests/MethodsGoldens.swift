import Foundation
import FinetuneCore
import FinetuneTestSupport
import FinetuneNN

/// The fine-tuning methods' golden suite (`Goldens/methods`, written by `Goldens/gen_methods.py`).
let methodsSuite: Result<GoldenSuite, any Error> = Result { try GoldenSuite.load("methods") }

func methodsCase(_ name: String) throws -> GoldenCase { try methodsSuite.get().named(name) }

/// Names of the methods cases starting with `prefix`; a failing placeholder when there are none.
func methodsCaseNames(_ prefix: String) -> [String] {
    nonEmptyCaseNames((try? methodsSuite.get())?.cases(prefix: prefix).map(\.name), describing: "methods \(prefix)*")
}

extension GoldenCase {
    func number(_ key: String) throws -> Double {
        guard let v = try param(key).double else { throw GoldenError.missing("\(name): param \(key) is not a number") }
        return v
    }
}

/// A `OneCycle` from a golden case's PyTorch parameters.
func oneCycle(_ golden: GoldenCase, maxKey: String = "max_lr") throws -> OneCycle {
    OneCycle(maxLearningRate: Float(try golden.number(maxKey)), totalSteps: try golden.int("total_steps"),
             warmupFraction: try golden.number("pct_start"),
             divFactor: golden.params["div_factor"]?.double ?? 25,
             finalDivFactor: golden.params["final_div_factor"]?.double ?? 1e4,
             momentum: (golden.params["base_momentum"]?.double ?? 0.85)...(golden.params["max_momentum"]?.double ?? 0.95))
}
