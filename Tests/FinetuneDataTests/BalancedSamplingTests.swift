import Foundation
import Testing
import FinetuneCore
@testable import FinetuneData

/// 1×1×1 images whose value is the sample index, labelled by `counts` (the first counts[0]
/// samples class 0, the next counts[1] class 1, …).
struct CountedLoader: SampleLoader {
    var counts: [Int]
    var labels: [Int] { counts.enumerated().flatMap { Array(repeating: $0.offset, count: $0.element) } }
    var classNames: [String] { counts.indices.map { "class\($0)" } }
    var imageShape: Shape { [1, 1, 1] }
    var sampleCount: Int { counts.reduce(0, +) }
    func sample(at index: Int) throws -> (image: Tensor, label: Int) {
        (Tensor(shape: [1, 1, 1], scalars: [Float(index)]), labels[index])
    }
}

@Suite("Balanced sampling")
struct BalancedSamplingTests {
    /// Draws of `passes` passes by class and by sample.
    static func tally(_ s: BalancedSampling, labels: [Int], passes: Int) -> (byClass: [Int], bySample: [Int]) {
        var byClass = Array(repeating: 0, count: (labels.max() ?? 0) + 1), bySample = Array(repeating: 0, count: labels.count)
        for p in 0..<passes {
            let order = s.order(pass: p)
            #expect(order.count == labels.count, "pass \(p): \(order.count) draws for \(labels.count) samples")
            for i in order { byClass[labels[i]] += 1; bySample[i] += 1 }
        }
        return (byClass, bySample)
    }

    @Test("each class is drawn equally often, within five standard deviations of the binomial")
    func classFrequencies() {
        let labels = CountedLoader(counts: [90, 8, 2]).labels
        let s = BalancedSampling(labels: labels, seed: 3)
        let passes = 300, draws = Double(passes * labels.count)     // 30,000 draws
        let (byClass, _) = Self.tally(s, labels: labels, passes: passes)
        let sd = (draws * (1.0 / 3) * (2.0 / 3)).squareRoot()     // ≈ 81.6
        for (c, n) in byClass.enumerated() {
            #expect(abs(Double(n) - draws / 3) <= 5 * sd, "class \(c): \(n) draws, expected \(draws / 3) ± \(5 * sd)")
        }
    }

    @Test("within a class every sample is equally likely (inverse-frequency weights), within six standard deviations")
    func withinClass() {
        let counts = [90, 8, 2], labels = CountedLoader(counts: counts).labels
        let s = BalancedSampling(labels: labels, seed: 11)
        let passes = 300, draws = Double(passes * labels.count)
        let (_, bySample) = Self.tally(s, labels: labels, passes: passes)
        for (i, n) in bySample.enumerated() {
            let p = 1.0 / 3 / Double(counts[labels[i]])            // PyTorch: wᵢ / Σw with wᵢ = 1 / count
            let sd = (draws * p * (1 - p)).squareRoot()
            #expect(abs(Double(n) - draws * p) <= 6 * sd, "sample \(i): \(n) draws, expected \(draws * p) ± \(6 * sd)")
        }
    }

    @Test("a class without samples is never drawn and takes no share")
    func emptyClass() {
        let labels = [0, 0, 0, 2]
        let (byClass, _) = Self.tally(BalancedSampling(labels: labels, seed: 1), labels: labels, passes: 500)
        #expect(byClass[1] == 0)
        #expect(abs(Double(byClass[0]) - 1000) <= 5 * (2000 * 0.25).squareRoot(), "class 0: \(byClass[0]) of 2000")
    }

    @Test("the order is a function of (seed, pass): the same for the same pair, another for another")
    func deterministic() {
        let labels = CountedLoader(counts: [20, 5]).labels
        let a = BalancedSampling(labels: labels, seed: 5), b = BalancedSampling(labels: labels, seed: 5)
        #expect(a.order(pass: 3) == b.order(pass: 3))
        #expect(a.order(pass: 3) != a.order(pass: 4))
        #expect(a.order(pass: 0) != BalancedSampling(labels: labels, seed: 6).order(pass: 0))
    }

    @Test("a balanced PipelinedSource serves the drawn samples, for any worker count, and a seek resumes the stream exactly")
    func sourceAndResume() throws {
        let loader = CountedLoader(counts: [40, 6, 4])
        func source(workers: Int) throws -> PipelinedSource<CountedLoader> {
            try PipelinedSource(loader: loader, classMode: .categorical, batchSize: 8, shuffle: true, seed: 9, workers: workers)
                .balanced(labels: loader.labels)
        }
        var whole = try source(workers: 2)
        #expect(whole.batchesPerPass == 7)
        #expect(whole.repeatablePassIdentity == nil)
        var served: [[Float]] = []
        for _ in 0..<17 { served.append(try whole.next().images.scalars) }   // two passes and a bit
        let drawn = (0..<3).flatMap { pass in
            (0..<7).map { b in Array(whole.sampleOrder(pass: pass)[(b * 8)..<min(b * 8 + 8, 50)]).map(Float.init) }
        }
        #expect(served == Array(drawn.prefix(17)))
        #expect(Set(whole.sampleOrder(pass: 0)).count < 50, "drawn with replacement: some samples repeat in a pass")

        var unthreaded = try source(workers: 0)
        for step in 0..<17 { #expect(try unthreaded.next().images.scalars == served[step], "step \(step), no workers") }

        var resumed = try source(workers: 2)
        try resumed.seek(to: DataSourcePosition(pass: 1, batch: 3))
        for step in 10..<17 { #expect(try resumed.next().images.scalars == served[step], "step \(step) after the seek") }

        // The labels follow the drawn samples, and the minority classes are over-sampled.
        var counted = try source(workers: 1)
        var perClass = [0, 0, 0]
        for _ in 0..<(7 * 40) {
            let labels = try counted.next().labels
            for r in 0..<labels.shape[0] { perClass[(0..<3).first { labels.scalars[r * 3 + $0] == 1 }!] += 1 }
        }
        let draws = Double(perClass.reduce(0, +)), sd = (draws * 2 / 9).squareRoot()
        for (c, n) in perClass.enumerated() { #expect(abs(Double(n) - draws / 3) <= 5 * sd, "class \(c): \(n) of \(draws)") }
    }

    @Test("without balancing a pass is still Keras' permutation")
    func kerasOrderUnchanged() throws {
        let loader = CountedLoader(counts: [40, 6, 4])
        let plain = try PipelinedSource(loader: loader, batchSize: 8, shuffle: true, seed: 9, workers: 0)
        #expect(plain.sampleOrder(pass: 0) == KerasBatchOrder(sampleCount: 50, batchSize: 8, shuffle: true, seed: 9).order(pass: 0))
        #expect(plain.sampleOrder(pass: 0).sorted() == Array(0..<50))
    }
}
