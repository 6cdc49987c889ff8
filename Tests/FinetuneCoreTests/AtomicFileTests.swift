import Foundation
import Testing
@testable import FinetuneCore

@Suite("AtomicFile")
struct AtomicFileTests {
    @Test("stale temporaries of dead writers are removed; live writers' and other files are kept")
    func staleTemporaries() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // pid_max is at most 2²² on Linux, so this pid cannot be running.
        let dead = ".last.ftckpt.tmp-\(1 << 23)-1a2b", live = ".history.json.tmp-\(getppid())-ff", keep = ["last.ftckpt", ".hidden", ".x.tmp-abc"]
        for name in [dead, live] + keep {
            #expect(FileManager.default.createFile(atPath: folder.appendingPathComponent(name).path, contents: Data([1])))
        }
        #expect(AtomicFile.removeStaleTemporaries(in: folder) == [dead])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ([live] + keep).sorted())
    }
}
