#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A request to stop training, checked by ``Trainer`` between steps.
///
/// Set it from anywhere (another thread, a signal handler via ``installHandlers(for:)``); `fit`
/// finishes the step in progress, leaves the weights as that step left them, and throws
/// ``TrainerError/interrupted(epoch:step:)``. The epoch in progress is abandoned — it is not in
/// `history` — so the last checkpoint written at an epoch end resumes the run bit for bit.
public final class StopSignal: Sendable {
    private let flag = Atomic<Int32>(0)

    public init() {}

    /// Asks training to stop after the current step.
    public func request(signal number: Int32 = 0) { flag.store(number == 0 ? -1 : number, ordering: .relaxed) }

    /// Whether a stop has been asked for.
    public var isRequested: Bool { flag.load(ordering: .relaxed) != 0 }

    /// The signal number that requested the stop (SIGINT, SIGTERM), or nil.
    package var signalNumber: Int32? {
        let v = flag.load(ordering: .relaxed)
        return v > 0 ? v : nil
    }

    /// The process-wide signal that ``installHandlers(for:)`` sets.
    public static let process = StopSignal()

    /// Routes `signals` (default SIGINT and SIGTERM) to ``process``. A second signal while a stop
    /// is pending exits at once with status 128 + signal (the shell's convention: 130 for
    /// Ctrl-C), for a user who does not want to wait for the step to end.
    /// The signals are also unblocked on the calling thread (and so on threads it starts later):
    /// a parent process may hand down a mask that blocks them.
    public static func installHandlers(for signals: [Int32] = [SIGINT, SIGTERM]) {
        var set = sigset_t()
        sigemptyset(&set)
        for number in signals { sigaddset(&set, number) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        for number in signals {
            signal(number) { received in
                if StopSignal.process.isRequested { _exit(128 + received) }
                StopSignal.process.request(signal: received)
            }
        }
    }
}
