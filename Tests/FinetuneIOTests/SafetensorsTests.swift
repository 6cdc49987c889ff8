import Foundation
import Testing
import FinetuneCore
import FinetuneNN
@testable import FinetuneIO

/// A safetensors file assembled by hand: the 8-byte length, `header` verbatim, then `buffer`.
func safetensorsBytes(_ header: String, buffer: [UInt8] = []) -> [UInt8] {
    safetensorsBytes(raw: Array(header.utf8), buffer: buffer)
}

/// The same with the header given as bytes (which need not be UTF-8).
func safetensorsBytes(raw json: [UInt8], buffer: [UInt8] = []) -> [UInt8] {
    return (0..<8).map { UInt8(truncatingIfNeeded: UInt64(json.count) >> (8 * UInt64($0))) } + json + buffer
}

/// A layer holding BatchNormalization-shaped parameters (gamma, beta, moving statistics).
func batchNormLeaf(_ name: String, _ channels: Int, rng: inout SeededRNG) -> ParameterLeaf {
    ParameterLeaf(name: name, values: ["gamma", "beta", "moving_mean", "moving_variance"].map {
        ("\(name).\($0)", .random([channels], &rng))
    })
}

@Suite("safetensors: writing and reading")
struct SafetensorsTests {
    @Test("a written model reads back bit for bit, by name, with its metadata")
    func roundTrip() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("seed.safetensors")
        var model = tinySeed(seed: 31)
        var rng = SeededRNG(seed: 5)
        model.layers.append(batchNormLeaf("bn", 1, rng: &rng))
        var special = model.parameters[0].value
        special.scalars[0] = -0.0
        special.scalars[1] = .leastNonzeroMagnitude
        special.scalars[2] = .greatestFiniteMagnitude
        try model.setParameter(model.parameters[0].key, to: special)
        try KerasWeights.writeSafetensors(model: model, to: url, classNames: ["cat", "dog \"big\""], metadata: ["note": "x"])
        #expect(try directory.listing() == ["seed.safetensors"])

