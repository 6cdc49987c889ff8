import Foundation
import FinetuneCore
import FinetuneNN

/// Safetensors files with Keras names: each tensor is named `<layer name>/<weight name>`
/// (`block1_conv1/kernel`, `dense/bias`, `bn/moving_mean`), the way Keras 3 names a variable
/// (`Variable.path`) of a layer built on its own and Keras 2 named it in `.h5` files (without the
/// `:0`). Values are Keras' layouts — channels last: a convolution kernel (height, width, in, out),
/// a dense kernel (in, out) — stored as little-endian F32.
extension KerasWeights {
    /// Metadata keys written into `__metadata__` (all values are strings, as the format requires).
    enum SafetensorsMetadata {
        /// `"keras"`: tensor names and layouts follow Keras.
        static let format = "format"
        /// `"channels_last"`: Keras' `data_format` the kernels were laid out for.
        static let layout = "layout"
        /// The class names in output order, as a JSON array (`["cat","dog"]`).
        static let classes = "classes"
    }

    /// Writes every parameter of `model` (weights and state, such as BatchNormalization's moving
    /// statistics) to a safetensors file that Python's `safetensors` package reads
    /// (`safetensors.numpy.load_file`): tensor `block1_conv1/kernel` for parameter key
    /// `block1_conv1.kernel`, in the model's order, F32, with `__metadata__` `format: keras`,
    /// `layout: channels_last`, `classes` (a JSON array of `classNames`, when given) and
    /// `metadata`. Written atomically: `url` holds the old file or the complete new one.
    public static func writeSafetensors(model: some Layer, to url: URL, classNames: [String] = [],
                                        metadata: [String: String] = [:]) throws {
        let path = url.path
        var named: [(name: String, value: Tensor)] = []
        var seen: [String: String] = [:]
        for (key, value) in model.parameters {
            guard let dot = key.lastIndex(of: "."), dot != key.startIndex, key.index(after: dot) != key.endIndex else {
                throw KerasWeightsError.unsupportedLayer(file: path, layer: key,
                                                         reason: "has a parameter key without '<layer>.<weight>' form")
            }
            let name = tensorName(forKey: key)
            if let other = seen.updateValue(key, forKey: name) {
                throw KerasWeightsError.writeFailed(file: path, reason: "parameters '\(other)' and '\(key)' would both be "
                    + "tensor '\(name)'; give the layers unique names")
            }
            named.append((name, value))
        }
        var fields = metadata
        fields[SafetensorsMetadata.format] = "keras"
        fields[SafetensorsMetadata.layout] = "channels_last"
        if !classNames.isEmpty {
            fields[SafetensorsMetadata.classes] = StrictJSON.array(classNames.map { .string($0) }).text
        }
        let header = safetensorsHeader(named, metadata: fields)
        do {
            try AtomicFile.replace(url) { file in
                try header.withUnsafeBytes { try file.write($0) }
                for (_, tensor) in named {
                    #if _endian(little)
                    try tensor.withUnsafeBufferPointer { try file.write(UnsafeRawBufferPointer($0)) }
                    #else
                    let bits = tensor.scalars.map { $0.bitPattern.littleEndian }
                    try bits.withUnsafeBytes { try file.write($0) }
                    #endif
                }
            }
        } catch {
            throw KerasWeightsError.writeFailed(file: path, reason: String(describing: error))
        }
    }

    /// The length prefix and JSON header for `tensors` laid out one after another, padded with
    /// spaces so the byte buffer starts on an 8-byte boundary (as the reference writer does).
    static func safetensorsHeader(_ tensors: [(name: String, value: Tensor)], metadata: [String: String]) -> [UInt8] {
        var members: [StrictJSON.Member] = []
        if !metadata.isEmpty {
            members.append(.init(key: SafetensorsHeader.metadataKey,
                                 value: .object(metadata.sorted { $0.key < $1.key }.map { .init(key: $0.key, value: .string($0.value)) })))
        }
        var offset = 0
        for (name, tensor) in tensors {
            let end = offset + tensor.scalarCount * 4
            members.append(.init(key: name, value: .object([
                .init(key: "dtype", value: .string("F32")),
                .init(key: "shape", value: .array(tensor.shape.dimensions.map { .number(String($0)) })),
                .init(key: "data_offsets", value: .array([.number(String(offset)), .number(String(end))])),
            ])))
            offset = end
        }
        var json = Array(StrictJSON.object(members).text.utf8)
        while (8 + json.count) % 8 != 0 { json.append(0x20) }
        var bytes = (0..<8).map { UInt8(truncatingIfNeeded: UInt64(json.count) >> (8 * UInt64($0))) }
        bytes += json
        return bytes
    }

    /// Reads a safetensors file (see ``read(from:)``).
    static func readSafetensors(from url: URL) throws -> KerasWeights {
        let bytes: [UInt8]
        do { bytes = try AtomicFile.readAll(url.path) } catch {
            throw KerasWeightsError.malformedSafetensors(file: url.path, tensor: nil, problem: "it cannot be read: \(error)")
        }
        return try decodeSafetensors(bytes, file: url)
    }

