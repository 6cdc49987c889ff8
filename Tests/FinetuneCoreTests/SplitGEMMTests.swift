import FinetuneCore
import Testing

/// `splitSGEMM` cuts C into one block per thread and multiplies each on one thread, with the AVX-512
/// kernel of CVectorKernels where the CPU has it, or with OpenBLAS: every shape, transpose, α and β
/// must give the product of the definition, on either kernel, and the same bits for every split.
@Suite("SplitGEMM")
struct SplitGEMMTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool, alpha: Float = 1, beta: Float
        var testDescription: String { "\(m)×\(n)×\(k) tA \(transposeA) tB \(transposeB) α \(alpha) β \(beta)" }
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
        // several blocks of the summed dimension (the vector kernel sums 128 at a time), 16 × 16
        // transposed squares with ragged edges, fewer than six rows, α ≠ 1
        Case(m: 5, n: 70, k: 300, transposeA: true, transposeB: true, alpha: 2, beta: 1),
        Case(m: 67, n: 131, k: 257, transposeA: false, transposeB: true, alpha: -0.5, beta: 0),
        Case(m: 131, n: 64, k: 129, transposeA: true, transposeB: false, beta: 0.5),
        Case(m: 1, n: 1, k: 1, transposeA: true, transposeB: true, beta: 0),
        Case(m: 7, n: 9, k: 0, transposeA: false, transposeB: false, alpha: 3, beta: 0.5),
    ]

    @Test("matches the definition for every split", arguments: cases, [1, 2, 3, 5])
    func matchesDefinition(_ c: Case, threads: Int) {
        let vector = product(c, threads: threads, vectorKernel: true)
        let blas = product(c, threads: threads, vectorKernel: false)
        let single = product(c, threads: 1, vectorKernel: true)
        if sgemmVectorKernelAvailable {
            #expect(vector.out.map(\.bitPattern) == single.out.map(\.bitPattern), "the split changed the bits")
        }
        for (name, result) in [("vector kernel", vector), ("OpenBLAS", blas)] {
            #expect(result.worst < 1e-4, "\(name): max |error| \(result.worst)")
        }
    }

    private func product(_ c: Case, threads: Int, vectorKernel: Bool) -> (out: [Float], worst: Double) {
        var rng = SeededRNG(seed: 41)
        let a = Tensor.uniform([c.m * c.k], low: -1, high: 1, using: &rng).scalars
        let b = Tensor.uniform([c.k * c.n], low: -1, high: 1, using: &rng).scalars
        // With β = 0, C is not read (as BLAS): NaN there must not reach the product.
        let start = c.beta == 0 ? [Float](repeating: .nan, count: c.m * c.n)
            : Tensor.uniform([c.m * c.n], low: -1, high: 1, using: &rng).scalars
        let (lda, ldb) = (c.transposeA ? c.m : c.k, c.transposeB ? c.k : c.n)
        var out = start
        a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in out.withUnsafeMutableBufferPointer { op in
            splitSGEMM(transposeA: c.transposeA, transposeB: c.transposeB, m: c.m, n: c.n, k: c.k, alpha: c.alpha,
                       a.isEmpty ? UnsafePointer(op.baseAddress!) : ap.baseAddress!, lda: max(lda, 1),
                       b.isEmpty ? UnsafePointer(op.baseAddress!) : bp.baseAddress!, ldb: max(ldb, 1), beta: c.beta, op.baseAddress!,
                       ldc: c.n, threads: threads, vectorKernel: vectorKernel)
        } } }
        var worst: Double = 0
        for i in 0..<c.m {
            for j in 0..<c.n {
                var sum = c.beta == 0 ? 0 : Double(c.beta) * Double(start[i * c.n + j])
                for p in 0..<c.k {
                    let x = c.transposeA ? a[p * c.m + i] : a[i * c.k + p]
                    let y = c.transposeB ? b[j * c.k + p] : b[p * c.n + j]
                    sum += Double(c.alpha) * Double(x) * Double(y)
                }
                worst = max(worst, abs(Double(out[i * c.n + j]) - sum))
            }
        }
        return (out, worst)
    }
}
