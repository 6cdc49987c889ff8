#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SciPy's `ndimage.affine_transform` (`NI_GeometricTransform`) for a 2-D image, order 0 or 1,
/// modes nearest / constant / reflect / wrap, computed in Double and stored as Float as SciPy
/// does for a float32 input. Per output pixel (r, c) and axis: the source coordinate
/// x = m₀·r + m₁·c + m₂ is mapped by the mode (constant: outside [0, n−1] → cval for the pixel);
/// order 1 reads samples ⌊x⌋ and ⌊x⌋+1 with weights 1 − f and f (f = x − ⌊x⌋), order 0 reads
/// ⌊x + ½⌋; sample indices outside 0…n−1 are folded by the mode's spline extension (mirror for
/// constant and wrap). The 2×2 products are summed in SciPy's order.
struct AffineResampler {
    let m: [Double]
    let h: Int, w: Int, c: Int
    let order: Int
    let mode: Mode
    let cval: Double

    enum Mode { case nearest, constant, reflect, wrap }

    init(matrix: [Double], height: Int, width: Int, channels: Int, order: Int, fillMode: Augmentation.FillMode) {
        self.m = matrix
        self.h = height; self.w = width; self.c = channels
        self.order = order
        switch fillMode {
        case .nearest: mode = .nearest; cval = 0
        case let .constant(v): mode = .constant; cval = v
        case .reflect: mode = .reflect; cval = 0
        case .wrap: mode = .wrap; cval = 0
        }
    }

    /// One axis' sample positions and weights for source coordinate `x` on an axis of `n` samples;
    /// nil means "outside: use cval".
    @inline(__always)
    private func axis(_ x: Double, _ n: Int) -> (i0: Int, i1: Int, w0: Double, w1: Double)? {
        var cc = x
        if mode != .nearest { cc = mapCoordinate(cc, n, mode) }
        guard cc > -1.0 || mode == .nearest else { return nil }
        let start = order == 1 ? Int(floorDouble(cc)) : Int(floorDouble(cc + 0.5))
        var i0 = start, i1 = start + order
        if start < 0 || start + order >= n {
            let spline: Mode = (mode == .constant || mode == .wrap) ? .constant : mode   // .constant here = mirror
            i0 = Int(splineIndex(Double(start), n, spline))
            i1 = order == 1 ? Int(splineIndex(Double(start + 1), n, spline)) : i0
        }
        if order == 0 { return (i0, i0, 1, 0) }
        let f = cc - floorDouble(cc)
        let w0 = 1.0 - f
        return (i0, i1, w0, 1.0 - w0)
    }

    func resample<Pixel: AffineSample>(_ input: UnsafeBufferPointer<Pixel>, into output: UnsafeMutableBufferPointer<Float>) {
        let a = m[0], b = m[1], e = m[2], d = m[3], f = m[4], g = m[5]
        let lastRow = Double(h - 1), lastColumn = Double(w - 1)
        for r in 0..<h {
            let rr = Double(r)
            for col in 0..<w {
                let cc = Double(col)
                let x0 = 0.0 + rr * a + cc * b + e
                let x1 = 0.0 + rr * d + cc * f + g
                let o = (r * w + col) * c
                // Interior (both neighbours inside, no mode mapping): the same arithmetic as
                // below without the boundary logic.
                if order == 1 && x0 >= 0 && x0 < lastRow && x1 >= 0 && x1 < lastColumn {
                    // Non-negative here, so truncation is ⌊x⌋.
                    let i0 = Int(x0), i1 = Int(x1)
                    let wy0 = 1.0 - (x0 - Double(i0)), wx0 = 1.0 - (x1 - Double(i1))
                    let wy1 = 1.0 - wy0, wx1 = 1.0 - wx0
                    let s00 = (i0 * w + i1) * c, s10 = s00 + w * c
                    if c == 3 {
                        for k in 0..<3 {
                            var t = 0.0
                            t += input[s00 + k].doubleValue * wy0 * wx0
                            t += input[s00 + 3 + k].doubleValue * wy0 * wx1
                            t += input[s10 + k].doubleValue * wy1 * wx0
                            t += input[s10 + 3 + k].doubleValue * wy1 * wx1
                            output[o + k] = Float(t)
                        }
                        continue
                    }
                    for k in 0..<c {
                        var t = 0.0
                        t += input[s00 + k].doubleValue * wy0 * wx0
                        t += input[s00 + c + k].doubleValue * wy0 * wx1
                        t += input[s10 + k].doubleValue * wy1 * wx0
                        t += input[s10 + c + k].doubleValue * wy1 * wx1
                        output[o + k] = Float(t)
                    }
                    continue
                }
                if order == 1 && mode == .nearest {
                    // Outside with edge replication: SciPy takes the weights from x's fraction
                    // and clamps both sample indices into the image.
                    let f0 = floorDouble(x0), f1 = floorDouble(x1)
                    let wy0 = 1.0 - (x0 - f0), wx0 = 1.0 - (x1 - f1)
                    let wy1 = 1.0 - wy0, wx1 = 1.0 - wx0
                    let r0 = clampIndex(f0, h), r1 = clampIndex(f0 + 1, h)
                    let c0 = clampIndex(f1, w), c1 = clampIndex(f1 + 1, w)
                    let s00 = (r0 * w + c0) * c, s01 = (r0 * w + c1) * c
                    let s10 = (r1 * w + c0) * c, s11 = (r1 * w + c1) * c
                    for k in 0..<c {
                        var t = 0.0
                        t += input[s00 + k].doubleValue * wy0 * wx0
                        t += input[s01 + k].doubleValue * wy0 * wx1
                        t += input[s10 + k].doubleValue * wy1 * wx0
                        t += input[s11 + k].doubleValue * wy1 * wx1
                        output[o + k] = Float(t)
                    }
                    continue
                }
                guard let ya = axis(x0, h), let xa = axis(x1, w) else {
                    for k in 0..<c { output[o + k] = Float(cval) }
                    continue
                }
                if order == 0 {
                    let s = (ya.i0 * w + xa.i0) * c
                    for k in 0..<c { output[o + k] = input[s + k].floatValue }
                    continue
                }
                let s00 = (ya.i0 * w + xa.i0) * c, s01 = (ya.i0 * w + xa.i1) * c
                let s10 = (ya.i1 * w + xa.i0) * c, s11 = (ya.i1 * w + xa.i1) * c
                for k in 0..<c {
                    var t = 0.0
                    t += input[s00 + k].doubleValue * ya.w0 * xa.w0
                    t += input[s01 + k].doubleValue * ya.w0 * xa.w1
                    t += input[s10 + k].doubleValue * ya.w1 * xa.w0
                    t += input[s11 + k].doubleValue * ya.w1 * xa.w1
                    output[o + k] = Float(t)
                }
            }
        }
    }
}

