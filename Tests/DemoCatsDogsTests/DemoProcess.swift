import Foundation
import FinetuneData

/// The built `demo-catsdogs`, run as a subprocess from a scratch folder.
enum DemoProcess {
    /// The executable beside this test bundle (`swift test` builds every product into the same
    /// folder), or `$DEMO_CATSDOGS`.
    static let executable: String = {
        if let path = ProcessInfo.processInfo.environment["DEMO_CATSDOGS"] { return path }
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var folder = URL(fileURLWithPath: me).deletingLastPathComponent()
        while !folder.path.hasSuffix(".xctest") && folder.path != "/" && !FileManager.default.fileExists(atPath: folder.appendingPathComponent("demo-catsdogs").path) {
            folder.deleteLastPathComponent()
        }
        if folder.path.hasSuffix(".xctest") { folder.deleteLastPathComponent() }
        return folder.appendingPathComponent("demo-catsdogs").path
    }()

    /// The built `finetune`, from the same folder as ``executable`` (or `$FINETUNE`).
    static let finetune: String = ProcessInfo.processInfo.environment["FINETUNE"]
        ?? URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent("finetune").path

    struct Result {
        let code: Int32
        let output: String
    }

    /// Runs the demo (or another `program`) with `arguments` in `folder`; stdout and stderr together.
    static func run(_ arguments: [String], in folder: URL, program: String = executable) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        process.currentDirectoryURL = folder
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(code: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    /// A fresh scratch folder.
    static func scratch(_ name: String = #function) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("demo-tests-\(getpid())-\(name.filter { $0.isLetter || $0.isNumber })")
        try? FileManager.default.removeItem(at: url)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A tiny two-class dataset (circles, squares; 2 PNGs per class and split) under `folder/data`.
    static func dataset(in folder: URL) throws -> URL {
        let root = folder.appendingPathComponent("data")
        _ = try SyntheticDataset(splits: [("train", 2), ("validation", 2), ("test", 2)], width: 36, height: 36,
                                 format: .png, seed: 3).write(to: root)
        return root
    }
}
