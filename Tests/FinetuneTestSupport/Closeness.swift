#if canImport(Glibc)
import Glibc
#endif
import FinetuneCore
import Testing

/// How far `actual` is from `expected`.
public struct Deviation: CustomStringConvertible, Sendable {
    public var relative: Double
    public var maxAbsolute: Double
    public var maxIndex: [Int]
    public var samples: [(actual: Float, expected: Float)]
    public var description: String {
        let pairs = samples.map { "(\($0.actual), \($0.expected))" }.joined(separator: ", ")
        return "relative error \(relative), max |Δ| \(maxAbsolute) at \(maxIndex); (actual, expected): \(pairs)"
    }
}

/// ‖a − e‖ / max(‖e‖, tiny), the max absolute difference, where it is, and a few pairs around it.
public func deviation(_ actual: Tensor, _ expected: Tensor) -> Deviation {
    var num = 0.0, den = 0.0, maxAbs = 0.0, at = 0
    for i in 0..<min(actual.scalarCount, expected.scalarCount) {
        let d = Double(actual.scalars[i]) - Double(expected.scalars[i])
        num += d * d
        den += Double(expected.scalars[i]) * Double(expected.scalars[i])
        if abs(d) > maxAbs || d.isNaN { maxAbs = abs(d); at = i }
    }
    var index: [Int] = [], rest = at
    for d in expected.shape.dimensions.reversed() { index.insert(rest % max(d, 1), at: 0); rest /= max(d, 1) }
    let lo = max(0, at - 1), hi = min(expected.scalarCount, at + 2)
    let samples = (lo..<hi).map { (actual.scalars[$0], expected.scalars[$0]) }
    let rel = den > 0 ? (num / den).squareRoot() : num.squareRoot()
    return Deviation(relative: rel.isNaN ? .infinity : rel, maxAbsolute: maxAbs, maxIndex: index, samples: samples)
}

/// Expects `actual` within relative error `tolerance` of `expected` (same shape); on failure the
/// message names the case, the error, the largest difference and where it is.
@discardableResult
public func expectClose(_ actual: Tensor, _ expected: Tensor, tolerance: Double, _ what: String = "",
                        sourceLocation: SourceLocation = #_sourceLocation) -> Deviation {
    #expect(actual.shape == expected.shape, "\(what): shape \(actual.shape) ≠ expected \(expected.shape)",
            sourceLocation: sourceLocation)
    guard actual.shape == expected.shape else {
        return Deviation(relative: .infinity, maxAbsolute: .infinity, maxIndex: [], samples: [])
    }
    let d = deviation(actual, expected)
    #expect(d.relative <= tolerance, "\(what): \(d) (tolerance \(tolerance))", sourceLocation: sourceLocation)
    return d
}

/// Expects two scalars within relative `tolerance` (absolute when `expected` is 0).
public func expectClose(_ actual: Double, _ expected: Double, tolerance: Double, _ what: String = "",
                        sourceLocation: SourceLocation = #_sourceLocation) {
    let err = abs(actual - expected) / (expected == 0 ? 1 : abs(expected))
    #expect(err <= tolerance, "\(what): \(actual) vs expected \(expected) (relative error \(err), tolerance \(tolerance))",
            sourceLocation: sourceLocation)
}

/// Heavy tests (release-sized shapes, real photos, real weights) run only with `FINETUNE_SLOW=1`;
/// `.ci/run` sets it. The default `swift test` stays fast in debug.
public let slowTestsEnabled: Bool = {
    #if canImport(Glibc)
    if let v = getenv("FINETUNE_SLOW") { return String(cString: v) == "1" }
    #endif
    return false
}()

extension Tag {
    /// Compares against a reference-script golden.
    @Tag public static var golden: Self
    /// Needs `FINETUNE_SLOW=1`.
    @Tag public static var slow: Self
}
