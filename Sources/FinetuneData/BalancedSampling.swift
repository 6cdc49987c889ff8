import FinetuneCore

/// Class-balanced sampling: every pass draws as many samples as the dataset holds, with
/// replacement, each draw's class uniform over the classes that have samples and the sample
/// uniform within its class — PyTorch's `WeightedRandomSampler(weights, num_samples=n,
/// replacement=True)` with inverse-frequency weights wᵢ = 1 / count(classᵢ), so minority classes
/// are over-sampled and a batch holds each class equally often on average. Some samples of a
/// majority class are left out of a pass, some of a minority class repeated.
///
/// Pass p's draws come from their own generator (``SeededRNG`` seeded by `seed` and p), so the
/// order is a function of (seed, pass) alone: any number of workers, a `seek` or a resumed run
/// see the same batches.
package struct BalancedSampling: Sendable, Hashable {
    /// Sample indices of each class, by class index (empty for a class without samples).
    package let members: [[Int]]
    package let seed: Int

    /// Balanced draws over samples whose class indices are `labels` (sample i has class `labels[i]`).
    package init(labels: [Int], seed: Int) {
        precondition(!labels.isEmpty && labels.allSatisfy { $0 >= 0 }, "BalancedSampling: labels must be non-negative, at least one")
        var members = Array(repeating: [Int](), count: (labels.max() ?? 0) + 1)
        for (i, c) in labels.enumerated() { members[c].append(i) }
        self.members = members
        self.seed = seed
    }

    /// Number of samples (draws per pass).
    package var sampleCount: Int { members.reduce(0) { $0 + $1.count } }

    /// The sample indices of pass `pass`, in batch order: `sampleCount` balanced draws.
    package func order(pass: Int) -> [Int] {
        let classes = members.filter { !$0.isEmpty }
        var rng = SeededRNG(seed: (UInt64(truncatingIfNeeded: seed) << 32) ^ UInt64(truncatingIfNeeded: pass) ^ 0xB41A_4CED_0000_0000)
        return (0..<sampleCount).map { _ in
            let members = classes[Self.below(classes.count, using: &rng)]
            return members[Self.below(members.count, using: &rng)]
        }
    }

    /// A uniform integer in 0 ..< n: the high word of n × a 64-bit draw (bias below n / 2⁶⁴).
    static func below(_ n: Int, using rng: inout SeededRNG) -> Int {
        Int(UInt64(n).multipliedFullWidth(by: rng.next()).high)
    }
}
