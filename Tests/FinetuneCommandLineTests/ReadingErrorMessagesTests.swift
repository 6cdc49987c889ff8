import Testing
@testable import FinetuneCommandLine
import Finetune

/// The subcommands that only read images and checkpoints (predict, evaluate, explain, …) answer
/// bad input in their own terms: no training flag, no library API name.
@Suite("Error messages of the reading subcommands")
struct ReadingErrorMessagesTests {
    static let apiWords = ["onBadFile", ".skip", "maxPixels", "Checkpoint.write", "FreezePolicy"]

    @Test("an unusable image is named, with what to do, and no training flag", arguments: [
        DataError.notAnImage(path: "photos/x.jpg"),
        DataError.truncated(path: "photos/x.jpg", detail: "the JPEG data ends early"),
        DataError.tooManyPixels(path: "photos/x.jpg", width: 100_000, height: 100_000, limit: 1 << 28),
    ])
    func unusableImage(_ error: DataError) {
        let message = ErrorMessages(program: "finetune predict", trains: false).describeReading(error)
        #expect(message.contains("'photos/x.jpg'"))
        #expect(message.contains("leave it out of the images you pass"))
        #expect(!message.contains("--skip-bad-files"), "\(message)")
        for word in Self.apiWords { #expect(!message.contains(word), "\(message)") }
        let training = ErrorMessages(program: "finetune train").describe(error).message
        #expect(training.contains("--skip-bad-files"), "\(training)")
    }

    @Test("a file that is not a checkpoint says which files are")
    func notACheckpoint() {
        let message = ErrorMessages(program: "finetune evaluate", trains: false)
            .describeReading(CheckpointError.notACheckpoint(file: "notes.txt", found: "text"))
        #expect(message.contains("'notes.txt' is not a Finetune checkpoint"))
        #expect(message.contains("finetune train"))
        #expect(!message.contains("finetune evaluate checkpoint"), "\(message)")
    }
}
