import Foundation
import FinetuneCore
import FinetuneNN

extension KerasWeights {
    /// Writes `model`'s weights as a Keras 3 `.weights.h5` that Keras' `model.load_weights` reads
    /// into the same architecture (for Chollet's model: `Sequential([VGG16(include_top=False), Flatten(),
    /// Dense(256), Dense(1)])`).
    ///
    /// Layout, as Keras 3 writes it: each container's layers go under `<container>/layers/`; a
    /// nested container is named `containerClass` (`functional`, Keras' class for
    /// `keras.applications.VGG16`), a convolution `conv2d`, a dense layer `dense`, a batch
    /// normalization `batch_normalization`, numbered per
    /// class in order (`conv2d`, `conv2d_1`, …, `conv2d_12`); variables are datasets
    /// `vars/0` (kernel), `vars/1` (bias); every `vars` group carries the layer name as attribute
    /// `name`. Layers without weights are left out (Keras needs nothing for them). Written
    /// atomically: `url` holds the old file or the complete new one.
    public static func write(model: some Layer, to url: URL, containerClass: String = "functional") throws {
        let path = url.path
        guard !model.sublayers.isEmpty else {
            throw KerasWeightsError.unsupportedLayer(file: path, layer: model.name,
                                                     reason: "is a single layer; export needs a model whose layers are its sublayers")
        }
        for leaf in WeightedLeaf.leaves(of: model) where leaf.kind == nil {
            throw KerasWeightsError.unsupportedLayer(
                file: path, layer: leaf.name,
                reason: "has parameters \(leaf.parameters.map { "\($0.key) \($0.value.shape)" }.joined(separator: ", "))")
        }
        do {
            try AtomicFile.replace(url) { temporary in
                try HDF5.withLibrary {
                    let file = try HDF5.create(temporary.path)
                    let root = try HDF5.openGroup(file, "/")
                    try writeContainer(model, into: root, containerClass: containerClass)
                }
            }
        } catch let error as KerasWeightsError {
            throw error
        } catch {
            throw KerasWeightsError.writeFailed(file: path, reason: String(describing: error))
        }
    }

    private static func writeContainer(_ layer: any Layer, into group: HDF5.Handle, containerClass: String) throws {
        let vars = try HDF5.createGroup(group, "vars")
        try HDF5.writeStringAttribute(vars, "name", layer.name)
        var layers: HDF5.Handle?
        var counters: [String: Int] = [:]
        for child in layer.sublayers {
            let className: String
            if !child.sublayers.isEmpty {
                className = containerClass
            } else {
                let parameters = child.parameters
                guard !parameters.isEmpty, let kind = WeightedLeaf.kind(of: parameters) else { continue }
                switch kind {
                case .convolution: className = "conv2d"
                case .dense: className = "dense"
                case .batchNormalization: className = "batch_normalization"
                }
            }
            let n = counters[className, default: 0]
            counters[className] = n + 1
            if layers == nil { layers = try HDF5.createGroup(group, "layers") }
            let childGroup = try HDF5.createGroup(layers!, n == 0 ? className : "\(className)_\(n)")
            if !child.sublayers.isEmpty {
                try writeContainer(child, into: childGroup, containerClass: containerClass)
            } else {
                let childVars = try HDF5.createGroup(childGroup, "vars")
                try HDF5.writeStringAttribute(childVars, "name", child.name)
                for (index, parameter) in child.parameters.enumerated() {
                    try HDF5.writeFloats(childVars, String(index), parameter.value)
                }
            }
        }
    }
}
