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
        /// The nodes a graph's layer reads (`conv1[0][0]`; empty for the input); `nil` outside graphs.
        package var connectedTo: [String]? = nil
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
        // Keras' widths, wider where a row would not fit.
        let longest = rows.map { 2 * $0.depth + $0.name.count + $0.type.count + 3 }.max() ?? 0
        let widths = (name: max(33, longest + 1), shape: 26, params: 15)
        let connected = rows.contains { $0.connectedTo != nil }
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }
        func leftPad(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }
        let connectedWidth = connected ? 2 + max(12, rows.map { ($0.connectedTo ?? []).joined(separator: ", ").count }.max() ?? 0) : 0
        let rule = String(repeating: "_", count: widths.name + widths.shape + widths.params + connectedWidth)
        let double = String(repeating: "=", count: rule.count)
        var lines = ["Model: \"\(modelName)\"", rule,
                     pad("Layer (type)", widths.name) + pad("Output Shape", widths.shape) + leftPad("Param #", widths.params)
                        + (connected ? "  Connected to" : ""),
                     double]
        for (i, row) in rows.enumerated() {
            let indent = String(repeating: "  ", count: row.depth)
            let shape = "(None" + row.outputShape.dimensions.map { ", \($0)" }.joined() + ")"
            var line = pad("\(indent)\(row.name) (\(row.type))", widths.name) + pad(shape, widths.shape)
                + leftPad(Self.grouped(row.parameters), widths.params)
            if let from = row.connectedTo { line += "  " + (from.isEmpty ? "-" : from.joined(separator: ", ")) }
            lines.append(line)
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

extension Layer {
    /// Keras' `model.summary()`: one row per layer (name and type, output shape, parameter count),
    /// then the total, trainable and non-trainable parameter counts; a functional model (a graph)
    /// also gets a row for its input and Keras 3's "Connected to" column (`conv1[0][0]`).
    ///
    /// - Parameters:
    ///   - inputShape: the input without the batch dimension; by default the model's own (a
    ///     `Sequential` made with `inputShape:`, or a graph). Other layers need it.
    ///   - trainable: the trainable key set (`nil`: everything but state such as moving statistics,
    ///     Keras' default); pass a ``FreezePolicy`` result to see a phase.
    ///   - expandNested: list the layers of nested models too, indented.
    public func summary(inputShape: Shape? = nil, trainable: Set<String>? = nil,
                        expandNested: Bool = false) throws -> ModelSummary {
        if let graph = self as? Graph, inputShape == nil || inputShape == graph.inputShape {
            let rows = try ModelSummary.rows(of: graph, input: Shape([1] + graph.inputShape.dimensions), depth: 0,
                                             expandNested: expandNested)
            return ModelSummary(model: graph, rows: rows, trainable: trainable)
        }
        guard let input = inputShape ?? (self as? Sequential)?.inputShape else {
            throw LayerError.incompatibleInput(layer: name, input: [],
                                               reason: "summary needs an input shape: pass inputShape: or set Sequential.inputShape")
        }
        let rows = try ModelSummary.rows(of: self, input: Shape([1] + input.dimensions), depth: 0, expandNested: expandNested)
        return ModelSummary(model: self, rows: rows, trainable: trainable)
    }
}

extension ModelSummary {
    /// The summary of `model` with `rows`; trainable counts from `trainable` (`nil`: everything but state).
    init(model: any Layer, rows: [Row], trainable: Set<String>?) {
        let all = model.parameters
        let state = model.allStateKeys
        let trainableCount = all.filter { trainable?.contains($0.key) ?? !state.contains($0.key) }
            .reduce(0) { $0 + $1.value.scalarCount }
        self.init(modelName: model.name, rows: rows, totalParameters: all.reduce(0) { $0 + $1.value.scalarCount },
                  trainableParameters: trainableCount)
    }

    /// The rows of the children of `model` for an input of shape `input` (batch dimension
    /// included); a graph's start with its input and say what each layer is connected to.
    static func rows(of model: any Layer, input: Shape, depth: Int, expandNested: Bool) throws -> [Row] {
        func row(_ layer: any Layer, _ output: Shape, connectedTo: [String]? = nil) -> Row {
            // A nested functional graph is a `Functional` in Keras' table, as `keras.Model(inputs, outputs)` is.
            Row(name: layer.name, type: layer is Graph ? "Functional" : String(describing: type(of: layer)), outputShape: Shape(Array(output.dimensions.dropFirst())),
                parameters: layer.parameterCount, depth: depth, connectedTo: connectedTo)
        }
        func nested(_ layer: any Layer, _ input: Shape) throws -> [Row] {
            guard expandNested, !layer.sublayers.isEmpty else { return [] }
            return try ModelSummary.rows(of: layer, input: input, depth: depth + 1, expandNested: true)
        }
        var rows: [Row] = []
        if let graph = model as? Graph {
            let shapes = try graph.nodeShapes(for: input)
            let names = [graph.inputName] + graph.layers.map(\.name)
            rows.append(Row(name: graph.inputName, type: "InputLayer", outputShape: Shape(Array(input.dimensions.dropFirst())),
                            parameters: 0, depth: depth, connectedTo: []))
            for (k, layer) in graph.layers.enumerated() {
                let from = graph.inputs[k]
                rows.append(row(layer, shapes[k + 1], connectedTo: from.map { names[$0] + "[0][0]" }))
                rows += try nested(layer, shapes[from[0]])
            }
            return rows
        }
        var shape = input
        for layer in model.sublayers {
            let out = try layer.outputShape(for: shape)
            rows.append(row(layer, out))
            rows += try nested(layer, shape)
            shape = out
        }
        return rows
    }
}
