import ArgumentParser
import Foundation
import Finetune

extension TrainWorkflow {
    /// Runs `configuration` as a command-line tool does: SIGINT/SIGTERM stop training after the
    /// current step (a second one stops at once) and leave a resumable checkpoint; under
    /// `distributed`, every rank of the MPI job runs the workflow. Errors become one message on
    /// standard error (``ErrorMessages``) and an exit status: 64 usage, 1 runtime, 130 interrupted.
    package static func runAsCommand(_ configuration: TrainConfiguration) throws {
        StopSignal.installHandlers()
        do {
            if configuration.distributed {
                try DistributedRun.run(configuration, stop: .process)
            } else {
                try TrainWorkflow(configuration: configuration, stop: .process).run()
            }
        } catch let interruption as RunInterruption {
            FileHandle.standardError.write(Data((interruption.message + "\n").utf8))
            throw ExitCode(ExitStatus.interrupted)
        } catch {
            let (message, code) = ErrorMessages(program: configuration.commandName).describe(error)
            FileHandle.standardError.write(Data("\(configuration.commandName): error: \(message)\n".utf8))
            throw ExitCode(code)
        }
    }
}
