/// The dimensions of a ``Tensor``, outermost first. Images are NHWC, convolution kernels HWIO,
/// dense kernels (in, out) — the layouts Keras uses, so Keras weights load without transposes.
public struct Shape: Hashable, Sendable, Codable, ExpressibleByArrayLiteral,
                     RandomAccessCollection, CustomStringConvertible {
    public var dimensions: [Int]

    public init(_ dimensions: [Int]) {
        precondition(dimensions.allSatisfy { $0 >= 0 }, "negative dimension in \(dimensions)")
        self.dimensions = dimensions
    }
    public init(arrayLiteral elements: Int...) { self.init(elements) }

    /// Number of scalars a tensor of this shape holds (1 for a scalar shape `()`).
    public var scalarCount: Int { dimensions.reduce(1, *) }
    public var rank: Int { dimensions.count }

    public var startIndex: Int { 0 }
    public var endIndex: Int { dimensions.count }
    public subscript(i: Int) -> Int {
        get { dimensions[i] }
        set { dimensions[i] = newValue }
    }

    /// Keras' notation: `(20, 150, 150, 3)`.
    public var description: String {
        dimensions.count == 1 ? "(\(dimensions[0]),)"
            : "(" + dimensions.map(String.init).joined(separator: ", ") + ")"
    }

    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode([Int].self))
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(dimensions)
    }
}
