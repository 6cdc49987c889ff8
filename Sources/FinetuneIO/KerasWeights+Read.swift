import Foundation
import FinetuneCore

extension KerasWeights {
    /// Reads every layer's weights from a Keras 2, Keras 3, HED or safetensors weights file (layout
    /// detected from the file's structure). Throws ``KerasWeightsError`` naming the file: not
    /// found, not HDF5 or safetensors, an unknown layout, what libhdf5 reported, or what breaks
    /// the safetensors format (naming the tensor).
    public static func read(from url: URL) throws -> KerasWeights {
        let path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw KerasWeightsError.fileNotFound(file: path)
        }
        if isDirectory.boolValue { throw KerasWeightsError.notHDF5(file: path, found: "it is a directory") }
        if url.pathExtension.lowercased() == "safetensors" || looksLikeSafetensors(path) {
            return try readSafetensors(from: url)
        }
        // libhdf5 trusts what the file says; refuse what can be seen to be wrong before it reads.
        do { try HDF5Superblock.check(path: path) } catch {
            switch error {
            case .noSignature: break   // described below, from the file's first bytes
            case let .truncated(expected, actual):
                throw KerasWeightsError.hdf5(file: path, detail: "the file is cut short: its HDF5 superblock says it is "
                    + "\(expected) bytes long, it has \(actual) (an incomplete download or copy?)")
            case let .unsupported(what):
                throw KerasWeightsError.hdf5(file: path, detail: "its HDF5 superblock has \(what), which no Keras file has")
            }
        }
        return try HDF5.withLibrary {
            guard HDF5.isHDF5(path) == true else {
                let head = (try? AtomicFile.readAll(path)).map { Array($0.prefix(16)) } ?? []
                throw KerasWeightsError.notHDF5(file: path, found: describeForeignFile(head))
            }
            do {
                let file = try HDF5.openReadOnly(path)
                let root = try HDF5.openGroup(file, "/")
                if let group = try keras2Group(root) {
                    return KerasWeights(file: url, layout: .keras2, entries: try readKeras2(group, file: path))
                }
                let children = try HDF5.childNames(root)
                let isHED = children.contains("block1")
                    && children.contains { $0 == "fuse" || $0.hasPrefix("dsn") }
                let entries = try readKeras3(root, at: "", skipping: isHED ? { $0 == "fuse" || $0.hasPrefix("dsn") } : { _ in false },
                                             file: path)
                guard !entries.isEmpty else {
                    throw KerasWeightsError.unrecognizedLayout(
                        file: path, detail: "no layer_names attribute and no …/vars groups holding datasets; top-level groups: "
                            + (children.isEmpty ? "none" : children.joined(separator: ", ")))
                }
                return KerasWeights(file: url, layout: isHED ? .hedBackbone : .keras3, entries: entries)
            } catch let failure as HDF5.Failure {
                throw KerasWeightsError.hdf5(file: path, detail: failure.description)
            }
        }
    }

    /// Whether the file starts as a safetensors file does: a little-endian header length that
    /// fits in the file, then `{`.
    private static func looksLikeSafetensors(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 9), head.count == 9, head[head.startIndex + 8] == UInt8(ascii: "{"),
              let size = try? handle.seekToEnd() else { return false }
        let length = head.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        return length <= size - 8
    }

    // MARK: Keras 2

    /// The group holding `layer_names`: the root (`save_weights`) or `model_weights` (`model.save`).
    private static func keras2Group(_ root: HDF5.Handle) throws -> HDF5.Handle? {
        if HDF5.hasAttribute(root, "layer_names") || HDF5.hasAttribute(root, "layer_names0") { return root }
        if HDF5.exists(root, "model_weights"), try HDF5.kind(root, "model_weights") == .group {
            let group = try HDF5.openGroup(root, "model_weights")
            if HDF5.hasAttribute(group, "layer_names") || HDF5.hasAttribute(group, "layer_names0") { return group }
        }
        return nil
    }

    /// A Keras 2 list attribute; Keras splits lists over 64 KiB into `name0`, `name1`, ….
    private static func keras2List(_ group: HDF5.Handle, _ name: String) throws -> [String] {
        if HDF5.hasAttribute(group, name) { return try HDF5.stringsAttribute(group, name) }
        var out: [String] = []
        var chunk = 0
        while HDF5.hasAttribute(group, "\(name)\(chunk)") {
            out += try HDF5.stringsAttribute(group, "\(name)\(chunk)")
            chunk += 1
        }
        return out
    }

    private static func readKeras2(_ group: HDF5.Handle, file: String) throws -> [Entry] {
        var entries: [Entry] = []
        for layer in try keras2List(group, "layer_names") {
            guard HDF5.exists(group, layer) else {
                throw KerasWeightsError.unrecognizedLayout(file: file, detail: "layer_names lists '\(layer)' but there is no such group")
            }
            let layerGroup = try HDF5.openGroup(group, layer)
            // One Keras 2 layer group may hold several layers' weights (a nested model): split
            // weight_names into runs that share the part before the last '/'.
            var current: Entry?
            for weight in try keras2List(layerGroup, "weight_names") {
                guard HDF5.exists(layerGroup, weight) else {
                    throw KerasWeightsError.unrecognizedLayout(
                        file: file, detail: "'\(layer)' lists weight '\(weight)' but holds no such dataset")
                }
                let owner = weight.lastIndex(of: "/").map { String(weight[..<$0]) } ?? layer
                let tensor = try HDF5.readFloats(layerGroup, weight)
                try requireFinite(tensor, file: file, layer: layer, weight: weight)
                let path = owner == layer ? layer : layer + "/" + owner
                if current?.path == path {
                    current!.tensors.append(tensor)
                } else {
                    if let done = current { entries.append(done) }
                    let name = owner.split(separator: "/").last.map(String.init) ?? owner
                    current = Entry(path: path, layerName: name, tensors: [tensor])
                }
            }
            if let done = current { entries.append(done) }
        }
        return entries
    }

    /// Throws ``KerasWeightsError/nonFinite(file:layer:weight:values:)`` unless every scalar is finite.
    private static func requireFinite(_ tensor: Tensor, file: String, layer: String, weight: String) throws {
        if let values = tensor.nonFiniteValues() {
            throw KerasWeightsError.nonFinite(file: file, layer: layer, weight: weight, values: values)
        }
    }

    // MARK: Keras 3 and HED

    /// Every group below `prefix` that has a `vars` group holding datasets `0`, `1`, …, ordered by
    /// path with numbers compared as numbers. Skips the root `optimizer` group and root children
    /// for which `skip` is true.
    private static func readKeras3(_ root: HDF5.Handle, at prefix: String, skipping skip: (String) -> Bool,
                                   file: String) throws -> [Entry] {
        var entries: [Entry] = []
        func visit(_ path: String) throws {
            let group = try HDF5.openGroup(root, path.isEmpty ? "/" : path)
            let children = try HDF5.childNames(group)
            if children.contains("vars"), try HDF5.kind(group, "vars") == .group {
                let vars = try HDF5.openGroup(group, "vars")
                let names = try HDF5.childNames(vars)
                var indexed: [(Int, String)] = []
                for name in names {
                    guard let index = Int(name), index >= 0 else {
                        throw KerasWeightsError.unrecognizedLayout(
                            file: file, detail: "'\(path)/vars' holds '\(name)'; Keras 3 names variables 0, 1, …")
                    }
                    indexed.append((index, name))
                }
                if !indexed.isEmpty {
                    let tensors = try indexed.sorted { $0.0 < $1.0 }.map { try HDF5.readFloats(vars, $0.1) }
                    let name = HDF5.hasAttribute(vars, "name") ? try HDF5.stringsAttribute(vars, "name").first : nil
                    entries.append(Entry(path: path, layerName: name, tensors: tensors))
                }
            }
            for child in children where child != "vars" {
                if path.isEmpty && (child == "optimizer" || skip(child)) { continue }
                let childPath = path.isEmpty ? child : path + "/" + child
                if try HDF5.kind(root, childPath) == .group { try visit(childPath) }
            }
        }
        try visit(prefix)
        let sorted = entries.sorted { NaturalOrder.isOrderedBefore(path: $0.path, $1.path) }
        try requireFinite(sorted, file: file)
        return sorted
    }

    /// Throws for the first Keras 3 / HED variable holding NaN or ±∞. These files name layers by
    /// class (`layers/conv2d_3`), so the error also says which convolution or dense layer of the
    /// file it is, counted in the order the layers pair up with a model's, and which tensor.
    private static func requireFinite(_ entries: [Entry], file: String) throws {
        var ordinals: [KerasLayerKind: Int] = [:]
        for entry in entries {
            let ordinal = entry.kind.map { kind -> Int in ordinals[kind, default: 0] += 1; return ordinals[kind]! }
            for (index, tensor) in entry.tensors.enumerated() {
                guard let values = tensor.nonFiniteValues() else { continue }
                var about: [String] = []
                if let name = entry.layerName { about.append("named \(name)") }
                if let kind = entry.kind, let ordinal {
                    about.append("the file's \(ordinal)\(Self.ordinalSuffix(ordinal)) \(kind) layer")
                }
                let layer = entry.path + (about.isEmpty ? "" : " (\(about.joined(separator: ", ")))")
                let role = entry.kind == nil ? "" : index == 0 ? ", its kernel" : index == 1 ? ", its bias" : ""
                throw KerasWeightsError.nonFinite(file: file, layer: layer, weight: "vars/\(index)\(role) \(tensor.shape)",
                                                  values: values)
            }
        }
    }

    private static func ordinalSuffix(_ n: Int) -> String {
        if (11...13).contains(n % 100) { return "th" }
        switch n % 10 { case 1: return "st"; case 2: return "nd"; case 3: return "rd"; default: return "th" }
    }
}
