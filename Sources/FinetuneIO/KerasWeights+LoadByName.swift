import FinetuneCore
import FinetuneNN

extension KerasWeights {
    /// The values and pairs of ``assignments(for:scope:)`` for a file whose tensors carry Keras
    /// names (safetensors): parameter `block1_conv1.kernel` takes the tensor whose name ends in
    /// `block1_conv1/kernel` (its last two `/`-separated parts, so `sequential/dense/kernel`, as
    /// Keras 3 names a variable inside a Sequential, also fits `dense.kernel`).
    ///
    /// Strict, like the HDF5 layouts: every parameter in scope needs its tensor, with the same
    /// shape, and every tensor in scope must be taken — with `.all` every tensor of the file, with
    /// `.convolutions` every tensor of the file's convolution layers (the rest is ignored). Layers
    /// of any kind load (BatchNormalization's state included), since names, not kinds, pair them.
    func namedAssignments(for model: any Layer, scope: Scope) throws
        -> (values: [(key: String, value: Tensor)], pairs: [Assignment]) {
        let file = self.file.path
        struct Place { var entry: Int; var tensor: Int }
        var places: [String: [Place]] = [:]
        for (e, entry) in entries.enumerated() {
            for (t, name) in entry.tensorNames.enumerated() {
                places[Self.shortName(name), default: []].append(Place(entry: e, tensor: t))
            }
        }
        let leaves = WeightedLeaf.leaves(of: model).filter { scope == .all || $0.kind == .convolution }
        var used = Set<String>()   // full tensor names
        var missing: [String] = []
        var values: [(key: String, value: Tensor)] = []
        var pairs: [Assignment] = []
        for leaf in leaves {
            var entryLabel: String?
            for (key, parameter) in leaf.parameters {
                let wanted = Self.tensorName(forKey: key)
                guard let found = places[wanted], !found.isEmpty else { missing.append(wanted); continue }
                guard found.count == 1 else {
                    let names = found.map { entries[$0.entry].tensorNames[$0.tensor] }
                    throw KerasWeightsError.modelRejected(file: file, key: key, reason: "\(found.count) tensors of the file end in '"
                        + "\(wanted)' (\(names.joined(separator: ", "))); keep one")
                }
                let entry = entries[found[0].entry]
                let tensor = entry.tensors[found[0].tensor]
                let fullName = entry.tensorNames[found[0].tensor]
                guard tensor.shape == parameter.shape else {
                    throw KerasWeightsError.shapeMismatch(file: file, key: key, entry: fullName, fileShape: tensor.shape,
                                                          modelShape: parameter.shape)
                }
                used.insert(fullName)
                values.append((key, tensor))
                entryLabel = entryLabel ?? entry.label
            }
            if let entryLabel { pairs.append(Assignment(entry: entryLabel, layer: leaf.name)) }
        }
        let inScope = entries.filter { scope == .all || $0.kind == .convolution }
        let unused = inScope.flatMap(\.tensorNames).filter { !used.contains($0) }
        if !missing.isEmpty || !unused.isEmpty {
            throw KerasWeightsError.missingTensors(file: file, missing: missing, unused: unused)
        }
        return (values, pairs)
    }

    /// `block1_conv1/kernel` for `block1_conv1.kernel`: the layer name and the weight name, split
    /// at the key's last `.`.
    static func tensorName(forKey key: String) -> String {
        guard let dot = key.lastIndex(of: ".") else { return key }
        return String(key[..<dot]) + "/" + String(key[key.index(after: dot)...])
    }

    /// The last two `/`-separated parts of a tensor name (`dense/kernel` for `sequential/dense/kernel`).
    static func shortName(_ name: String) -> String {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        return parts.suffix(2).joined(separator: "/")
    }
}
