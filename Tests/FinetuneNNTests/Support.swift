import Foundation
import FinetuneCore
import FinetuneTestSupport
import FinetuneNN

/// The NN golden suite (`Goldens/nn`, written by `Goldens/gen_nn.py`), loaded once.
let nnSuite: Result<GoldenSuite, any Error> = Result { try GoldenSuite.load("nn") }

func nnCase(_ name: String) throws -> GoldenCase { try nnSuite.get().named(name) }

/// Names of the golden cases starting with `prefix` (for `@Test(arguments:)`); a failing
/// placeholder when the suite is missing or has no such case, never an empty list.
func nnCaseNames(_ prefix: String) -> [String] {
    nonEmptyCaseNames((try? nnSuite.get())?.cases(prefix: prefix).map(\.name), describing: "nn \(prefix)*")
}

extension GoldenCase {
    func scalar(_ key: String) throws -> Float {
        let t = try tensor(key)
        guard t.scalarCount == 1 else { throw GoldenError.missing("\(name).\(key) is not a scalar") }
        return t.scalars[0]
    }
    func int(_ key: String) throws -> Int {
        guard let v = try param(key).int else { throw GoldenError.missing("\(name): param \(key) is not a number") }
        return v
    }
    func pair(_ key: String) throws -> (Int, Int) {
        guard let a = try param(key).array, a.count == 2, let x = a[0].int, let y = a[1].int else {
            throw GoldenError.missing("\(name): param \(key) is not a pair")
        }
        return (x, y)
    }
    func string(_ key: String) throws -> String {
        guard let s = try param(key).string else { throw GoldenError.missing("\(name): param \(key) is not a string") }
        return s
    }
}

/// Kernel calls made by `work`, per kind (every kind present, 0 when not called).
///
/// `KernelCounters` is process-global and other tests run in parallel, so calls from elsewhere can
/// land in a measurement — they can only *add*. The work is therefore repeated until one run shows
/// exactly `expected` (then the work itself made at most that many calls of each kind; a run with
/// fewer calls than expected fails at once) or `patience` runs out; the last counts are returned
/// for the test to compare.
func kernelCalls(expected: [KernelCounters.Kind: Int], patience: Duration = .seconds(20),
                 _ work: () -> Void) -> [KernelCounters.Kind: Int] {
    let full = Dictionary(uniqueKeysWithValues: KernelCounters.Kind.allCases.map { ($0, expected[$0] ?? 0) })
    var last = full
    let deadline = ContinuousClock.now + patience
    repeat {
        let before = KernelCounters.snapshot()
        work()
        let after = KernelCounters.snapshot()
        last = Dictionary(uniqueKeysWithValues: KernelCounters.Kind.allCases.map { ($0, after[$0]! - before[$0]!) })
        if last == full || KernelCounters.Kind.allCases.contains(where: { last[$0]! < full[$0]! }) { return last }
        usleep(20_000)
    } while ContinuousClock.now < deadline
    return last
}

/// Deterministic test data.
func randomTensor(_ shape: Shape, seed: UInt64, scale: Float = 1) -> Tensor {
    var rng = SeededRNG(seed: seed)
    return Tensor.uniform(shape, low: -scale, high: scale, using: &rng)
}

/// A training context with `trainable` keys.
func trainingContext(_ trainable: Set<String>, needsInputGradient: Bool = false, seed: UInt64 = 1) -> ForwardContext {
    ForwardContext(mode: .training, trainable: trainable, needsInputGradient: needsInputGradient, rng: SeededRNG(seed: seed))
}