    /// The weights in the safetensors file `bytes`: one entry per layer (the tensor names up to
    /// the last `/`), ordered by where their first tensor lies in the file, with the tensors in
    /// Keras' weight order (kernel, depthwise kernel, bias, gamma, beta, moving mean, moving
    /// variance, then any other by name). F16, BF16 and F64 become F32; PyTorch BatchNorm's integer
    /// `num_batches_tracked` counters are left out; other dtypes are refused.
    static func decodeSafetensors(_ bytes: [UInt8], file url: URL) throws -> KerasWeights {
        let file = url.path
        let header = try bytes.withUnsafeBytes { raw throws in
            try SafetensorsHeader(head: raw, fileSize: raw.count, file: file)
        }
        var entries: [Entry] = []
        var index: [String: Int] = [:]
        for item in header.entries {
            if Self.isTorchStepCounter(item) { continue }
            guard item.dtype.isReadable else {
                throw KerasWeightsError.unsupportedDType(file: file, tensor: item.name, dtype: item.dtype.rawValue)
            }
            let start = header.bufferStart + item.begin
            let tensor = bytes.withUnsafeBytes { raw in
                Self.floats(UnsafeRawBufferPointer(rebasing: raw[start..<(header.bufferStart + item.end)]),
                            dtype: item.dtype, shape: Shape(item.shape))
            }
            let slash = item.name.lastIndex(of: "/")
            let layerPath = slash.map { String(item.name[..<$0]) } ?? item.name
            if let values = tensor.nonFiniteValues() {
                throw KerasWeightsError.nonFinite(file: file, layer: layerPath, weight: item.name, values: values)
            }
            let layerName = layerPath.split(separator: "/").last.map(String.init)
            if let at = index[layerPath] {
                entries[at].tensors.append(tensor)
                entries[at].tensorNames.append(item.name)
            } else {
                index[layerPath] = entries.count
                entries.append(Entry(path: layerPath, layerName: layerName, tensors: [tensor], tensorNames: [item.name]))
            }
        }
        for i in entries.indices {
            let order = entries[i].tensorNames.indices.sorted {
                Self.kerasWeightOrder(entries[i].tensorNames[$0]) < Self.kerasWeightOrder(entries[i].tensorNames[$1])
            }
            entries[i].tensors = order.map { entries[i].tensors[$0] }
            entries[i].tensorNames = order.map { entries[i].tensorNames[$0] }
        }
        var weights = KerasWeights(file: url, layout: .safetensors, entries: entries)
        weights.metadata = header.metadata
        return weights
    }

    /// Whether `item` is a PyTorch BatchNorm's step counter: an integer tensor named
    /// `….num_batches_tracked` (or `…/num_batches_tracked`), which a PyTorch `state_dict` saved with
    /// `safetensors.torch.save_file` holds beside the BatchNorm's weights. No Keras layer has one,
    /// and the moving statistics do not depend on it (momentum is fixed), so it is left out.
    static func isTorchStepCounter(_ item: SafetensorsHeader.Entry) -> Bool {
        guard [.I64, .I32, .U64, .U32].contains(item.dtype) else { return false }
        return item.name.hasSuffix(".num_batches_tracked") || item.name.hasSuffix("/num_batches_tracked")
    }

    /// Sort key of a tensor within its layer: Keras' weight order, unknown weights after, by name.
    private static func kerasWeightOrder(_ name: String) -> (Int, String) {
        let weight = name.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? name
        let known = ["kernel", "depthwise_kernel", "bias", "gamma", "beta", "moving_mean", "moving_variance"]
        return (known.firstIndex(of: weight) ?? known.count, weight)
    }

    /// Little-endian `dtype` elements as Float32 (F16, BF16: exact; F64: rounded to nearest).
    static func floats(_ raw: UnsafeRawBufferPointer, dtype: SafetensorsHeader.DType, shape: Shape) -> Tensor {
        Tensor(shape: shape, unsafeUninitialized: { out in
            func load<T: FixedWidthInteger>(_: T.Type, _ i: Int) -> T {
                T(littleEndian: raw.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self))
            }
            switch dtype {
            case .F32: for i in out.indices { out[i] = Float(bitPattern: load(UInt32.self, i)) }
            case .BF16: for i in out.indices { out[i] = Float(bitPattern: UInt32(load(UInt16.self, i)) << 16) }
            case .F16: for i in out.indices { out[i] = Float(halfBits: load(UInt16.self, i)) }
            case .F64: for i in out.indices { out[i] = Float(Double(bitPattern: load(UInt64.self, i))) }
            default: preconditionFailure("\(dtype) is not read as floats")
            }
        })
    }
}

extension Float {
    /// The IEEE 754 binary16 value with these bits, exactly (every half-precision value is a Float).
    init(halfBits h: UInt16) {
        let sign = UInt32(h >> 15) << 31
        let exponent = Int(h >> 10) & 0x1F
        let mantissa = UInt32(h & 0x3FF)
        switch exponent {
        case 0x1F:   // ±∞, NaN (payload kept)
            self.init(bitPattern: sign | 0x7F80_0000 | mantissa << 13)
        case 0 where mantissa == 0:
            self.init(bitPattern: sign)
        case 0:      // subnormal: mantissa × 2⁻²⁴
            let magnitude = Float(mantissa) * 0x1p-24
            self = sign == 0 ? magnitude : -magnitude
        default:
            self.init(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | mantissa << 13)
        }
    }
}
