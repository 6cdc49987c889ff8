import FinetuneCore
import FinetuneNN

extension KerasWeights {
    /// Which of a model's layers to load.
    public enum Scope: Sendable, Hashable {
        /// Every layer with weights: the file's convolutions, dense and batch-normalization layers
        /// must pair up with the model's, one to one.
        case all
        /// Only convolutions (a pretrained base such as VGG16's 13): the file's other layers are
        /// ignored, the model's other layers keep their values.
        case convolutions
    }

    /// One file entry placed onto one model layer.
    public struct Assignment: Sendable, Hashable {
        public var entry: String
        public var layer: String
    }

    /// The parameter values `load(into:scope:)` would set, by key, after checking every pairing.
    ///
    /// The model's leaf layers with weights (``FinetuneNN/Layer/sublayers``, depth first) are split
    /// by kind (convolution / dense / batch normalization); so are the file's entries. When the
    /// file names its layers (the Keras 2 layout) and the names of one kind are the model's, each
    /// entry goes to the layer of its name; otherwise the n-th convolution of the file goes to the
    /// n-th convolution of the model, and the same for the other kinds (a `Graph` lists its layers
    /// in Keras' `model.layers` order, which numbers Keras 3's `conv2d_N`). Each entry's tensors go
    /// to the layer's parameters in order (kernel, bias; gamma, beta, moving mean, moving
    /// variance). Counts and shapes must match.
    /// A safetensors file pairs by name instead (see `namedAssignments(for:scope:)`).
    package func assignments(for model: some Layer, scope: Scope = .all) throws
        -> (values: [(key: String, value: Tensor)], pairs: [Assignment]) {
        if layout == .safetensors { return try namedAssignments(for: model, scope: scope) }
        let file = self.file.path
        let leaves = WeightedLeaf.leaves(of: model)
        for leaf in leaves where leaf.kind == nil {
            throw KerasWeightsError.unsupportedLayer(
                file: file, layer: leaf.name,
                reason: "has parameters \(leaf.parameters.map { "\($0.key) \($0.value.shape)" }.joined(separator: ", "))")
        }
        if scope == .all, let odd = entries.first(where: { $0.kind == nil }) {
            throw KerasWeightsError.unsupportedLayer(
                file: file, layer: odd.label,
                reason: "in the file has tensors of shapes \(odd.tensors.map { "\($0.shape)" }.joined(separator: ", "))")
        }
        let kinds: [KerasLayerKind] = scope == .all ? [.convolution, .dense, .batchNormalization] : [.convolution]
        var values: [(key: String, value: Tensor)] = []
        var pairs: [Assignment] = []
        for kind in kinds {
            let fileSide = entries.filter { $0.kind == kind }
            let modelSide = leaves.filter { $0.kind == kind }
            guard fileSide.count == modelSide.count else {
                throw KerasWeightsError.layerCountMismatch(file: file, kind: kind, fileLayers: fileSide.map(\.label),
                                                           modelLayers: modelSide.map(\.name))
            }
            let named = Dictionary(fileSide.compactMap { e in e.layerName.map { ($0, e) } }, uniquingKeysWith: { a, _ in a })
            let byName = named.count == fileSide.count && Set(named.keys) == Set(modelSide.map(\.name))
            for (entry, leaf) in zip(byName ? modelSide.map { named[$0.name]! } : fileSide, modelSide) {
                guard entry.tensors.count == leaf.parameters.count else {
                    throw KerasWeightsError.parameterCountMismatch(file: file, layer: leaf.name, entry: entry.label,
                                                                   modelCount: leaf.parameters.count,
                                                                   fileCount: entry.tensors.count)
                }
                for (tensor, parameter) in zip(entry.tensors, leaf.parameters) {
                    guard tensor.shape == parameter.value.shape else {
                        throw KerasWeightsError.shapeMismatch(file: file, key: parameter.key, entry: entry.label,
                                                              fileShape: tensor.shape, modelShape: parameter.value.shape)
                    }
                    values.append((parameter.key, tensor))
                }
                pairs.append(Assignment(entry: entry.label, layer: leaf.name))
            }
        }
        return (values, pairs)
    }

    /// Sets `model`'s parameters from the file (see `assignments(for:scope:)` for the mapping).
    /// Everything is checked before anything is set: on error `model` is unchanged. Returns which
    /// file entry went to which layer.
    @discardableResult
    public func load(into model: inout some Layer, scope: Scope = .all) throws -> [Assignment] {
        let (values, pairs) = try assignments(for: model, scope: scope)
        var updated = model
        for (key, value) in values {
            do { try updated.setParameter(key, to: value) } catch {
                throw KerasWeightsError.modelRejected(file: file.path, key: key, reason: String(describing: error))
            }
        }
        model = updated
        return pairs
    }
}
