import Synchronization

/// Counts kernel invocations, so tests can prove what was (not) computed — e.g. that a frozen
/// layer's weight gradient was never asked for. Counting takes an uncontended lock: negligible next
/// to any kernel.
public enum KernelCounters {
    public enum Kind: Int, CaseIterable, Sendable {
        case conv2DForward, conv2DInputGradient, conv2DKernelGradient
        case denseForward, denseInputGradient, denseKernelGradient
        case maxPoolForward, maxPoolBackward
    }
    private static let counts = Mutex<[Int]>(Array(repeating: 0, count: Kind.allCases.count))

    @inline(__always) public static func record(_ kind: Kind) {
        counts.withLock { $0[kind.rawValue] += 1 }
    }
    public static func count(_ kind: Kind) -> Int { counts.withLock { $0[kind.rawValue] } }
    public static func snapshot() -> [Kind: Int] {
        let c = counts.withLock { $0 }
        return Dictionary(uniqueKeysWithValues: Kind.allCases.map { ($0, c[$0.rawValue]) })
    }
    public static func reset() { counts.withLock { for i in $0.indices { $0[i] = 0 } } }
}
