import Foundation
import FinetuneCore

/// A value from a golden manifest's `params` (JSON).
public enum GoldenValue: Decodable, Sendable, Equatable {
    case number(Double), string(String), bool(Bool), array([GoldenValue]), object([String: GoldenValue]), null

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([GoldenValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: GoldenValue].self)) }
    }
    public var double: Double? { if case let .number(d) = self { return d }; return nil }
    public var int: Int? { double.map { Int($0) } }
    public var string: String? { if case let .string(s) = self { return s }; return nil }
    public var bool: Bool? { if case let .bool(b) = self { return b }; return nil }
    public var array: [GoldenValue]? { if case let .array(a) = self { return a }; return nil }
    public subscript(key: String) -> GoldenValue? { if case let .object(o) = self { return o[key] }; return nil }
}

/// One golden case: parameters, named tensors, and the tolerance with the reason for it.
public struct GoldenCase: Decodable, Sendable {
    public struct TensorEntry: Decodable, Sendable { public var shape: [Int]; public var file: String }
    public var name: String
    public var seed: Int?
    /// Relative error bound ‖actual − expected‖ / ‖expected‖ for this case.
    public var tolerance: Double
    /// Why the tolerance is what it is (float32 accumulation order, …).
    public var why: String?
    public var params: [String: GoldenValue]
    public var tensors: [String: TensorEntry]
    /// Folder holding this case's tensor files (filled in by the loader).
    public var directory: URL?

    enum CodingKeys: String, CodingKey { case name, seed, tolerance, why, params, tensors }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        seed = try c.decodeIfPresent(Int.self, forKey: .seed)
        tolerance = try c.decode(Double.self, forKey: .tolerance)
        why = try c.decodeIfPresent(String.self, forKey: .why)
        params = try c.decodeIfPresent([String: GoldenValue].self, forKey: .params) ?? [:]
        tensors = try c.decodeIfPresent([String: TensorEntry].self, forKey: .tensors) ?? [:]
    }

    /// Loads tensor `key` (raw little-endian float32, row-major, shape from the manifest).
    public func tensor(_ key: String) throws -> Tensor {
        guard let entry = tensors[key] else {
            throw GoldenError.missing("case '\(name)' has no tensor '\(key)' (has: \(tensors.keys.sorted()))")
        }
        let url = directory!.appendingPathComponent(entry.file)
        let data = try Data(contentsOf: url)
        let shape = Shape(entry.shape)
        guard data.count == shape.scalarCount * 4 else {
            throw GoldenError.missing("\(url.path): \(data.count) bytes, shape \(shape) needs \(shape.scalarCount * 4)")
        }
        let scalars = data.withUnsafeBytes { raw in
            (0..<shape.scalarCount).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
        return Tensor(shape: shape, scalars: scalars)
    }

    public func param(_ key: String) throws -> GoldenValue {
        guard let v = params[key] else { throw GoldenError.missing("case '\(name)' has no param '\(key)'") }
        return v
    }
}

/// A golden suite: `Goldens/<suite>/manifest.json` plus the tensor files beside it, written by the
/// reference script named in the manifest (never by Swift code).
public struct GoldenSuite: Decodable, Sendable {
    public var generator: String
    public var versions: [String: String]?
    public var cases: [GoldenCase]

    /// The repository's `Goldens/` folder.
    public static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Goldens")
    }

    public static func load(_ suite: String) throws -> GoldenSuite {
        let dir = root.appendingPathComponent(suite)
        let url = dir.appendingPathComponent("manifest.json")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw GoldenError.missing("\(url.path) not found: run `swift package --allow-writing-to-package-directory regenerate-goldens`")
        }
        var s = try JSONDecoder().decode(GoldenSuite.self, from: Data(contentsOf: url))
        for i in s.cases.indices { s.cases[i].directory = dir }
        return s
    }

    public func named(_ name: String) throws -> GoldenCase {
        guard let c = cases.first(where: { $0.name == name }) else {
            throw GoldenError.missing("no golden case '\(name)'; have \(cases.map(\.name))")
        }
        return c
    }
    public func cases(prefix: String) -> [GoldenCase] { cases.filter { $0.name.hasPrefix(prefix) } }
}

public enum GoldenError: Error, CustomStringConvertible {
    case missing(String)
    public var description: String { if case let .missing(s) = self { return s }; return "" }
}
