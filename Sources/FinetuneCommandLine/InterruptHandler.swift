import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Ctrl-C during a long command: prints what is kept and how to continue, then exits with status
/// 130 (128 + SIGINT, what shells report for an interrupted program). Every file Finetune writes
/// is replaced atomically, so stopping at any instant leaves whole files.
enum InterruptHandler {
    nonisolated(unsafe) private static var source: DispatchSourceSignal?

    /// Installs the handler; `message` is printed to standard error on Ctrl-C.
    static func install(message: String) {
        signal(SIGINT, SIG_IGN)
        let s = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        s.setEventHandler {
            FileHandle.standardError.write(Data("\ninterrupted: \(message)\n".utf8))
            exit(130)
        }
        s.resume()
        source = s
    }
}
