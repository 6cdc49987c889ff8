#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One image's geometric transform, as Keras' `apply_affine_transform` + `flip_axis` compute it,
/// resampled with SciPy's `ndimage.affine_transform` rules.
///
/// Matrix (Keras' own order, only non-identity factors multiplied, in Double):
/// T = Rotation(θ) · Shift(tx, ty) · Shear(s) · Zoom(zx, zy), with
/// Rotation = [[cos θ, −sin θ, 0], [sin θ, cos θ, 0], [0, 0, 1]], Shift = [[1, 0, tx], [0, 1, ty], [0, 0, 1]],
/// Shear = [[1, −sin s, 0], [0, cos s, 0], [0, 0, 1]], Zoom = [[zx, 0, 0], [0, zy, 0], [0, 0, 1]];
/// M = Offset(o) · T · Offset(−o) with o = (h/2 − 0.5, w/2 − 0.5) (Keras 3) or (h/2 + 0.5, w/2 + 0.5)
/// (book). Keras 3 then swaps rows and columns 0↔1 of M (channels-last), so the map from an output
/// pixel (row r, column c) to the input point it pulls from is
/// `(r, c) ↦ (M'₀₀ r + M'₀₁ c + M'₀₂, M'₁₀ r + M'₁₁ c + M'₁₂)`.
/// Resampling per channel: order 1 (bilinear B-spline, Keras 3) or 0 (nearest, book); points
/// outside follow ``Augmentation/FillMode`` exactly as SciPy maps them (`map_coordinate`, with
/// mirror extension at the edge for `constant` and `wrap`). Flips (columns, then rows) come last.
package struct AffineTransform: Sendable, Hashable {
    package let parameters: AffineParameters
    package let semantics: Augmentation.Semantics
    package let fillMode: Augmentation.FillMode

    package init(parameters: AffineParameters, semantics: Augmentation.Semantics, fillMode: Augmentation.FillMode) {
        self.parameters = parameters
        self.semantics = semantics
        self.fillMode = fillMode
    }

    /// Spline order SciPy is called with.
    package var order: Int { semantics == .keras3 ? 1 : 0 }

    /// The 2×3 pull matrix [[a, b, c], [d, e, f]] in (row, column) coordinates for an h×w image,
    /// or nil when Keras would not resample at all (no rotation, shift, shear or zoom).
    package func matrix(height h: Int, width w: Int) -> [Double]? {
        let p = parameters
        typealias M3 = [Double]
        func dot(_ a: M3, _ b: M3) -> M3 {
            var r = M3(repeating: 0, count: 9)
            for i in 0..<3 { for j in 0..<3 { r[3 * i + j] = a[3 * i] * b[j] + a[3 * i + 1] * b[3 + j] + a[3 * i + 2] * b[6 + j] } }
            return r
        }
        var t: M3? = nil
        func chain(_ m: M3) { t = t.map { dot($0, m) } ?? m }
        if p.theta != 0 {
            let theta = semantics == .keras3 ? p.theta * (Double.pi / 180) : Double.pi / 180 * p.theta
            chain([cos(theta), -sin(theta), 0, sin(theta), cos(theta), 0, 0, 0, 1])
        }
        if p.tx != 0 || p.ty != 0 { chain([1, 0, p.tx, 0, 1, p.ty, 0, 0, 1]) }
        if p.shear != 0 {
            let s = semantics == .keras3 ? p.shear * (Double.pi / 180) : p.shear
            chain([1, -sin(s), 0, 0, cos(s), 0, 0, 0, 1])
        }
        if p.zx != 1 || p.zy != 1 { chain([p.zx, 0, 0, 0, p.zy, 0, 0, 0, 1]) }
        guard let core = t else { return nil }
        let half = semantics == .keras3 ? -0.5 : 0.5
        let ox = Double(h) / 2 + half, oy = Double(w) / 2 + half
        let m = dot(dot([1, 0, ox, 0, 1, oy, 0, 0, 1], core), [1, 0, -ox, 0, 1, -oy, 0, 0, 1])
        if semantics == .keras3 {
            // M' = P M P (P swaps axes 0 and 1): rows and columns 0↔1 exchanged.
            return [m[4], m[3], m[5], m[1], m[0], m[2]]
        }
        return [m[0], m[1], m[2], m[3], m[4], m[5]]
    }

    /// Applies the transform to an h×w×c image (row-major, channels last) read through `input`,
    /// writing Float32 0–255 values to `output` (h·w·c, must not alias the input).
    package func apply<Pixel: AffineSample>(to input: UnsafeBufferPointer<Pixel>, height h: Int, width w: Int,
                                           channels c: Int, into output: UnsafeMutableBufferPointer<Float>) {
        precondition(input.count >= h * w * c && output.count >= h * w * c, "AffineTransform.apply: buffer sizes")
        if let m = matrix(height: h, width: w) {
            guard m.allSatisfy(\.isFinite) else {
                // Non-finite parameters (a NaN range slipped through): nothing sensible to pull.
                let fill: Float
                if case let .constant(v) = fillMode { fill = Float(v) } else { fill = 0 }
                for i in 0..<(h * w * c) { output[i] = fill }
                return
            }
            AffineResampler(matrix: m, height: h, width: w, channels: c, order: order, fillMode: fillMode)
                .resample(input, into: output)
        } else {
            for i in 0..<(h * w * c) { output[i] = input[i].floatValue }
        }
        if parameters.flipHorizontal {
            for r in 0..<h {
                for x in 0..<(w / 2) {
                    let a = (r * w + x) * c, b = (r * w + w - 1 - x) * c
                    for k in 0..<c { output.swapAt(a + k, b + k) }
                }
            }
        }
        if parameters.flipVertical {
            for r in 0..<(h / 2) {
                let a = r * w * c, b = (h - 1 - r) * w * c
                for k in 0..<(w * c) { output.swapAt(a + k, b + k) }
            }
        }
    }
}

/// A pixel sample the resampler can read: bytes of a decoded image or floats of an array.
package protocol AffineSample {
    var floatValue: Float { get }
    var doubleValue: Double { get }
}

extension UInt8: AffineSample {
    @inline(__always) package var floatValue: Float { Float(self) }
    @inline(__always) package var doubleValue: Double { Double(self) }
}

extension Float: AffineSample {
    @inline(__always) package var floatValue: Float { self }
    @inline(__always) package var doubleValue: Double { Double(self) }
}
