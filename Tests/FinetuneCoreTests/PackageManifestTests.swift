import Foundation
import Testing

/// SwiftPM refuses a package with `unsafeFlags` as a versioned dependency, so any such flag would
/// make Finetune impossible to depend on. Speed has to come from the code.
@Suite("Package manifest")
struct PackageManifestTests {
    static let manifest = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Package.swift")

    @Test("Package.swift has no unsafe compiler or linker flags")
    func noUnsafeFlags() throws {
        let text = try String(contentsOf: Self.manifest, encoding: .utf8)
        let code = text.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("//") }
        #expect(!code.isEmpty, "Package.swift at \(Self.manifest.path) is empty")
        for line in code {
            #expect(!line.contains("unsafeFlags"), "Package.swift: \(line)")
            #expect(!line.contains("-Ounchecked"), "Package.swift: \(line)")
        }
    }
}
