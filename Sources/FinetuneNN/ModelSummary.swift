import FinetuneCore

/// Keras' `model.summary()`: one row per layer (name, type, output shape, parameter count) and the
/// total / trainable / non-trainable parameter counts. `description` is the printed table.
public struct ModelSummary: Sendable, CustomStringConvertible {
    /// One layer of the table.
    package struct Row: Sendable {
        /// The layer's name.
        package var name: String
        /// The layer's Swift type (`Conv2D`, `Sequential`, …).
        package var type: String
        /// Output shape without the batch dimension (printed as `(None, …)`).
        package var outputShape: Shape
        /// Scalars in the layer's parameters (a nested model counts all of its own).
        package var parameters: Int
        /// 0 for the model's own layers, 1 for layers inside a nested model, …
        package var depth: Int
    }

    /// The model's name, printed as `Model: "sequential"`.
    package var modelName: String
    /// One row per layer, in forward order (nested layers indented when expanded).
    package var rows: [Row]
    /// Scalars in all parameters.
    public var totalParameters: Int
    /// Scalars in the trainable parameters.
    public var trainableParameters: Int
    /// Scalars in the frozen parameters.
    public var nonTrainableParameters: Int { totalParameters - trainableParameters }

    public var description: String {
        let widths = (name: 33, shape: 26, params: 15)
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }
        func leftPad(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }
        let rule = String(repeating: "_", count: widths.name + widths.shape + widths.params)
        let double = String(repeating: "=", count: rule.count)
        var lines = ["Model: \"\(modelName)\"", rule,
                     pad("Layer (type)", widths.name) + pad("Output Shape", widths.shape) + leftPad("Param #", widths.params),
                     double]
        for (i, row) in rows.enumerated() {
            let indent = String(repeating: "  ", count: row.depth)
            let shape = "(None" + row.outputShape.dimensions.map { ", \($0)" }.joined() + ")"
            lines.append(pad("\(indent)\(row.name) (\(row.type))", widths.name) + pad(shape, widths.shape)
                         + leftPad(Self.grouped(row.parameters), widths.params))
            if i < rows.count - 1 { lines.append(row.depth == 0 && rows[i + 1].depth == 0 ? rule : "") }
        }
        lines.removeAll { $0.isEmpty }
        lines += [double,
                  "Total params: \(Self.grouped(totalParameters))",
                  "Trainable params: \(Self.grouped(trainableParameters))",
                  "Non-trainable params: \(Self.grouped(nonTrainableParameters))",
                  rule]
        return lines.joined(separator: "\n")
    }

    /// 14714688 → "14,714,688".
    package static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return n < 0 ? "-" + out : out
    }
}

extension Sequential {
    /// The summary for an input of `inputShape` (without the batch dimension; defaults to
    /// `inputShape`), with `trainable` the trainable key set (`nil`: everything but state such as moving statistics, Keras' default —
    /// pass a ``FreezePolicy`` result to see a phase). `expandNested` lists the layers of nested
    /// models too, indented.
    public func summary(inputShape: Shape? = nil, trainable: Set<String>? = nil,
                        expandNested: Bool = false) throws -> ModelSummary {
        guard let input = inputShape ?? self.inputShape else {
            throw LayerError.incompatibleInput(layer: name, input: [],
                                               reason: "summary needs an input shape: pass inputShape: or set Sequential.inputShape")
        }
        var rows: [ModelSummary.Row] = []
        func visit(_ layers: [any Layer], _ shape: Shape, depth: Int) throws -> Shape {
            var shape = shape
            for layer in layers {
                let out = try layer.outputShape(for: shape)
                rows.append(.init(name: layer.name, type: String(describing: type(of: layer)),
                                  outputShape: Shape(Array(out.dimensions.dropFirst())),
                                  parameters: layer.parameterCount, depth: depth))
                if expandNested, !layer.sublayers.isEmpty { _ = try visit(layer.sublayers, shape, depth: depth + 1) }
                shape = out
            }
            return shape
        }
        _ = try visit(layers, Shape([1] + input.dimensions), depth: 0)
        let all = parameters
        let state = allStateKeys
        let trainableCount = all.filter { trainable?.contains($0.key) ?? !state.contains($0.key) }
            .reduce(0) { $0 + $1.value.scalarCount }
        return ModelSummary(modelName: name, rows: rows, totalParameters: all.reduce(0) { $0 + $1.value.scalarCount },
                            trainableParameters: trainableCount)
    }
}
