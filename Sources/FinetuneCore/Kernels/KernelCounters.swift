import Foundation

/// Counts kernel invocations, so tests can prove what was (not) computed — e.g. that a frozen
/// layer's weight gradient was never asked for. Counting takes an uncontended lock: negligible next
/// to any kernel (``Locked``, a pthread mutex that ThreadSanitizer sees).
///
/// The global counts see every thread. Tests run in parallel (and every test target shares one
/// process), so a test should count with ``counting(_:)``, which sees only the calls made by its
/// own task while `body` runs.
package enum KernelCounters {
    package enum Kind: Int, CaseIterable, Sendable {
        case conv2DForward, conv2DInputGradient, conv2DKernelGradient
        case denseForward, denseInputGradient, denseKernelGradient
        case maxPoolForward, maxPoolBackward
        case depthwiseConv2DForward, depthwiseConv2DInputGradient, depthwiseConv2DKernelGradient
        case batchNormMoments, batchNormForward, batchNormBackward
        /// A pass of ``addForward(_:)`` (or ``addReLUForward(_:)``) over its inputs; a residual sum
        /// done in a convolution's epilogue records none.
        case addForward
        /// A convolution run with the inference-mode BatchNormalization (and activation) after it as
        /// its epilogue, in a graph (each such layer still records its own kind as well).
        case inferenceFusion
    }
    /// An array of counts behind a pthread mutex.
    private typealias Counts = Locked<[Int]>
    private static func zeroCounts() -> Counts { Locked(Array(repeating: 0, count: Kind.allCases.count)) }
    private static let counts = zeroCounts()

    /// Per-task counts, installed by ``counting(_:)``.
    private final class Scope: Sendable {
        let counts = KernelCounters.zeroCounts()
        var snapshot: [Kind: Int] {
            let c = counts.withLock { $0 }
            return Dictionary(uniqueKeysWithValues: Kind.allCases.map { ($0, c[$0.rawValue]) })
        }
    }
    @TaskLocal private static var scope: Scope?

    @inline(__always) package static func record(_ kind: Kind) {
        counts.withLock { $0[kind.rawValue] += 1 }
        if let scope { scope.counts.withLock { $0[kind.rawValue] += 1 } }
    }
    package static func count(_ kind: Kind) -> Int { counts.withLock { $0[kind.rawValue] } }
    package static func snapshot() -> [Kind: Int] {
        let c = counts.withLock { $0 }
        return Dictionary(uniqueKeysWithValues: Kind.allCases.map { ($0, c[$0.rawValue]) })
    }
    package static func reset() { counts.withLock { for i in $0.indices { $0[i] = 0 } } }

    /// Runs `body` and returns the kernel calls it made — calls recorded by this task (and the
    /// tasks it starts), not by other threads or tests running at the same time. Every kind is a
    /// key (0 when not called).
    package static func counting<R>(_ body: () throws -> R) rethrows -> (result: R, counts: [Kind: Int]) {
        let s = Scope()
        let r = try $scope.withValue(s) { try body() }
        return (r, s.snapshot)
    }

    /// Async form of ``counting(_:)``.
    package static func counting<R>(_ body: () async throws -> R) async rethrows -> (result: R, counts: [Kind: Int]) {
        let s = Scope()
        let r = try await $scope.withValue(s) { try await body() }
        return (r, s.snapshot)
    }
}
