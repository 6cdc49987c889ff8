import FinetuneCore

/// Random geometric augmentation = Keras' `ImageDataGenerator` (rotation, shifts, shear, zoom,
/// flips, fill mode), applied per image on 0–255 floats before preprocessing.
///
/// Draw order per image (Keras 3 `get_random_transform`), each draw only when its range is set:
/// θ ~ U(−rotation, rotation) degrees; tx ~ U(−heightShift, heightShift) (× image height when
/// the range is < 1); ty ~ U(−widthShift, widthShift) (× width when < 1); shear ~ U(−s, s);
/// (zx, zy) ~ U(zoom.lower, zoom.upper) twice unless zoom is exactly 1…1; then two uniform draws
/// for the horizontal and vertical flips (p < 0.5), made even when flips are off.
/// The transform itself is `AffineTransform`. Channel shift, brightness and the featurewise
/// normalisations of `ImageDataGenerator` are not offered.
public struct Augmentation: Sendable, Hashable {
    /// Which Keras' formulas to follow.
    public enum Semantics: String, Sendable, Hashable {
        /// Keras 3 (default): bilinear (order 1), shear in degrees, centre size/2 − 0.5, rows and
        /// columns of the matrix swapped for channels-last, both flip draws always made.
        case keras3
        /// Keras 2.0.8, the book's: nearest (order 0), shear in radians, centre size/2 + 0.5, no
        /// swap, shifts always scaled by the image size, a flip draw only when that flip is on.
        case book
    }

    /// How points that fall outside the image are filled (SciPy's `mode`).
    public enum FillMode: Sendable, Hashable {
        /// Edge pixels repeated (Chollet's choice, Keras' default).
        case nearest
        /// The constant `cval`.
        case constant(Double)
        /// Half-sample mirror: d c b a | a b c d | d c b a.
        case reflect
        /// SciPy's `wrap` (period n − 1: the first and last samples coincide).
        case wrap
    }

    public var rotationRange: Double
    public var widthShiftRange: Double
    public var heightShiftRange: Double
    public var shearRange: Double
    public var zoomRange: ClosedRange<Double>
    public var horizontalFlip: Bool
    public var verticalFlip: Bool
    public var fillMode: FillMode
    public var semantics: Semantics

    /// `zoom` is Keras' scalar `zoom_range`: zx, zy ~ U(1 − zoom, 1 + zoom).
    public init(rotationRange: Double = 0, widthShiftRange: Double = 0, heightShiftRange: Double = 0,
                shearRange: Double = 0, zoom: Double = 0, horizontalFlip: Bool = false,
                verticalFlip: Bool = false, fillMode: FillMode = .nearest, semantics: Semantics = .keras3) {
        self.init(rotationRange: rotationRange, widthShiftRange: widthShiftRange, heightShiftRange: heightShiftRange,
                  shearRange: shearRange, zoomRange: Self.zoomRange(zoom), horizontalFlip: horizontalFlip,
                  verticalFlip: verticalFlip, fillMode: fillMode, semantics: semantics)
    }

    /// [1 − zoom, 1 + zoom] in increasing order (Keras draws from either order alike); a zoom
    /// that is not finite gives −∞…−∞, which ``validate()`` refuses, rather than trapping here.
    static func zoomRange(_ zoom: Double) -> ClosedRange<Double> {
        guard zoom.isFinite else { return -Double.infinity ... -Double.infinity }
        return min(1 - zoom, 1 + zoom)...max(1 - zoom, 1 + zoom)
    }

    /// `zoomRange` is Keras' `zoom_range=[lower, upper]`.
    public init(rotationRange: Double = 0, widthShiftRange: Double = 0, heightShiftRange: Double = 0,
                shearRange: Double = 0, zoomRange: ClosedRange<Double>, horizontalFlip: Bool = false,
                verticalFlip: Bool = false, fillMode: FillMode = .nearest, semantics: Semantics = .keras3) {
        self.rotationRange = rotationRange
        self.widthShiftRange = widthShiftRange
        self.heightShiftRange = heightShiftRange
        self.shearRange = shearRange
        self.zoomRange = zoomRange
        self.horizontalFlip = horizontalFlip
        self.verticalFlip = verticalFlip
        self.fillMode = fillMode
        self.semantics = semantics
    }

