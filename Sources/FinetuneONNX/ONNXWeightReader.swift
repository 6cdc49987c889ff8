import Foundation
import SwiftProtobuf
import FinetuneCore

/// Reads the layers with weights of an ONNX model, in node order, into Keras' layouts for
/// ``WeightImport``: `Conv` (kernel OIHW → HWIO; with `group` = input channels > 1 a depthwise
/// convolution, (C·M, 1, kh, kw) → (kh, kw, C, M)), `BatchNormalization` (scale, B, mean, var,
/// `epsilon`), `Gemm` (B (in, out), or (out, in) with `transB`; C the bias; alpha and beta 1) and
/// `MatMul` by a constant (in, out), with the bias of an `Add` right after it. Weights are
/// initializers or `Constant` nodes (also through `Identity` nodes), float32 (raw or
/// `float_data`); weights kept in external files are refused.
package enum ONNXWeightReader {
    package static func layers(of data: Data, file: String) throws -> [WeightImport.Layer] {
        let model: Onnx_ModelProto
        do { model = try Onnx_ModelProto(serializedBytes: data) } catch {
            throw WeightImportError.unreadable(file: file, what: "the ONNX model", problem: "it does not decode (\(error))")
        }
        let g = model.graph
        var constants: [String: Onnx_TensorProto] = [:]
        for tensor in g.initializer { constants[tensor.name] = tensor }
        for node in g.node {
            guard let output = node.output.first else { continue }
            if node.opType == "Constant", let value = node.attribute.first(where: { $0.name == "value" && $0.hasT }) {
                constants[output] = value.t
            } else if node.opType == "Identity", let input = node.input.first, let value = constants[input] {
                constants[output] = value   // exporters pass shared weights through Identity nodes
            }
        }
        func tensor(_ node: Onnx_NodeProto, _ index: Int, _ role: String) throws -> Tensor? {
            guard index < node.input.count, !node.input[index].isEmpty else { return nil }
            let name = node.input[index]
            guard let proto = constants[name] else {
                throw WeightImportError.unreadable(file: file, what: "node '\(node.name)' (\(node.opType))",
                                                   problem: "its \(role) '\(name)' is computed, not a stored weight")
            }
            return try floats(proto, file: file, node: node)
        }
        func attribute(_ node: Onnx_NodeProto, _ name: String) -> Onnx_AttributeProto? { node.attribute.first { $0.name == name } }

        var layers: [WeightImport.Layer] = []
        let nodes = g.node
        for (k, node) in nodes.enumerated() {
            let label = node.name.isEmpty ? "\(node.opType) node \(k)" : node.name
            switch node.opType {
            case "Conv":
                guard let w = try tensor(node, 1, "weight"), w.rank == 4 else {
                    throw WeightImportError.unreadable(file: file, what: "node '\(label)' (Conv)", problem: "it has no 2-D kernel (O, I, kh, kw)")
                }
                let group = Int(attribute(node, "group")?.i ?? 1)
                let bias = try tensor(node, 2, "bias")
                if group > 1 {
                    guard w.shape[1] == 1, w.shape[0] % group == 0 else {
                        throw WeightImportError.unreadable(file: file, what: "node '\(label)' (Conv, group \(group))",
                                                           problem: "only depthwise grouping (one input channel per group) imports; its kernel is \(w.shape)")
                    }
                    // (C·M, 1, kh, kw) → (kh, kw, C·M) = (kh, kw, C, M): output channel c·M + m.
                    let kernel = Tensor(shape: [w.shape[2], w.shape[3], group, w.shape[0] / group],
                                        scalars: ONNXLayerConverters.permuted(w, [2, 3, 1, 0]))
                    layers.append(.init(kind: .depthwise, label: label, kernel: kernel, bias: bias))
                } else {
                    let kernel = Tensor(shape: [w.shape[2], w.shape[3], w.shape[1], w.shape[0]],
                                        scalars: ONNXLayerConverters.permuted(w, [2, 3, 1, 0]))
                    layers.append(.init(kind: .convolution, label: label, kernel: kernel, bias: bias))
                }
            case "BatchNormalization":
                guard let gamma = try tensor(node, 1, "scale"), let beta = try tensor(node, 2, "B"),
                      let mean = try tensor(node, 3, "mean"), let variance = try tensor(node, 4, "var") else {
                    throw WeightImportError.unreadable(file: file, what: "node '\(label)' (BatchNormalization)",
                                                       problem: "it lacks one of scale, B, mean, var")
                }
                let epsilon = attribute(node, "epsilon").map { Double($0.f) } ?? 1e-5
                layers.append(.batchNormalization(label: label, gamma: gamma, beta: beta, mean: mean, variance: variance,
                                                  epsilon: epsilon))
            case "Gemm":
                guard let b = try tensor(node, 1, "B"), b.rank == 2 else { continue }   // two computed operands: no weights
                for name in ["alpha", "beta"] where (attribute(node, name)?.f ?? 1) != 1 {
                    throw WeightImportError.unreadable(file: file, what: "node '\(label)' (Gemm)", problem: "\(name) ≠ 1 does not import")
                }
                if attribute(node, "transA")?.i ?? 0 != 0 {
                    throw WeightImportError.unreadable(file: file, what: "node '\(label)' (Gemm)", problem: "transA = 1 does not import")
                }
                let kernel = attribute(node, "transB")?.i ?? 0 != 0
                    ? Tensor(shape: [b.shape[1], b.shape[0]], scalars: ONNXLayerConverters.permuted(b, [1, 0])) : b
                layers.append(.init(kind: .dense, label: label, kernel: kernel, bias: try tensor(node, 2, "C")))
            case "MatMul":
                guard let b = try? tensor(node, 1, "B"), b.rank == 2 else { continue }
                var layer = WeightImport.Layer(kind: .dense, label: label, kernel: b)
                if k + 1 < nodes.count, nodes[k + 1].opType == "Add", nodes[k + 1].input.contains(node.output.first ?? "") {
                    let add = nodes[k + 1]
                    if let other = add.input.first(where: { $0 != node.output.first }), constants[other] != nil {
                        layer.bias = try floats(constants[other]!, file: file, node: add)
                    }
                }
                layers.append(layer)
            default:
                continue
            }
        }
        return layers
    }

    /// A float32 tensor's values (raw little-endian data or `float_data`), shaped.
    static func floats(_ proto: Onnx_TensorProto, file: String, node: Onnx_NodeProto) throws -> Tensor {
        let what = "tensor '\(proto.name)' of node '\(node.name)'"
        guard proto.dataType == Int32(Onnx_TensorProto.DataType.float.rawValue) else {
            throw WeightImportError.unreadable(file: file, what: what, problem: "data type \(proto.dataType) is not float32 (1)")
        }
        guard proto.dataLocation != .external else {
            throw WeightImportError.unreadable(file: file, what: what, problem: "its data lives in an external file; "
                                               + "save the model with its weights inside (onnx.save(model, path, save_as_external_data=False))")
        }
        let shape = Shape(proto.dims.map(Int.init))
        let count = shape.scalarCount
        var values: [Float]
        if !proto.rawData.isEmpty {
            guard proto.rawData.count == count * 4 else {
                throw WeightImportError.unreadable(file: file, what: what, problem: "\(proto.rawData.count) bytes for shape \(shape)")
            }
            values = [Float](repeating: 0, count: count)
            proto.rawData.withUnsafeBytes { raw in
                for i in 0..<count { values[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
            }
        } else {
            guard proto.floatData.count == count else {
                throw WeightImportError.unreadable(file: file, what: what, problem: "\(proto.floatData.count) values for shape \(shape)")
            }
            values = proto.floatData
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw WeightImportError.unreadable(file: file, what: what, problem: "value \(bad) is \(values[bad])")
        }
        return Tensor(shape: shape, scalars: values)
    }
}
