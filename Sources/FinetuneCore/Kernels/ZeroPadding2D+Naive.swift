extension NaiveKernels {
    /// y[n, i, j, c] = x[n, i − top, j − left, c] where that is inside x, else 0.
    package static func zeroPadding2DForward(input x: ReferenceTensor, padding: ZeroPadding2DAmounts) -> ReferenceTensor {
        var y = ReferenceTensor.zeros(padding.paddedShape(x.shape))
        for n in 0..<y.shape[0] { for i in 0..<y.shape[1] { for j in 0..<y.shape[2] { for c in 0..<y.shape[3] {
            let r = i - padding.top, col = j - padding.left
            if r >= 0, r < x.shape[1], col >= 0, col < x.shape[2] { y[n, i, j, c] = x[n, r, col, c] }
        } } } }
        return y
    }

    /// dx[n, r, c, ch] = dy[n, r + top, c + left, ch].
    package static func zeroPadding2DBackward(outputGradient dy: ReferenceTensor, padding: ZeroPadding2DAmounts) -> ReferenceTensor {
        var dx = ReferenceTensor.zeros([dy.shape[0], dy.shape[1] - padding.top - padding.bottom,
                                        dy.shape[2] - padding.left - padding.right, dy.shape[3]])
        for n in 0..<dx.shape[0] { for r in 0..<dx.shape[1] { for c in 0..<dx.shape[2] { for ch in 0..<dx.shape[3] {
            dx[n, r, c, ch] = dy[n, r + padding.top, c + padding.left, ch]
        } } } }
        return dx
    }

    package static func zeroPadding2DForward(input x: Tensor, padding: ZeroPadding2DAmounts) -> Tensor {
        zeroPadding2DForward(input: ReferenceTensor(x), padding: padding).tensor
    }

    package static func zeroPadding2DBackward(outputGradient dy: Tensor, padding: ZeroPadding2DAmounts) -> Tensor {
        zeroPadding2DBackward(outputGradient: ReferenceTensor(dy), padding: padding).tensor
    }
}