    /// Throws unless every range is finite and the zoom range is positive.
    package func validate() throws {
        let ranges = [("rotation range", rotationRange), ("width shift range", widthShiftRange),
                      ("height shift range", heightShiftRange), ("shear range", shearRange)]
        for (name, value) in ranges where !(value.isFinite && value >= 0) {
            throw DataError.invalidConfiguration("the \(name) must be a finite number ≥ 0, got \(value)")
        }
        let (lower, upper) = (zoomRange.lowerBound, zoomRange.upperBound)
        guard lower.isFinite, upper.isFinite else {
            throw DataError.invalidConfiguration("the zoom range must be finite, got \(lower)...\(upper)")
        }
        guard lower > 0 else {
            throw DataError.invalidConfiguration("zoom range \(lower)...\(upper) must stay above 0 (a zoom of 0 maps every pixel to one point)")
        }
        if case let .constant(v) = fillMode, !v.isFinite {
            throw DataError.invalidConfiguration("constant fill value \(v) must be finite")
        }
    }

    /// Draws one image's parameters in Keras' order from `source` (uniform doubles in [0, 1)).
    package func randomParameters(height: Int, width: Int, using source: inout some UniformSource) -> AffineParameters {
        var p = AffineParameters()
        switch semantics {
        case .keras3:
            if rotationRange != 0 { p.theta = source.uniform(-rotationRange, rotationRange) }
            if heightShiftRange != 0 {
                p.tx = source.uniform(-heightShiftRange, heightShiftRange)
                if heightShiftRange < 1 { p.tx *= Double(height) }
            }
            if widthShiftRange != 0 {
                p.ty = source.uniform(-widthShiftRange, widthShiftRange)
                if widthShiftRange < 1 { p.ty *= Double(width) }
            }
            if shearRange != 0 { p.shear = source.uniform(-shearRange, shearRange) }
            if !(zoomRange.lowerBound == 1 && zoomRange.upperBound == 1) {
                p.zx = source.uniform(zoomRange.lowerBound, zoomRange.upperBound)
                p.zy = source.uniform(zoomRange.lowerBound, zoomRange.upperBound)
            }
            p.flipHorizontal = source.nextUnit() < 0.5 && horizontalFlip
            p.flipVertical = source.nextUnit() < 0.5 && verticalFlip
        case .book:
            if rotationRange != 0 { p.theta = source.uniform(-rotationRange, rotationRange) }
            if heightShiftRange != 0 { p.tx = source.uniform(-heightShiftRange, heightShiftRange) * Double(height) }
            if widthShiftRange != 0 { p.ty = source.uniform(-widthShiftRange, widthShiftRange) * Double(width) }
            if shearRange != 0 { p.shear = source.uniform(-shearRange, shearRange) }
            if !(zoomRange.lowerBound == 1 && zoomRange.upperBound == 1) {
                p.zx = source.uniform(zoomRange.lowerBound, zoomRange.upperBound)
                p.zy = source.uniform(zoomRange.lowerBound, zoomRange.upperBound)
            }
            if horizontalFlip { p.flipHorizontal = source.nextUnit() < 0.5 }
            if verticalFlip { p.flipVertical = source.nextUnit() < 0.5 }
        }
        return p
    }

    /// The transform for `parameters` under these semantics and fill mode.
    package func transform(_ parameters: AffineParameters) -> AffineTransform {
        AffineTransform(parameters: parameters, semantics: semantics, fillMode: fillMode)
    }
}

/// One image's augmentation parameters, in the units of the ``Augmentation/Semantics`` that drew
/// them: θ in degrees; tx (added to the first matrix coordinate, scaled by the height) and ty in
/// pixels; shear in degrees (Keras 3) or radians (book); zoom factors (> 1 zooms out).
package struct AffineParameters: Sendable, Hashable, Codable {
    package var theta: Double = 0
    package var tx: Double = 0
    package var ty: Double = 0
    package var shear: Double = 0
    package var zx: Double = 1
    package var zy: Double = 1
    package var flipHorizontal = false
    package var flipVertical = false

    package init(theta: Double = 0, tx: Double = 0, ty: Double = 0, shear: Double = 0, zx: Double = 1, zy: Double = 1,
                flipHorizontal: Bool = false, flipVertical: Bool = false) {
        self.theta = theta; self.tx = tx; self.ty = ty; self.shear = shear; self.zx = zx; self.zy = zy
        self.flipHorizontal = flipHorizontal; self.flipVertical = flipVertical
    }
}

/// A source of uniform doubles in [0, 1): NumPy's stream (``MT19937``) or Finetune's
/// per-sample ``SeededRNG``.
package protocol UniformSource {
    mutating func nextUnit() -> Double
}

extension UniformSource {
    /// low + (high − low)·u, NumPy's `uniform`.
    package mutating func uniform(_ low: Double, _ high: Double) -> Double { low + (high - low) * nextUnit() }
}

extension MT19937: UniformSource {
    package mutating func nextUnit() -> Double { nextDouble() }
}

extension SeededRNG: UniformSource {
    package mutating func nextUnit() -> Double { nextUnitDouble() }
}
