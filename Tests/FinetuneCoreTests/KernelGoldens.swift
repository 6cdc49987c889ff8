import FinetuneCore
import FinetuneTestSupport
import Testing

/// The `kernels` golden suite (Goldens/gen_kernels.py), loaded once.
enum KernelGoldens {
    struct LoadFailure: Error, CustomStringConvertible { let description: String }

    static let suite: Result<GoldenSuite, LoadFailure> = {
        do { return .success(try GoldenSuite.load("kernels")) }
        catch { return .failure(LoadFailure(description: "\(error)")) }
    }()

    /// Names of the cases of one kind (for `@Test(arguments:)`); a placeholder that fails the test
    /// when the manifest is missing or has no such case, so a lost golden never passes silently.
    static func names(kind: String, where keep: (String) -> Bool = { _ in true }) -> [String] {
        guard case .success(let s) = suite else { return ["<kernels manifest missing>"] }
        let names = s.cases.filter { $0.params["kind"]?.string == kind && keep($0.name) }.map(\.name)
        return names.isEmpty ? ["<no \(kind) cases>"] : names
    }

    static func named(_ name: String) throws -> GoldenCase { try suite.get().named(name) }
}

extension GoldenCase {
    /// An input: a stored tensor file, or else regenerated from `params.inputs[key]`.
    func input(_ key: String) throws -> Tensor {
        if tensors[key] != nil { return try tensor(key) }
        guard let spec = params["inputs"]?[key], let seed = spec["seed"]?.int,
              let dims = spec["shape"]?.array, let low = spec["low"]?.double, let high = spec["high"]?.double
        else { throw GoldenError.missing("case '\(name)' has neither a tensor nor params.inputs for '\(key)'") }
        return hashUniform(seed: UInt64(seed), shape: Shape(dims.compactMap(\.int)), low: low, high: high)
    }

    func pair(_ key: String) throws -> (Int, Int) {
        let v = try param(key).array?.compactMap(\.int) ?? []
        guard v.count == 2 else { throw GoldenError.missing("case '\(name)': param '\(key)' is not a pair") }
        return (v[0], v[1])
    }

    func padding() throws -> Padding {
        guard let s = try param("padding").string, let p = Padding(rawValue: s) else {
            throw GoldenError.missing("case '\(name)': bad padding")
        }
        return p
    }

    func number(_ key: String) throws -> Double {
        guard let v = try param(key).double else { throw GoldenError.missing("case '\(name)': '\(key)' is not a number") }
        return v
    }

    /// Compares a full kernel gradient with the golden `dw`, or with its strided sample `dw_sample`.
    func expectKernelGradient(_ dw: Tensor, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        if tensors["dw"] != nil {
            expectClose(dw, try tensor("dw"), tolerance: tolerance, what, sourceLocation: sourceLocation)
        } else {
            let stride = try #require(params["dw_sample_stride"]?.int)
            let expected = try tensor("dw_sample")
            let sample = Tensor(shape: expected.shape,
                                scalars: Swift.stride(from: 0, to: dw.scalarCount, by: stride).map { dw.scalars[$0] })
            expectClose(sample, expected, tolerance: tolerance, what + " (every \(stride)th)", sourceLocation: sourceLocation)
        }
    }
}
