import Foundation
import FinetuneCore

/// Collects the nodes and initializers of one ONNX graph while the layers are converted, and
/// tracks the value flowing between them: its name, its Finetune (NHWC) shape with batch 1, and
/// whether the graph holds it as NCHW (rank 4) or as it is (rank 2).
///
/// Images travel through the graph as NCHW, the layout ONNX's Conv, MaxPool and pooling
/// operators take; the input is transposed once after the preprocessing, and back to NHWC where
/// Finetune's order matters (Flatten, which feeds a Dense layer trained on NHWC order).
struct ONNXGraphBuilder {
    private(set) var nodes: [Onnx_NodeProto] = []
    private(set) var initializers: [Onnx_TensorProto] = []
    private var usedNames: Set<String> = []

    /// The value the next layer reads.
    var current: String
    /// Its shape in Finetune's terms (NHWC for images), batch 1.
    var shape: Shape
    /// Whether `current` is held as NCHW (only for rank-4 values).
    var isChannelsFirst = false
    /// Whether a BatchNormalization after a convolution is folded into it (``ONNXBatchNormFolding``).
    var foldsBatchNormalization = true

    init(input: String, shape: Shape) {
        current = input
        self.shape = shape
        usedNames = [input]
    }

    /// A name not used yet, from `base`.
    mutating func uniqueName(_ base: String) -> String {
        var name = base, k = 1
        while usedNames.contains(name) { name = "\(base)_\(k)"; k += 1 }
        usedNames.insert(name)
        return name
    }

    /// Adds a float32 initializer (raw little-endian data) and returns its name.
    mutating func constant(_ name: String, dims: [Int], values: [Float]) -> String {
        precondition(dims.reduce(1, *) == values.count, "ONNX initializer \(name): \(values.count) values for \(dims)")
        var tensor = Onnx_TensorProto()
        tensor.name = uniqueName(name)
        tensor.dims = dims.map(Int64.init)
        tensor.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        var data = Data(capacity: values.count * 4)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        tensor.rawData = data
        initializers.append(tensor)
        return tensor.name
    }

    /// Adds an int64 initializer and returns its name.
    mutating func constant(_ name: String, dims: [Int], int64 values: [Int64]) -> String {
        var tensor = Onnx_TensorProto()
        tensor.name = uniqueName(name)
        tensor.dims = dims.map(Int64.init)
        tensor.dataType = Int32(Onnx_TensorProto.DataType.int64.rawValue)
        var data = Data(capacity: values.count * 8)
        for v in values { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        tensor.rawData = data
        initializers.append(tensor)
        return tensor.name
    }

    /// Adds `op` reading `inputs`; its output (named after `name`) becomes ``current``.
    @discardableResult
    mutating func apply(_ op: String, name: String, inputs: [String], attributes: [Onnx_AttributeProto] = []) -> String {
        var node = Onnx_NodeProto()
        node.opType = op
        node.name = uniqueName(name)
        node.input = inputs
        node.output = [uniqueName(node.name + "_out")]
        node.attribute = attributes
        nodes.append(node)
        current = node.output[0]
        return current
    }

    /// Names the last node's output `name` (a graph output), or copies ``current`` into it.
    mutating func finish(output name: String) {
        if let last = nodes.indices.last, nodes[last].output == [current], !usedNames.contains(name) {
            nodes[last].output = [name]
        } else {
            apply("Identity", name: "output_identity", inputs: [current])
            nodes[nodes.count - 1].output = [name]
        }
        usedNames.insert(name)
        current = name
    }

    /// Puts an NCHW image value back into NHWC order (no-op for anything else).
    mutating func toChannelsLast(name: String) {
        guard isChannelsFirst else { return }
        apply("Transpose", name: name + "_to_nhwc", inputs: [current], attributes: [.ints("perm", [0, 2, 3, 1])])
        isChannelsFirst = false
    }

    /// The axis of `shape`'s last (channel) dimension as the graph holds it.
    var channelAxis: Int { isChannelsFirst ? 1 : shape.rank - 1 }
}

extension Onnx_AttributeProto {
    static func int(_ name: String, _ value: Int) -> Self {
        var a = Self(); a.name = name; a.type = .int; a.i = Int64(value); return a
    }
    static func ints(_ name: String, _ values: [Int]) -> Self {
        var a = Self(); a.name = name; a.type = .ints; a.ints = values.map(Int64.init); return a
    }
    static func float(_ name: String, _ value: Float) -> Self {
        var a = Self(); a.name = name; a.type = .float; a.f = value; return a
    }
}
