import Foundation
import Testing
import SwiftProtobuf
@testable import FinetuneONNX

@Suite("Reading an ONNX model's weights")
struct ONNXWeightReaderTests {
    static func tensor(_ name: String, _ dims: [Int], _ values: [Float], raw: Bool) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = name
        t.dims = dims.map(Int64.init)
        t.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        if raw {
            var data = Data()
            for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
            t.rawData = data
        } else {
            t.floatData = values
        }
        return t
    }

    static func node(_ op: String, _ name: String, _ inputs: [String], _ attributes: [Onnx_AttributeProto] = []) -> Onnx_NodeProto {
        var n = Onnx_NodeProto()
        n.opType = op
        n.name = name
        n.input = inputs
        n.output = [name + "_out"]
        n.attribute = attributes
        return n
    }

    @Test("weights as float_data, Constant and Identity nodes; Gemm with transB; MatMul with the Add after it")
    func paths() throws {
        let w: [Float] = (0..<6).map(Float.init)   // (out 2, in 3) for the Gemm with transB
        var constant = Onnx_AttributeProto()
        constant.name = "value"
        constant.type = .tensor
        constant.t = Self.tensor("k", [3, 2], w, raw: false)
        var g = Onnx_GraphProto()
        g.initializer = [Self.tensor("gemm.w", [2, 3], w, raw: false), Self.tensor("gemm.b", [2], [1, 2], raw: true),
                         Self.tensor("add.b", [2], [3, 4], raw: true)]
        g.node = [
            Self.node("Gemm", "gemm", ["x", "gemm.w", "gemm.b"], [.int("transB", 1)]),
            { var n = Self.node("Constant", "const", []); n.attribute = [constant]; return n }(),
            Self.node("Identity", "shared", ["const_out"]),
            Self.node("MatMul", "matmul", ["gemm_out", "shared_out"]),
            Self.node("Add", "bias", ["matmul_out", "add.b"]),
        ]
        var model = Onnx_ModelProto()
        model.graph = g
        let layers = try ONNXWeightReader.layers(of: try model.serializedData(), file: "t.onnx")
        #expect(layers.map(\.label) == ["gemm", "matmul"])
        #expect(layers.map(\.kind) == [.dense, .dense])
        #expect(layers[0].kernel?.shape == [3, 2])
        #expect(layers[0].kernel?.scalars == [0, 3, 1, 4, 2, 5])   // (in, out)
        #expect(layers[0].bias?.scalars == [1, 2])
        #expect(layers[1].kernel?.scalars == w)
        #expect(layers[1].bias?.scalars == [3, 4])
    }

    @Test("a weight computed by the graph, or not float32, is refused naming the node and the tensor")
    func refusals() throws {
        var g = Onnx_GraphProto()
        g.node = [Self.node("Conv", "conv", ["x", "computed_w"])]
        var model = Onnx_ModelProto()
        model.graph = g
        #expect {
            try ONNXWeightReader.layers(of: try model.serializedData(), file: "t.onnx")
        } throws: { "\($0)".contains("t.onnx") && "\($0)".contains("'conv'") && "\($0)".contains("computed_w") }
        var half = Self.tensor("w", [1, 1, 1, 1], [1], raw: true)
        half.dataType = Int32(Onnx_TensorProto.DataType.float16.rawValue)
        g.initializer = [half]
        g.node = [Self.node("Conv", "conv", ["x", "w"])]
        model.graph = g
        #expect {
            try ONNXWeightReader.layers(of: try model.serializedData(), file: "t.onnx")
        } throws: { "\($0)".contains("'w'") && "\($0)".contains("float32") }
    }
}
