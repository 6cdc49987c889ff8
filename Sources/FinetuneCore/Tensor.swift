/// A dense, row-major Float32 tensor with value semantics (copy-on-write through `Array`).
///
/// Layout conventions: images NHWC, convolution kernels HWIO (kh, kw, in, out), dense kernels
/// (in, out). Shapes are checked on construction; element access is for tests and small code —
/// kernels work on `withUnsafeBufferPointer`.
public struct Tensor: Sendable, Equatable, CustomStringConvertible {
    public private(set) var shape: Shape
    public var scalars: [Float] {
        didSet { precondition(scalars.count == shape.scalarCount, "scalar count changed") }
    }

    /// A tensor of the given shape holding `scalars` in row-major order.
    public init(shape: Shape, scalars: [Float]) {
        precondition(scalars.count == shape.scalarCount,
                     "Tensor: \(scalars.count) scalars do not fill shape \(shape) (\(shape.scalarCount))")
        self.shape = shape
        self.scalars = scalars
    }

    /// A tensor filled with `value`.
    public init(repeating value: Float, shape: Shape) {
        self.init(shape: shape, scalars: [Float](repeating: value, count: shape.scalarCount))
    }

    public static func zeros(_ shape: Shape) -> Tensor { Tensor(repeating: 0, shape: shape) }

    /// Fills a new tensor by writing directly into its uninitialized storage.
    public init(shape: Shape, unsafeUninitialized body: (UnsafeMutableBufferPointer<Float>) -> Void) {
        let n = shape.scalarCount
        self.shape = shape
        self.scalars = [Float](unsafeUninitializedCapacity: n) { buffer, count in
            body(buffer)
            count = n
        }
    }

    public var scalarCount: Int { shape.scalarCount }
    public var rank: Int { shape.rank }

    /// The same scalars viewed with another shape of equal size.
    public func reshaped(_ newShape: Shape) -> Tensor {
        precondition(newShape.scalarCount == shape.scalarCount,
                     "cannot reshape \(shape) to \(newShape)")
        var t = self
        t.shape = newShape
        return t
    }

    /// Element at a multi-index (slow; for tests and debugging).
    public subscript(_ index: Int...) -> Float {
        get { scalars[offset(index)] }
        set { scalars[offset(index)] = newValue }
    }

    private func offset(_ index: [Int]) -> Int {
        precondition(index.count == shape.rank, "index \(index) for shape \(shape)")
        var o = 0
        for (i, d) in zip(index, shape.dimensions) {
            precondition(i >= 0 && i < d, "index \(index) out of bounds for \(shape)")
            o = o * d + i
        }
        return o
    }

    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try scalars.withUnsafeBufferPointer(body)
    }
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (inout UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        try scalars.withUnsafeMutableBufferPointer(body)
    }

    /// Rows `range` of the outermost dimension (a batch slice), copied.
    public func slice(batch range: Range<Int>) -> Tensor {
        precondition(rank >= 1 && range.lowerBound >= 0 && range.upperBound <= shape[0])
        let inner = shape.scalarCount / max(shape[0], 1)
        var s = shape
        s[0] = range.count
        return Tensor(shape: s, scalars: Array(scalars[range.lowerBound * inner ..< range.upperBound * inner]))
    }

    /// Concatenates tensors along the outermost (batch) dimension.
    public static func concatenate(batches parts: [Tensor]) -> Tensor {
        precondition(!parts.isEmpty, "nothing to concatenate")
        let inner = Array(parts[0].shape.dimensions.dropFirst())
        var all: [Float] = []
        all.reserveCapacity(parts.reduce(0) { $0 + $1.scalarCount })
        var n = 0
        for p in parts {
            precondition(Array(p.shape.dimensions.dropFirst()) == inner, "concatenate: \(p.shape) vs \(inner)")
            all.append(contentsOf: p.scalars)
            n += p.shape[0]
        }
        return Tensor(shape: Shape([n] + inner), scalars: all)
    }

    public var description: String {
        let head = scalars.prefix(8).map { String($0) }.joined(separator: ", ")
        return "Tensor\(shape)[\(head)\(scalars.count > 8 ? ", …" : "")]"
    }
}

extension Tensor {
    /// Sum of squares, in Double (for norms and relative errors).
    package var squaredNorm: Double {
        withUnsafeBufferPointer { b in b.reduce(0.0) { $0 + Double($1) * Double($1) } }
    }
}
