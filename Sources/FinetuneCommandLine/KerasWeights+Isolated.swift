import Foundation
import FinetuneIO
import FinetuneCore
#if canImport(Glibc)
import Glibc
#endif

extension KerasWeights {
    /// ``read(from:)``, after a trial read of the whole file in a child process, so that a file
    /// damaged deep inside is reported as an error instead of ending this process.
    ///
    /// libhdf5 trusts the structures it reads: on some damaged files (object headers, B-trees,
    /// heaps: see `Fuzz/known-libhdf5-crashes`) it reads out of bounds and crashes, or loops. What
    /// ``read(from:)`` checks first (the superblock: signature, version, the file's length) catches a
    /// truncated download, not those. Here a forked child reads the file exactly as this process
    /// will; only when it finishes (with or without a thrown error, which this process then throws
    /// itself) is the file read again here. A child killed by a signal, or still reading after
    /// `timeout` (default: 30 s plus 1 s per 10 MB of file), becomes
    /// ``KerasWeightsError/hdf5(file:detail:)`` naming the file.
    ///
    /// The file is read twice (a VGG16 base, 59 MB: a fraction of a second). The `finetune` and
    /// `demo-catsdogs` commands call it for every weights file they are given; it belongs to the
    /// tools, not the library, because forking is the application's decision (the library's
    /// ``read(from:)`` is the plain read). Without `fork` (not Linux), or while OpenBLAS runs
    /// worker threads of its own (its 0.3.21 fork handler can hang), this is ``read(from:)``. Best called at start-up, as the commands do: the child is a copy of
    /// this thread only, so a lock another thread held at the fork (the Swift runtime's, say) stays
    /// locked in the child. Such a child sleeps without using the CPU; it is detected within 2 s
    /// and replaced, and after three of them the file is read here without a trial.
    package static func readIsolated(from url: URL, timeout: Duration? = nil) throws -> KerasWeights {
        #if canImport(Glibc)
        // No fork while OpenBLAS runs worker threads of its own (a host that did not call
        // `Runtime.configureProcess()`, or a test process): OpenBLAS 0.3.21's fork handler joins
        // its workers after waking them, and a worker that was just going to sleep when the wake-up
        // came sleeps on, so `fork()` never returns (seen: a debug test process hung in
        // `blas_thread_shutdown_` under `__run_prefork_handlers`). The tools run OpenBLAS on one
        // thread, so their reads keep the trial child.
        guard BLASThreading.finetuneSplitsGEMMs else { return try read(from: url) }
        // The cheap refusals (missing, a directory, not HDF5, truncated) need no child.
        let path = url.path
        guard FileManager.default.isReadableFile(atPath: path), (try? HDF5Superblock.check(path: path)) != nil else {
            return try read(from: url)
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        let limit = timeout ?? .seconds(30 + size / 10_000_000)
        var outcome = ChildOutcome.stalled
        // A child that sleeps without using the CPU is not reading: another thread of this process
        // held a lock (the Swift runtime's, say) when it forked, and the child, a copy of the
        // forking thread only, waits for it forever. That says nothing about the file, so such a
        // child is replaced (the lock is held only briefly), and after three stalls the file is
        // read here without a trial, as `read(from:)` would.
        for _ in 0..<3 where outcome == .stalled {
            fflush(nil)   // nothing buffered is written twice by the child's exit
            let pid = KerasWeights.holdingHDF5Lock { BLASThreading.excludingCalls { fork() } }
            if pid == 0 {
                // The child: read, then leave without running exit handlers or flushing the parent's
                // buffers. Its only answer is how it ends: a crash ends it by the signal, silently
                // (not through the Swift runtime's crash reporter, which would print a backtrace of
                // what the parent is about to report as an error).
                for crash in [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP] { signal(crash, SIG_DFL) }
                _ = try? read(from: url)
                _exit(0)
            }
            guard pid > 0 else { return try read(from: url) }   // no child could be made: read here
            outcome = waitForChild(pid, timeout: limit)
        }
        switch outcome {
        case .exited(0):
            return try read(from: url)
        case let .exited(status):
            throw KerasWeightsError.hdf5(file: path, detail: "libhdf5 failed inside while reading it (a trial read in a child "
                + "process exited with status \(status)), past what can be checked before it reads")
        case let .signalled(signal):
            throw KerasWeightsError.hdf5(file: path, detail: "libhdf5 crashed reading it (a trial read in a child process was "
                + "killed by \(signalName(signal))): its inner structures are broken, past what can be checked before it reads")
        case .timedOut:
            throw KerasWeightsError.hdf5(file: path, detail: "libhdf5 was still reading it after \(limit) in a trial read in a "
                + "child process (a damaged file can make it loop)")
        case .stalled:
            return try read(from: url)
        }
        #else
        return try read(from: url)
        #endif
    }

    #if canImport(Glibc)
    enum ChildOutcome: Equatable {
        /// Ended by `exit` with this status, or by this signal; still running at the deadline;
        /// asleep without using the CPU for `stallLimit` (waiting for a lock no thread will release).
        case exited(Int32), signalled(Int32), timedOut, stalled
    }

    /// Waits for `pid` (polling, so that a timeout can end a child stuck in a loop), killing it
    /// when `timeout` passes, or as soon as it has slept (`S` in /proc/PID/stat) without using
    /// any CPU time for `stallLimit`.
    static func waitForChild(_ pid: pid_t, timeout: Duration, stallLimit: Duration = .seconds(2)) -> ChildOutcome {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var status: Int32 = 0
        var pause: useconds_t = 1_000
        var lastCPU: Int?, asleepSince: ContinuousClock.Instant?
        func end(_ outcome: ChildOutcome) -> ChildOutcome {
            kill(pid, SIGKILL)
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            return outcome
        }
        while true {
            let done = waitpid(pid, &status, WNOHANG)
            if done == pid { break }
            if done < 0 && errno != EINTR { return .exited(0) }   // not our child any more: nothing to report
            let now = clock.now
            if now >= deadline { return end(.timedOut) }
            if let (state, cpu) = processStateAndCPU(pid) {
                if state == "S", cpu == lastCPU {
                    if let since = asleepSince { if now - since >= stallLimit { return end(.stalled) } }
                    else { asleepSince = now }
                } else {
                    asleepSince = nil
                }
                lastCPU = cpu
            }
            usleep(pause)
            pause = min(pause * 2, 50_000)
        }
        // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import (they are macros).
        let signal = status & 0x7f
        return signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(signal)
    }

    /// The state letter and the user + system CPU time (clock ticks) of `pid`, from /proc/PID/stat
    /// (fields 3, 14 and 15, counted after the parenthesised command name, which may hold spaces).
    private static func processStateAndCPU(_ pid: pid_t) -> (state: Character, cpu: Int)? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let state = fields[0].first, let user = Int(fields[11]), let system = Int(fields[12])
        else { return nil }
        return (state, user + system)
    }

    private static func signalName(_ signal: Int32) -> String {
        let names: [Int32: String] = [SIGSEGV: "SIGSEGV", SIGBUS: "SIGBUS", SIGABRT: "SIGABRT", SIGFPE: "SIGFPE",
                                      SIGILL: "SIGILL", SIGKILL: "SIGKILL (out of memory?)"]
        return names[signal] ?? "signal \(signal)"
    }
    #endif
}
