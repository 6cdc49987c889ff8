/// Fully connected layer: y = x · W + b, x (n, in), W (in, out), b (out) — Keras' Dense layout.
package func denseForward(input x: Tensor, kernel w: Tensor, bias b: Tensor?) -> Tensor {
    KernelCounters.record(.denseForward)
    precondition(x.rank == 2 && w.rank == 2 && x.shape[1] == w.shape[0],
                 "dense: input \(x.shape) × kernel \(w.shape)")
    let n = x.shape[0], k = w.shape[0], m = w.shape[1]
    if let b { precondition(b.shape == [m], "dense bias \(b.shape) for \(m) units") }
    return Tensor(shape: [n, m]) { y in
        if let b { b.withUnsafeBufferPointer { bp in for r in 0..<n { (y.baseAddress! + r * m).update(from: bp.baseAddress!, count: m) } } }
        else { y.update(repeating: 0) }
        x.withUnsafeBufferPointer { xp in w.withUnsafeBufferPointer { wp in
            sgemm(m: n, n: m, k: k, xp.baseAddress!, lda: k, wp.baseAddress!, ldb: m, beta: 1, y.baseAddress!, ldc: m,
                  threads: Parallel.threadCount)
        } }
    }
}

/// Gradients of ``denseForward(input:kernel:bias:)``: dx = dy·Wᵀ, dW = xᵀ·dy, db = Σₙ dy.
package func denseBackward(input x: Tensor, kernel w: Tensor, outputGradient dy: Tensor,
                          computeInputGradient: Bool = true, computeKernelGradient: Bool = true)
    -> (input: Tensor?, kernel: Tensor?, bias: Tensor?) {
    let n = x.shape[0], k = w.shape[0], m = w.shape[1]
    precondition(dy.shape == [n, m], "dense backward: dy \(dy.shape) ≠ \([n, m] as Shape)")
    var dx: Tensor?, dw: Tensor?, db: Tensor?
    if computeInputGradient {
        KernelCounters.record(.denseInputGradient)
        dx = Tensor(shape: x.shape) { out in
            dy.withUnsafeBufferPointer { dyp in w.withUnsafeBufferPointer { wp in
                sgemm(transposeB: true, m: n, n: k, k: m, dyp.baseAddress!, lda: m, wp.baseAddress!, ldb: m,
                      beta: 0, out.baseAddress!, ldc: k, threads: Parallel.threadCount)
            } }
        }
    }
    if computeKernelGradient {
        KernelCounters.record(.denseKernelGradient)
        dw = Tensor(shape: w.shape) { out in
            x.withUnsafeBufferPointer { xp in dy.withUnsafeBufferPointer { dyp in
                sgemm(transposeA: true, m: k, n: m, k: n, xp.baseAddress!, lda: k, dyp.baseAddress!, ldb: m,
                      beta: 0, out.baseAddress!, ldc: m, threads: Parallel.threadCount)
            } }
        }
        db = Tensor(shape: [m]) { out in
            out.update(repeating: 0)
            dy.withUnsafeBufferPointer { dyp in for r in 0..<n { for c in 0..<m { out[c] += dyp[r * m + c] } } }
        }
    }
    return (dx, dw, db)
}
