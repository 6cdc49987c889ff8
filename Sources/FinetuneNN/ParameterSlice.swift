/// A contiguous run of one parameter's scalars, with the same run of its gradient and of each of
/// its optimizer slots: what an element-wise update rule reads and writes in place.
///
/// ``OptimizerSlots/update(_:gradients:slots:_:)`` hands a rule one slice per parameter, or
/// several slices of a large parameter to several threads at once. Index `i` means the same
/// scalar in ``parameter``, ``gradient`` and every ``slot(_:)`` buffer; `offset + i` is its index
/// in the whole (row-major) parameter. The buffers live only while the rule runs.
public struct ParameterSlice {
    /// The parameter's Keras key (`block5_conv1.kernel`).
    public let key: String
    /// Where this slice starts in the whole parameter.
    public let offset: Int
    /// The parameter's scalars, updated in place.
    public let parameter: UnsafeMutableBufferPointer<Float>
    /// The gradient's scalars (read only).
    public let gradient: UnsafeBufferPointer<Float>
    private let names: [String]
    private let slots: [UnsafeMutableBufferPointer<Float>]

    init(key: String, offset: Int, parameter: UnsafeMutableBufferPointer<Float>, gradient: UnsafeBufferPointer<Float>,
         names: [String], slots: [UnsafeMutableBufferPointer<Float>]) {
        self.key = key
        self.offset = offset
        self.parameter = parameter
        self.gradient = gradient
        self.names = names
        self.slots = slots
    }

    /// Number of scalars in the slice.
    package var count: Int { parameter.count }

    /// `0 ..< count`: the indices of every buffer of the slice.
    public var indices: Range<Int> { 0..<parameter.count }

    /// The scalars of slot `name`, updated in place (zeros the first time the parameter is
    /// updated). `name` must be one of the slots passed to ``OptimizerSlots/update(_:gradients:slots:_:)``.
    public func slot(_ name: String) -> UnsafeMutableBufferPointer<Float> {
        guard let i = names.firstIndex(of: name) else {
            preconditionFailure("optimizer slot '\(name)' of \(key) was not declared; the update declared \(names)")
        }
        return slots[i]
    }
}
