/// A Double-precision tensor with ``Tensor``'s row-major layout, for the reference twins in
/// ``NaiveKernels`` and for finite-difference checks, where float32 rounding would hide the
/// truncation error being measured.
package struct ReferenceTensor: Sendable, Equatable, CustomStringConvertible {
    package private(set) var shape: Shape
    package var scalars: [Double] {
        didSet { precondition(scalars.count == shape.scalarCount, "scalar count changed") }
    }

    package init(shape: Shape, scalars: [Double]) {
        precondition(scalars.count == shape.scalarCount,
                     "ReferenceTensor: \(scalars.count) scalars do not fill shape \(shape)")
        self.shape = shape
        self.scalars = scalars
    }

    /// The float32 tensor's values, exactly.
    package init(_ t: Tensor) { self.init(shape: t.shape, scalars: t.scalars.map(Double.init)) }

    package static func zeros(_ shape: Shape) -> ReferenceTensor {
        ReferenceTensor(shape: shape, scalars: [Double](repeating: 0, count: shape.scalarCount))
    }

    /// Rounded to float32 (round to nearest even).
    package var tensor: Tensor { Tensor(shape: shape, scalars: scalars.map(Float.init)) }

    package var scalarCount: Int { shape.scalarCount }
    package var rank: Int { shape.rank }

    /// Element at a multi-index, row-major.
    package subscript(_ index: Int...) -> Double {
        get { scalars[offset(index)] }
        set { scalars[offset(index)] = newValue }
    }

    func offset(_ index: [Int]) -> Int {
        precondition(index.count == shape.rank, "index \(index) for shape \(shape)")
        var o = 0
        for (i, d) in zip(index, shape.dimensions) {
            precondition(i >= 0 && i < d, "index \(index) out of bounds for \(shape)")
            o = o * d + i
        }
        return o
    }

    /// Σ aᵢ·bᵢ over two tensors of equal size (a scalar loss L = ⟨y, r⟩ for gradient checks).
    package func dot(_ other: ReferenceTensor) -> Double {
        precondition(scalarCount == other.scalarCount, "dot: \(shape) vs \(other.shape)")
        var s = 0.0
        for i in 0..<scalars.count { s += scalars[i] * other.scalars[i] }
        return s
    }

    package var description: String {
        let head = scalars.prefix(8).map { String($0) }.joined(separator: ", ")
        return "ReferenceTensor\(shape)[\(head)\(scalars.count > 8 ? ", …" : "")]"
    }
}
