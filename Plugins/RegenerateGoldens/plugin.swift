import Foundation
import PackagePlugin

/// `swift package --allow-writing-to-package-directory regenerate-goldens [suite …]`
///
/// Re-runs the pinned reference scripts (`Goldens/generate.py`, NumPy/Keras/Pillow as pinned in
/// `Goldens/requirements.txt`), which rewrite `Goldens/<suite>/`. Tests never write goldens.
@main
struct RegenerateGoldens: CommandPlugin {
    func performCommand(context: PluginContext, arguments: [String]) async throws {
        let root = context.package.directoryURL
        let script = root.appendingPathComponent("Goldens/generate.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path] + arguments
        process.currentDirectoryURL = root
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            Diagnostics.error("Goldens/generate.py exited with \(process.terminationStatus); install its pins first: pip install -r Goldens/requirements.txt")
            return
        }
        print("Goldens regenerated under \(root.appendingPathComponent("Goldens").path)")
    }
}
