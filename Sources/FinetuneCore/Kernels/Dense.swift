import CBLAS

/// Fully connected layer: y = x · W + b, x (n, in), W (in, out), b (out) — Keras' Dense layout.
public func denseForward(input x: Tensor, kernel w: Tensor, bias b: Tensor?) -> Tensor {
    KernelCounters.record(.denseForward)
    OpenBLASCore.ensureTuned()
    precondition(x.rank == 2 && w.rank == 2 && x.shape[1] == w.shape[0],
                 "dense: input \(x.shape) × kernel \(w.shape)")
    let n = x.shape[0], k = w.shape[0], m = w.shape[1]
    if let b { precondition(b.shape == [m], "dense bias \(b.shape) for \(m) units") }
    return Tensor(shape: [n, m]) { y in
        if let b { b.withUnsafeBufferPointer { bp in for r in 0..<n { (y.baseAddress! + r * m).update(from: bp.baseAddress!, count: m) } } }
        else { y.update(repeating: 0) }
        x.withUnsafeBufferPointer { xp in w.withUnsafeBufferPointer { wp in
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(m), Int32(k),
                        1, xp.baseAddress, Int32(k), wp.baseAddress, Int32(m), 1, y.baseAddress, Int32(m))
        } }
    }
}

/// Gradients of ``denseForward(input:kernel:bias:)``: dx = dy·Wᵀ, dW = xᵀ·dy, db = Σₙ dy.
public func denseBackward(input x: Tensor, kernel w: Tensor, outputGradient dy: Tensor,
                          computeInputGradient: Bool = true, computeKernelGradient: Bool = true)
    -> (input: Tensor?, kernel: Tensor?, bias: Tensor?) {
    let n = x.shape[0], k = w.shape[0], m = w.shape[1]
    precondition(dy.shape == [n, m], "dense backward: dy \(dy.shape) ≠ \([n, m] as Shape)")
    OpenBLASCore.ensureTuned()
    var dx: Tensor?, dw: Tensor?, db: Tensor?
    if computeInputGradient {
        KernelCounters.record(.denseInputGradient)
        dx = Tensor(shape: x.shape) { out in
            dy.withUnsafeBufferPointer { dyp in w.withUnsafeBufferPointer { wp in
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(k), Int32(m),
                            1, dyp.baseAddress, Int32(m), wp.baseAddress, Int32(m), 0, out.baseAddress, Int32(k))
            } }
        }
    }
    if computeKernelGradient {
        KernelCounters.record(.denseKernelGradient)
        dw = Tensor(shape: w.shape) { out in
            x.withUnsafeBufferPointer { xp in dy.withUnsafeBufferPointer { dyp in
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(k), Int32(m), Int32(n),
                            1, xp.baseAddress, Int32(k), dyp.baseAddress, Int32(m), 0, out.baseAddress, Int32(m))
            } }
        }
        db = Tensor(shape: [m]) { out in
            out.update(repeating: 0)
            dy.withUnsafeBufferPointer { dyp in for r in 0..<n { for c in 0..<m { out[c] += dyp[r * m + c] } } }
        }
    }
    return (dx, dw, db)
}