/// ⌊x⌋ without a libm call (baseline x86-64 has no `roundsd`); exact for |x| < 2⁵³, and the
/// coordinates here are image-sized.
@inline(__always)
private func floorDouble(_ x: Double) -> Double {
    guard abs(x) < 4.0e15 else { return x.rounded(.down) }
    let t = Double(Int(x))
    return t > x ? t - 1 : t
}

/// ⌊x⌋ (given as a Double) clamped to 0…n−1.
@inline(__always)
private func clampIndex(_ x: Double, _ n: Int) -> Int {
    x <= 0 ? 0 : x >= Double(n - 1) ? n - 1 : Int(x)
}

/// SciPy's `map_coordinate` for the modes Keras uses (constant maps outside points to −1).
@inline(__always)
private func mapCoordinate(_ x: Double, _ n: Int, _ mode: AffineResampler.Mode) -> Double {
    var v = x
    if v < 0 {
        switch mode {
        case .reflect:
            if n <= 1 { return 0 }
            let sz2 = Double(2 * n)
            if v < -sz2 { v = sz2 * Double(Int(-v / sz2)) + v }
            v = v < -Double(n) ? v + sz2 : (v > -1e-15 ? 1e-15 : -v) - 1
        case .wrap:
            if n <= 1 { return 0 }
            let sz = Double(n - 1)
            v += sz * (Double(Int(-v / sz)) + 1)
        case .nearest: v = 0
        case .constant: v = -1
        }
    } else if v > Double(n - 1) {
        switch mode {
        case .reflect:
            if n <= 1 { return 0 }
            let sz2 = Double(2 * n)
            v -= sz2 * Double(Int(v / sz2))
            if v >= Double(n) { v = sz2 - v - 1 }
        case .wrap:
            if n <= 1 { return 0 }
            let sz = Double(n - 1)
            v -= sz * Double(Int(v / sz))
        case .nearest: v = Double(n - 1)
        case .constant: v = -1
        }
    }
    return v
}

/// SciPy's spline-boundary folding of an integer sample index: `.constant` stands for MIRROR
/// (whole-sample symmetric, used for constant and wrap), plus nearest and reflect.
@inline(__always)
private func splineIndex(_ x: Double, _ n: Int, _ mode: AffineResampler.Mode) -> Double {
    var v = x
    if v < 0 {
        switch mode {
        case .constant, .wrap:
            if n <= 1 { return 0 }
            let sz2 = Double(2 * n - 2)
            v = sz2 * Double(Int(-v / sz2)) + v
            v = v <= Double(1 - n) ? v + sz2 : -v
        case .reflect:
            if n <= 1 { return 0 }
            let sz2 = Double(2 * n)
            if v < -sz2 { v = sz2 * Double(Int(-v / sz2)) + v }
            v = v < -Double(n) ? v + sz2 : (v > -1e-15 ? 1e-15 : -v) - 1
        case .nearest: v = 0
        }
    } else if v > Double(n - 1) {
        switch mode {
        case .constant, .wrap:
            if n <= 1 { return 0 }
            let sz2 = Double(2 * n - 2)
            v -= sz2 * Double(Int(v / sz2))
            if v >= Double(n) { v = sz2 - v }
        case .reflect:
            if n <= 1 { return 0 }
            let sz2 = Double(2 * n)
            v -= sz2 * Double(Int(v / sz2))
            if v >= Double(n) { v = sz2 - v - 1 }
        case .nearest: v = Double(n - 1)
        }
    }
    return v
}
