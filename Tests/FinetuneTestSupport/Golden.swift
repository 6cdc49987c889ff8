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

    /// A case that stands for "no case": ``GoldenSuite/cases(prefix:)`` returns it when nothing
    /// matches, so a parameterised test over an empty list runs once and fails instead of
    /// passing with zero cases.
    init(missing name: String) {
        self.name = name
        tolerance = 0
        params = [:]
        tensors = [:]
    }

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
    /// Where and how the suite was generated (Python, platform, command line, packages).
    public var environment: [String: GoldenValue]?
    public var cases: [GoldenCase]

    /// Prefix of the names of placeholder cases (see ``cases(prefix:)``).
    public static let missingCasePrefix = "<no golden case"

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
        guard !s.cases.isEmpty else {
            throw GoldenError.missing("\(url.path) holds no cases: regenerate it with `python3 Goldens/generate.py \(suite)`")
        }
        let provenance = ["python", "platform", "command"].filter { s.environment?[$0]?.string?.isEmpty ?? true }
        guard provenance.isEmpty, !(s.versions ?? [:]).isEmpty else {
            throw GoldenError.missing("\(url.path) does not record its \((provenance + ((s.versions ?? [:]).isEmpty ? ["library versions"] : [])).joined(separator: ", ")): "
                + "regenerate it with `python3 Goldens/generate.py \(suite)` (or run `python3 Goldens/backfill_provenance.py`)")
        }
        for i in s.cases.indices { s.cases[i].directory = dir }
        return s
    }

    public func named(_ name: String) throws -> GoldenCase {
        if name.hasPrefix(Self.missingCasePrefix) { throw GoldenError.missing(name) }
        guard let c = cases.first(where: { $0.name == name }) else {
            throw GoldenError.missing("no golden case '\(name)'; have \(cases.map(\.name))")
        }
        return c
    }

    /// The cases whose names start with `prefix`; when there are none, one placeholder case whose
    /// name says so, which ``named(_:)`` refuses, so a parameterised test over these names fails
    /// rather than passing with zero cases.
    public func cases(prefix: String) -> [GoldenCase] {
        let matching = cases.filter { $0.name.hasPrefix(prefix) }
        if matching.isEmpty {
            return [GoldenCase(missing: "\(Self.missingCasePrefix) starts with '\(prefix)' in \(generator)'s manifest>")]
        }
        return matching
    }
}

public enum GoldenError: Error, CustomStringConvertible {
    case missing(String)
    public var description: String { if case let .missing(s) = self { return s }; return "" }
}