        let back = try KerasWeights.read(from: url)
        #expect(back.layout == .safetensors)
        #expect(back.metadata == ["format": "keras", "layout": "channels_last", "classes": #"["cat","dog \"big\""]"#, "note": "x"])
        #expect(back.entries.map(\.path) == ["block1_conv1", "block1_conv2", "block2_conv1", "block2_conv2", "block3_conv1",
                                             "block3_conv2", "block3_conv3", "block4_conv1", "block4_conv2", "block4_conv3",
                                             "block5_conv1", "block5_conv2", "block5_conv3", "dense", "dense_1", "bn"])
        #expect(back.entries.last?.tensorNames == ["bn/gamma", "bn/beta", "bn/moving_mean", "bn/moving_variance"])
        var fresh = tinySeed(seed: 32)
        var other = SeededRNG(seed: 6)
        fresh.layers.append(batchNormLeaf("bn", 1, rng: &other))
        let pairs = try back.load(into: &fresh)
        #expect(pairs.count == 16)
        for ((k, a), (_, b)) in zip(fresh.parameters, model.parameters) { #expect(a.isBitwiseEqual(to: b), "\(k)") }
    }

    @Test("the header is the format's: length prefix, JSON object, byte buffer 8-aligned and tiled in model order")
    func headerLayout() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("w.safetensors")
        var rng = SeededRNG(seed: 1)
        let model = Container(name: "m", layers: [ParameterLeaf.dense("d", 3, 2, rng: &rng)])
        try KerasWeights.writeSafetensors(model: model, to: url)
        let bytes = [UInt8](try Data(contentsOf: url))
        let length = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect((8 + length) % 8 == 0)
        #expect(bytes.count == 8 + length + 4 * (6 + 2))
        let json = String(decoding: bytes[8..<(8 + length)], as: UTF8.self)
        #expect(json.trimmingCharacters(in: .whitespaces) == #"{"__metadata__":{"format":"keras","layout":"channels_last"},"#
            + #""d/kernel":{"dtype":"F32","shape":[3,2],"data_offsets":[0,24]},"#
            + #""d/bias":{"dtype":"F32","shape":[2],"data_offsets":[24,32]}}"#)
        let kernel = model.parameters[0].value.scalars
        let stored = (0..<6).map { i in
            Float(bitPattern: bytes[(8 + length + 4 * i)..<(8 + length + 4 * i + 4)].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        }
        #expect(stored == kernel)
    }

    @Test("a failed write leaves the earlier file and no temporary behind")
    func atomicWrite() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("w.safetensors")
        try Data("old".utf8).write(to: url)
        var rng = SeededRNG(seed: 1)
        let clash = Container(name: "m", layers: [ParameterLeaf.dense("d", 3, 2, rng: &rng), ParameterLeaf.dense("d", 2, 2, rng: &rng)])
        #expect(throws: KerasWeightsError.self) { try KerasWeights.writeSafetensors(model: clash, to: url) }
        #expect(try String(contentsOf: url, encoding: .utf8) == "old")
        let missing = directory.file("no/such/dir/w.safetensors")
        #expect(throws: KerasWeightsError.self) {
            try KerasWeights.writeSafetensors(model: Container(name: "m", layers: [ParameterLeaf.dense("d", 3, 2, rng: &rng)]), to: missing)
        }
        #expect(try directory.listing() == ["w.safetensors"])
    }

    @Test("a file without the .safetensors name is recognised by its content")
    func detectedByContent() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("weights.bin")
        var rng = SeededRNG(seed: 1)
        try KerasWeights.writeSafetensors(model: Container(name: "m", layers: [ParameterLeaf.dense("d", 3, 2, rng: &rng)]),
                                          to: directory.file("w.safetensors"))
        try FileManager.default.moveItem(at: directory.file("w.safetensors"), to: url)
        #expect(try KerasWeights.read(from: url).layout == .safetensors)
    }

    @Test("PyTorch's integer BatchNorm counters (num_batches_tracked) are left out; the rest reads, and other integer tensors are still refused")
    func pytorchStepCounters() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("torch.safetensors")
        let floats: [Float] = [1, 2, 0.5, -0.5, 0.25, 0.75, 4, 9]
        var buffer = floats.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v.bitPattern >> (8 * UInt32($0))) } }
        buffer += (0..<8).map { $0 == 0 ? 7 : 0 }   // I64 7
        let header = #"{"bn1.weight":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"bn1.bias":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},"#
            + #""bn1.running_mean":{"dtype":"F32","shape":[2],"data_offsets":[16,24]},"bn1.running_var":{"dtype":"F32","shape":[2],"data_offsets":[24,32]},"#
            + #""bn1.num_batches_tracked":{"dtype":"I64","shape":[],"data_offsets":[32,40]}}"#
        try Data(safetensorsBytes(header, buffer: buffer)).write(to: url)
        let weights = try KerasWeights.read(from: url)
        let names = weights.entries.flatMap(\.tensorNames)
        #expect(Set(names) == ["bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var"])
        #expect(weights.entries.flatMap(\.tensors).flatMap(\.scalars).sorted() == floats.sorted())

        let other = directory.file("other.safetensors")
        try Data(safetensorsBytes(#"{"bn1.num_batches_tracked":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"step":{"dtype":"I64","shape":[],"data_offsets":[4,12]}}"#,
                                  buffer: Array(repeating: 0, count: 12))).write(to: other)
        #expect(throws: KerasWeightsError.unsupportedDType(file: other.path, tensor: "step", dtype: "I64")) { try KerasWeights.read(from: other) }
    }

    @Test("F16, BF16 and F64 become F32 exactly as IEEE conversion gives; NaN is refused naming the tensor")
    func conversions() throws {
        let half: [UInt16] = [0x3C00, 0xC000, 0x0001, 0x7BFF, 0x8000, 0x03FF, 0x3555, 0xFC00]
        let expectedHalf: [Float] = [1, -2, 0x1p-24, 65504, -0.0, 0x3FFp-24, Float(Float16(bitPattern: 0x3555)), -.infinity]
        let raw = half.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        let converted = raw.withUnsafeBytes { KerasWeights.floats($0, dtype: .F16, shape: [8]) }
        #expect(zip(converted.scalars, expectedHalf).allSatisfy { $0.bitPattern == $1.bitPattern }, "\(converted.scalars)")
        for bits in UInt16.min...UInt16.max where !Float16(bitPattern: bits).isNaN {
            let one = [UInt8(bits & 0xFF), UInt8(bits >> 8)].withUnsafeBytes { KerasWeights.floats($0, dtype: .F16, shape: [1]) }
            guard one.scalars[0].bitPattern == Float(Float16(bitPattern: bits)).bitPattern else {
                Issue.record("F16 0x\(String(bits, radix: 16)) read as \(one.scalars[0])"); return
            }
        }
        let bf16: [UInt8] = [0x80, 0x3F, 0x49, 0xC0]   // 1.0, -3.140625
        #expect(bf16.withUnsafeBytes { KerasWeights.floats($0, dtype: .BF16, shape: [2]) }.scalars == [1, -3.140625])
        let doubles: [Double] = [0.1, 1e300, -1e-300]
        let f64 = doubles.flatMap { d in (0..<8).map { UInt8(truncatingIfNeeded: d.bitPattern >> (8 * UInt64($0))) } }
        #expect(f64.withUnsafeBytes { KerasWeights.floats($0, dtype: .F64, shape: [3]) }.scalars == [Float(0.1), .infinity, -0.0])

        let nan: [UInt8] = [0, 0, 0xC0, 0x7F]
        let bytes = safetensorsBytes(#"{"layer/kernel":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, buffer: nan)
        #expect {
            try KerasWeights.decodeSafetensors(bytes, file: URL(fileURLWithPath: "/x/nan.safetensors"))
        } throws: { error in
            "\(error)".contains("/x/nan.safetensors") && "\(error)".contains("layer/kernel") && "\(error)".contains("non-finite")
        }
    }

    @Test("loading by name: a missing, an extra and a wrongly shaped tensor are each named")
    func strictNames() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("m.safetensors")
        var rng = SeededRNG(seed: 3)
        let written = Container(name: "m", layers: [ParameterLeaf.conv("conv_a", 3, 4, rng: &rng),
                                                    ParameterLeaf.dense("head", 4, 2, rng: &rng)])
        try KerasWeights.writeSafetensors(model: written, to: url)
        let file = try KerasWeights.read(from: url)

        var renamed = Container(name: "m", layers: [ParameterLeaf.conv("conv_b", 3, 4, rng: &rng),
                                                    ParameterLeaf.dense("head", 4, 2, rng: &rng)])
        let before = renamed.parameters.map(\.value)
        #expect {
            try file.load(into: &renamed)
        } throws: { error in
            guard case let .missingTensors(path, missing, unused) = error as? KerasWeightsError else { return false }
            return path == url.path && missing == ["conv_b/kernel", "conv_b/bias"] && unused == ["conv_a/kernel", "conv_a/bias"]
                && "\(error)".contains("conv_b/kernel") && "\(error)".contains("conv_a/bias")
        }
        #expect(renamed.parameters.map(\.value) == before, "nothing was set")

        var wider = Container(name: "m", layers: [ParameterLeaf.conv("conv_a", 3, 5, rng: &rng),
                                                  ParameterLeaf.dense("head", 5, 2, rng: &rng)])
        #expect(throws: KerasWeightsError.shapeMismatch(file: url.path, key: "conv_a.kernel", entry: "conv_a/kernel",
                                                        fileShape: [3, 3, 3, 4], modelShape: [3, 3, 3, 5])) {
            try file.load(into: &wider)
        }

        // Scope .convolutions: the file's dense layer is ignored, the model's keeps its values.
        var base = Container(name: "m", layers: [ParameterLeaf.conv("conv_a", 3, 4, rng: &rng),
                                                 ParameterLeaf.dense("other", 7, 1, rng: &rng)])
        let head = base.parameters[2].value
        try file.load(into: &base, scope: .convolutions)
        #expect(base.parameters[0].value == written.parameters[0].value)
        #expect(base.parameters[2].value == head)
    }

    @Test("a Keras 3 path with more parts (sequential/dense/kernel) loads by its last two; a clash is refused")
    func longerPaths() throws {
        var rng = SeededRNG(seed: 4)
        let kernel = Tensor.random([2, 3], &rng), bias = Tensor.random([3], &rng)
        func file(_ names: [String]) -> [UInt8] {
            var header = "{"
            var offset = 0
            var buffer: [UInt8] = []
            for (i, name) in names.enumerated() {
                let tensor = name.hasSuffix("bias") ? bias : kernel
                header += (i == 0 ? "" : ",") + #""\#(name)":{"dtype":"F32","shape":\#(tensor.shape.dimensions),"#
                    + #""data_offsets":[\#(offset),\#(offset + 4 * tensor.scalarCount)]}"#
                offset += 4 * tensor.scalarCount
                buffer += tensor.scalars.flatMap { f in (0..<4).map { UInt8(truncatingIfNeeded: f.bitPattern >> (8 * UInt32($0))) } }
            }
            return safetensorsBytes(header + "}", buffer: buffer)
        }
        let url = URL(fileURLWithPath: "/x/k.safetensors")
        let weights = try KerasWeights.decodeSafetensors(file(["sequential/dense/bias", "sequential/dense/kernel"]), file: url)
        #expect(weights.entries.map(\.path) == ["sequential/dense"])
        #expect(weights.entries[0].layerName == "dense")
        #expect(weights.entries[0].kind == .dense, "kernel first, whatever the file's order")
        var model = Container(name: "m", layers: [ParameterLeaf(name: "dense", values: [("dense.kernel", .zeros([2, 3])),
                                                                                        ("dense.bias", .zeros([3]))])])
        try weights.load(into: &model)
        #expect(model.parameters[0].value == kernel && model.parameters[1].value == bias)

        let clash = try KerasWeights.decodeSafetensors(file(["a/dense/kernel", "a/dense/bias", "b/dense/kernel"]), file: url)
        #expect { try clash.load(into: &model) } throws: { "\($0)".contains("a/dense/kernel, b/dense/kernel") }
    }
}
