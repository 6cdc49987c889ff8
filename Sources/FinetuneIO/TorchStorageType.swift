/// A storage class a PyTorch pickle may name (`torch.FloatStorage`, …): its element size and, for
/// the element types that have one, how an element reads as `Float`.
///
/// Conversions are those of torch's `.to(torch.float32)`: float16 and bfloat16 widen exactly;
/// float64 and integers wider than 24 bits round to the nearest `Float` (ties to even; float64
/// beyond `Float`'s range becomes ±∞); bool reads 0 or 1. Complex and quantized storages are known,
/// so that a file holding them is walked and refused by tensor name, but have no reading.
struct TorchStorageType: Equatable, Sendable {
    enum Element: Equatable, Sendable {
        case float32, float64, float16, bfloat16, int64, int32, int16, int8, uint8, bool
    }

    /// The class name in `torch` (`FloatStorage`).
    var name: String
    var elementSize: Int
    /// `nil` for complex and quantized storages.
    var element: Element?

    static let all: [TorchStorageType] = [
        .init(name: "FloatStorage", elementSize: 4, element: .float32),
        .init(name: "DoubleStorage", elementSize: 8, element: .float64),
        .init(name: "HalfStorage", elementSize: 2, element: .float16),
        .init(name: "BFloat16Storage", elementSize: 2, element: .bfloat16),
        .init(name: "LongStorage", elementSize: 8, element: .int64),
        .init(name: "IntStorage", elementSize: 4, element: .int32),
        .init(name: "ShortStorage", elementSize: 2, element: .int16),
        .init(name: "CharStorage", elementSize: 1, element: .int8),
        .init(name: "ByteStorage", elementSize: 1, element: .uint8),
        .init(name: "BoolStorage", elementSize: 1, element: .bool),
        .init(name: "ComplexFloatStorage", elementSize: 8, element: nil),
        .init(name: "ComplexDoubleStorage", elementSize: 16, element: nil),
        .init(name: "QInt8Storage", elementSize: 1, element: nil),
        .init(name: "QUInt8Storage", elementSize: 1, element: nil),
        .init(name: "QInt32Storage", elementSize: 4, element: nil),
        .init(name: "QUInt4x2Storage", elementSize: 1, element: nil),
        .init(name: "QUInt2x4Storage", elementSize: 1, element: nil),
    ]

    /// The storage class `torch.<name>`, if it is one.
    static func named(_ name: String) -> TorchStorageType? { all.first { $0.name == name } }

    /// Converts `count` elements starting at byte `start` of `bytes` (little-endian) into `out`,
    /// element `i` from byte `start + i · stride · elementSize`.
    static func convert(_ element: Element, _ bytes: UnsafeRawBufferPointer, start: Int, stride: Int, count: Int,
                        into out: UnsafeMutablePointer<Float>) {
        let step = stride
        func load<T: FixedWidthInteger>(_: T.Type, _ i: Int) -> T {
            T(littleEndian: bytes.loadUnaligned(fromByteOffset: start + i * step * MemoryLayout<T>.size, as: T.self))
        }
        switch element {
        case .float32: for i in 0..<count { out[i] = Float(bitPattern: load(UInt32.self, i)) }
        case .float64: for i in 0..<count { out[i] = Float(Double(bitPattern: load(UInt64.self, i))) }
        case .float16: for i in 0..<count { out[i] = Float(Float16(bitPattern: load(UInt16.self, i))) }
        case .bfloat16: for i in 0..<count { out[i] = Float(bitPattern: UInt32(load(UInt16.self, i)) << 16) }
        case .int64: for i in 0..<count { out[i] = Float(load(Int64.self, i)) }
        case .int32: for i in 0..<count { out[i] = Float(load(Int32.self, i)) }
        case .int16: for i in 0..<count { out[i] = Float(load(Int16.self, i)) }
        case .int8: for i in 0..<count { out[i] = Float(load(Int8.self, i)) }
        case .uint8: for i in 0..<count { out[i] = Float(load(UInt8.self, i)) }
        case .bool: for i in 0..<count { out[i] = load(UInt8.self, i) == 0 ? 0 : 1 }
        }
    }
}
