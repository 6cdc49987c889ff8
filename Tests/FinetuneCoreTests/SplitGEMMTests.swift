import FinetuneCore
import Testing

/// `splitSGEMM` cuts C into one block per thread and calls single-threaded OpenBLAS on each: every
/// shape, transpose and β must give the product of the definition.
@Suite("SplitGEMM")
struct SplitGEMMTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool, beta: Float
        var testDescription: String { "\(m)×\(n)×\(k) tA \(transposeA) tB \(transposeB) β \(beta)" }
    }

    static let cases: [Case] = [
        // wide C (split by columns, a block edge inside a 16-float group), tall C (split by rows)
        Case(m: 20, n: 250, k: 70, transposeA: false, transposeB: false, beta: 0),
        Case(m: 20, n: 250, k: 70, transposeA: true, transposeB: true, beta: 1),
        Case(m: 300, n: 33, k: 40, transposeA: false, transposeB: true, beta: 0.5),
        Case(m: 300, n: 33, k: 40, transposeA: true, transposeB: false, beta: 0),
        // too small to split, and fewer columns than threads × 16
        Case(m: 3, n: 5, k: 7, transposeA: false, transposeB: false, beta: 1),
        Case(m: 2000, n: 17, k: 9, transposeA: false, transposeB: false, beta: 0),
    ]

    @Test("matches the definition for every split", arguments: cases, [1, 2, 3, 5])
    func matchesDefinition(_ c: Case, threads: Int) {
        var rng = SeededRNG(seed: 41)
        let a = Tensor.uniform([c.m * c.k], low: -1, high: 1, using: &rng).scalars
        let b = Tensor.uniform([c.k * c.n], low: -1, high: 1, using: &rng).scalars
        let start = Tensor.uniform([c.m * c.n], low: -1, high: 1, using: &rng).scalars
        let (lda, ldb) = (c.transposeA ? c.m : c.k, c.transposeB ? c.k : c.n)
        var out = start
        a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in out.withUnsafeMutableBufferPointer { op in
            splitSGEMM(transposeA: c.transposeA, transposeB: c.transposeB, m: c.m, n: c.n, k: c.k, ap.baseAddress!,
                       lda: lda, bp.baseAddress!, ldb: ldb, beta: c.beta, op.baseAddress!, ldc: c.n, threads: threads)
        } } }
        var worst: Double = 0
        for i in 0..<c.m {
            for j in 0..<c.n {
                var sum = Double(c.beta) * Double(start[i * c.n + j])
                for p in 0..<c.k {
                    let x = c.transposeA ? a[p * c.m + i] : a[i * c.k + p]
                    let y = c.transposeB ? b[j * c.k + p] : b[p * c.n + j]
                    sum += Double(x) * Double(y)
                }
                worst = max(worst, abs(Double(out[i * c.n + j]) - sum))
            }
        }
        #expect(worst < 1e-4, "max |error| \(worst)")
    }
}
