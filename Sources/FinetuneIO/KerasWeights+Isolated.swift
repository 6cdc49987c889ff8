import Foundation
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
    /// The file is read twice (a VGG16 base, 59 MB: a fraction of a second). Call it where a bad
    /// file must not end the process (the `finetune` and `demo-catsdogs` commands do, for every
    /// weights file they are given); ``read(from:)`` is the plain read. Without `fork` (not Linux)
    /// this is ``read(from:)``. Call it while no other thread reads HDF5 or is inside the Swift
    /// runtime's locks (at start-up, as the commands do): the child is a copy of this thread only.
    public static func readIsolated(from url: URL, timeout: Duration? = nil) throws -> KerasWeights {
        #if canImport(Glibc)
        // The cheap refusals (missing, a directory, not HDF5, truncated) need no child.
        let path = url.path
        guard FileManager.default.isReadableFile(atPath: path), (try? HDF5Superblock.check(path: path)) != nil else {
            return try read(from: url)
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        let limit = timeout ?? .seconds(30 + size / 10_000_000)
        fflush(nil)   // nothing buffered is written twice by the child's exit
        let pid = HDF5.forkHoldingLock()
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
        let outcome = waitForChild(pid, timeout: limit)
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
        }
        #else
        return try read(from: url)
        #endif
    }

    #if canImport(Glibc)
    private enum ChildOutcome: Equatable {
        case exited(Int32), signalled(Int32), timedOut
    }

    /// Waits for `pid` (polling, so that a timeout can end a child stuck in a loop), killing it
    /// when `timeout` passes.
    private static func waitForChild(_ pid: pid_t, timeout: Duration) -> ChildOutcome {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var status: Int32 = 0
        var pause: useconds_t = 1_000
        while true {
            let done = waitpid(pid, &status, WNOHANG)
            if done == pid { break }
            if done < 0 && errno != EINTR { return .exited(0) }   // not our child any more: nothing to report
            if clock.now >= deadline {
                kill(pid, SIGKILL)
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                return .timedOut
            }
            usleep(pause)
            pause = min(pause * 2, 50_000)
        }
        // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import (they are macros).
        let signal = status & 0x7f
        return signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(signal)
    }

    private static func signalName(_ signal: Int32) -> String {
        let names: [Int32: String] = [SIGSEGV: "SIGSEGV", SIGBUS: "SIGBUS", SIGABRT: "SIGABRT", SIGFPE: "SIGFPE",
                                      SIGILL: "SIGILL", SIGKILL: "SIGKILL (out of memory?)"]
        return names[signal] ?? "signal \(signal)"
    }
    #endif
}
