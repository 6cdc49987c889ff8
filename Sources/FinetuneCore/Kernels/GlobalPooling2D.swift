/// y[n, c] = Σ_{i,j} x[n, i, j, c] / (H·W): Keras' `GlobalAveragePooling2D` (NHWC → NC). Sums in
/// Double, images split over threads.
package func globalAveragePool2DForward(input x: Tensor) -> Tensor {
    let (n, hw, c) = globalPoolingSizes(x.shape)
    return Tensor(shape: [n, c]) { y in
        guard y.count > 0 else { return }
        x.withUnsafeBufferPointer { xp in
            let xBase = xp.baseAddress!, yBase = y.baseAddress!
            Parallel.forEach(n) { image in
                var sums = [Double](repeating: 0, count: c)
                for p in 0..<hw {
                    let pixel = xBase + (image &* hw &+ p) &* c
                    for k in 0..<c { sums[k] += Double(pixel[k]) }
                }
                for k in 0..<c { yBase[image &* c &+ k] = Float(sums[k] / Double(hw)) }
            }
        }
    }
}

/// Gradient of ``globalAveragePool2DForward(input:)``: dx[n, i, j, c] = dy[n, c] / (H·W).
package func globalAveragePool2DBackward(outputGradient dy: Tensor, inputShape: Shape) -> Tensor {
    let (n, hw, c) = globalPoolingSizes(inputShape)
    precondition(dy.shape == [n, c], "global average pool backward: dy \(dy.shape) for input \(inputShape)")
    let count = Float(hw)
    return Tensor(shape: inputShape) { dx in
        guard dx.count > 0 else { return }
        dy.withUnsafeBufferPointer { dp in
            let dyBase = dp.baseAddress!, dxBase = dx.baseAddress!
            Parallel.forEach(n) { image in
                for p in 0..<hw {
                    let to = dxBase + (image &* hw &+ p) &* c, from = dyBase + image &* c
                    for k in 0..<c { to[k] = from[k] / count }
                }
            }
        }
    }
}

/// y[n, c] = max_{i,j} x[n, i, j, c]: Keras' `GlobalMaxPooling2D` (NHWC → NC), TensorFlow's
/// `reduce_max` — a NaN anywhere in a channel makes that channel's maximum NaN.
package func globalMaxPool2DForward(input x: Tensor) -> Tensor {
    let (n, hw, c) = globalPoolingSizes(x.shape)
    return Tensor(shape: [n, c]) { y in
        guard y.count > 0 else { return }
        x.withUnsafeBufferPointer { xp in
            let xBase = xp.baseAddress!, yBase = y.baseAddress!
            Parallel.forEach(n) { image in
                let best = yBase + image &* c
                best.update(from: xBase + image &* hw &* c, count: c)
                for p in 1..<max(hw, 1) {
                    let pixel = xBase + (image &* hw &+ p) &* c
                    for k in 0..<c where pixel[k] > best[k] || pixel[k].isNaN { best[k] = pixel[k] }
                }
            }
        }
    }
}

/// Gradient of ``globalMaxPool2DForward(input:)``, TensorFlow's `reduce_max` gradient: every input
/// equal to its channel's maximum gets dy / (how many are equal) — ties share it equally. A NaN
/// maximum equals nothing, so 0/0 makes the whole channel's gradient NaN, as in TensorFlow.
package func globalMaxPool2DBackward(input x: Tensor, output y: Tensor, outputGradient dy: Tensor) -> Tensor {
    let (n, hw, c) = globalPoolingSizes(x.shape)
    precondition(y.shape == [n, c] && dy.shape == [n, c], "global max pool backward: y \(y.shape), dy \(dy.shape) for \(x.shape)")
    return Tensor(shape: x.shape) { dx in
        guard dx.count > 0 else { return }
        x.withUnsafeBufferPointer { xp in y.withUnsafeBufferPointer { yp in dy.withUnsafeBufferPointer { dp in
            let xBase = xp.baseAddress!, dxBase = dx.baseAddress!
            Parallel.forEach(n) { image in
                let maxima = yp.baseAddress! + image &* c, grad = dp.baseAddress! + image &* c
                var ties = [Float](repeating: 0, count: c)
                for p in 0..<hw {
                    let pixel = xBase + (image &* hw &+ p) &* c
                    for k in 0..<c where pixel[k] == maxima[k] { ties[k] += 1 }
                }
                for p in 0..<hw {
                    let pixel = xBase + (image &* hw &+ p) &* c, to = dxBase + (image &* hw &+ p) &* c
                    for k in 0..<c { to[k] = (pixel[k] == maxima[k] ? 1 : 0) / ties[k] * grad[k] }
                }
            }
        } } }
    }
}

/// Images, pixels per image and channels of an NHWC shape with at least one pixel.
func globalPoolingSizes(_ s: Shape) -> (images: Int, pixels: Int, channels: Int) {
    precondition(s.rank == 4, "global pooling needs NHWC input, got \(s)")
    precondition(s[1] > 0 && s[2] > 0, "global pooling needs at least one pixel, got \(s)")
    return (s[0], s[1] * s[2], s[3])
}
