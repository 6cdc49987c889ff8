#if canImport(Glibc)
import Glibc
import Testing
import FinetuneIO
import FinetuneCore
@testable import FinetuneCommandLine

/// How `KerasWeights.readIsolated` tells its trial-read child's endings apart. A child forked
/// while another thread of the process held a lock (the Swift runtime's, say) waits for it
/// forever, asleep: that must read as "stalled" (retried, then read in-process) within seconds,
/// never as "libhdf5 looped on a damaged file", which only a child that keeps using the CPU until
/// the deadline may be called. The children here run nothing but system calls.
@Suite("Trial-read child")
struct TrialReadChildTests {
    @Test("a child asleep without using the CPU is stalled, well before the deadline")
    func asleep() {
        let pid = BLASThreading.excludingCalls { fork() }
        if pid == 0 { while true { pause() } }
        let clock = ContinuousClock(), start = clock.now
        #expect(KerasWeights.waitForChild(pid, timeout: .seconds(60), stallLimit: .milliseconds(500)) == .stalled)
        #expect(clock.now - start < .seconds(10))
    }

    @Test("a child that keeps the CPU busy runs to the deadline: timed out, not stalled")
    func spinning() {
        let pid = BLASThreading.excludingCalls { fork() }
        if pid == 0 { while true { _ = getppid() } }
        #expect(KerasWeights.waitForChild(pid, timeout: .seconds(2), stallLimit: .milliseconds(500)) == .timedOut)
    }

    @Test("exit statuses and signals are reported as they are")
    func endings() {
        let exiting = BLASThreading.excludingCalls { fork() }
        if exiting == 0 { _exit(3) }
        #expect(KerasWeights.waitForChild(exiting, timeout: .seconds(30)) == .exited(3))
        let crashing = BLASThreading.excludingCalls { fork() }
        if crashing == 0 { signal(SIGSEGV, SIG_DFL); raise(SIGSEGV); _exit(0) }
        #expect(KerasWeights.waitForChild(crashing, timeout: .seconds(30)) == .signalled(SIGSEGV))
    }
}
#endif
