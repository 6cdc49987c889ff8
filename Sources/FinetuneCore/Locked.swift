import Foundation

/// A value behind an `NSLock` (a pthread mutex), for state that threads share.
///
/// Finetune uses this rather than `Synchronization.Mutex` because its tests run under
/// ThreadSanitizer: on Linux `Mutex` waits on a futex that TSan does not see, so every access
/// guarded by it is reported as a data race (a 6-line program with the right total gets 5 reports).
package final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    package init(_ value: Value) { self.value = value }

    /// Runs `body` on the value while holding the lock.
    package func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
