/// Exit statuses of the command-line tools: sysexits' EX_USAGE for usage errors, 1 for runtime
/// errors, 128 + SIGINT for an interrupted run.
package enum ExitStatus {
    package static let usageError: Int32 = 64, runtimeError: Int32 = 1, interrupted: Int32 = 130
}
