/// Rows and columns of zeros added around NHWC images: `top` rows above, `bottom` below, `left`
/// columns before, `right` after — Keras' `ZeroPadding2D(((top, bottom), (left, right)))`.
package struct ZeroPadding2DAmounts: Hashable, Sendable {
    package var top: Int, bottom: Int, left: Int, right: Int

    package init(top: Int, bottom: Int, left: Int, right: Int) {
        precondition(top >= 0 && bottom >= 0 && left >= 0 && right >= 0, "zero padding must be ≥ 0")
        self.top = top; self.bottom = bottom; self.left = left; self.right = right
    }

    /// The padded shape of an NHWC shape.
    package func paddedShape(_ s: Shape) -> Shape {
        precondition(s.rank == 4, "zero padding needs NHWC, got \(s)")
        return [s[0], s[1] + top + bottom, s[2] + left + right, s[3]]
    }
}

/// y[n, top + r, left + c, ch] = x[n, r, c, ch], zeros elsewhere. Each image row is one contiguous
/// copy (a row of pixels is W·C contiguous scalars); rows split over threads.
package func zeroPadding2DForward(input x: Tensor, padding: ZeroPadding2DAmounts) -> Tensor {
    let out = padding.paddedShape(x.shape)
    let (h, w, c) = (x.shape[1], x.shape[2], x.shape[3])
    let (oh, ow) = (out[1], out[2])
    return Tensor(shape: out) { y in
        guard y.count > 0 else { return }
        y.update(repeating: 0)
        guard h > 0, w > 0, c > 0 else { return }
        x.withUnsafeBufferPointer { xp in
            let xBase = xp.baseAddress!, yBase = y.baseAddress!
            Parallel.forEach(x.shape[0] * h) { row in
                let n = row / h, r = row &- n &* h
                (yBase + ((n &* oh &+ padding.top &+ r) &* ow &+ padding.left) &* c)
                    .update(from: xBase + row &* w &* c, count: w &* c)
            }
        }
    }
}

/// Gradient of ``zeroPadding2DForward(input:padding:)``: dL/dy cropped back to the input's rows
/// and columns (the padding's zeros depend on nothing).
package func zeroPadding2DBackward(outputGradient dy: Tensor, padding: ZeroPadding2DAmounts) -> Tensor {
    precondition(dy.rank == 4, "zero padding backward needs NHWC, got \(dy.shape)")
    let (oh, ow, c) = (dy.shape[1], dy.shape[2], dy.shape[3])
    let h = oh - padding.top - padding.bottom, w = ow - padding.left - padding.right
    precondition(h >= 0 && w >= 0, "zero padding backward: \(dy.shape) is smaller than the padding")
    return Tensor(shape: [dy.shape[0], h, w, c]) { dx in
        guard dx.count > 0 else { return }
        dy.withUnsafeBufferPointer { dp in
            let dyBase = dp.baseAddress!, dxBase = dx.baseAddress!
            Parallel.forEach(dy.shape[0] * h) { row in
                let n = row / h, r = row &- n &* h
                (dxBase + row &* w &* c)
                    .update(from: dyBase + ((n &* oh &+ padding.top &+ r) &* ow &+ padding.left) &* c, count: w &* c)
            }
        }
    }
}
