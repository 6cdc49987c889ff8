import Foundation
import Testing

/// SwiftPM recompiles a target only when a file of a *declared* dependency changes (its sources or
/// the `.swiftmodule` of a target it lists). A module reached only through another one — the
/// umbrella `Finetune`'s `@_exported import`s, or an undeclared transitive import — is not an
/// input of the importing target's compile step. When such a module changes the layout of a
/// struct (a new stored property) and the module in between keeps its `.swiftmodule` unchanged
/// (the umbrella's never changes), an incremental build links the importing target's old object
/// files, compiled for the old layout, with the new module: the old code sizes and copies the
/// struct by its old layout and memory is corrupted. (`demo-catsdogs` crashed this way after its
/// first 100 training steps, copying a `DirectorySource` that had gained a stored property;
/// swiftlang/swift#89636, swiftlang/swift-package-manager#10483.) So every target declares each
/// package module it imports, and each package module re-exported by a module it depends on.
@Suite("Package dependencies")
struct PackageDependencyTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Target {
        let name: String
        let folder: String
        let dependencies: Set<String>
        /// Swift's module name for the target (`demo-catsdogs` → `demo_catsdogs`).
        var module: String { name.replacingOccurrences(of: "-", with: "_") }
    }

    @Test("every target declares each package module it imports or gets re-exported")
    func importsAreDeclared() throws {
        let manifest = try String(contentsOf: Self.root.appendingPathComponent("Package.swift"), encoding: .utf8)
        let targets = Self.targets(in: manifest)
        try #require(targets.count >= 10, "found only \(targets.map(\.name)) in Package.swift")
        let modules = Set(targets.map(\.module))
        let moduleTargets = Dictionary(targets.map { ($0.module, $0) }, uniquingKeysWith: { a, _ in a })
        let imports = try Dictionary(uniqueKeysWithValues: targets.map {
            ($0.module, try Self.imports(in: Self.root.appendingPathComponent($0.folder)))
        })
        try #require(imports["Finetune"]?.reexported.contains("FinetuneData") == true,
                     "the umbrella's @_exported imports were not found in \(Self.root.path)/Sources/Finetune")
        for target in targets {
            let declared = Set(target.dependencies.map { $0.replacingOccurrences(of: "-", with: "_") })
            let used = imports[target.module]?.all.intersection(modules) ?? []
            for module in used.subtracting(declared).subtracting([target.module]).sorted() {
                Issue.record("\(target.name) imports \(module) without declaring it: add \"\(module)\" to its dependencies in Package.swift")
            }
            for dependency in declared.sorted() {
                let reexported = imports[dependency]?.reexported.intersection(modules) ?? []
                for module in reexported.subtracting(declared).sorted() where moduleTargets[module] != nil {
                    Issue.record("\(target.name) depends on \(dependency), which re-exports \(module): add \"\(module)\" to its dependencies in Package.swift")
                }
            }
        }
    }

    /// Top-level `.target`, `.executableTarget`, `.testTarget` and `.systemLibrary` declarations:
    /// name, source folder and the names in `dependencies:`.
    static func targets(in manifest: String) -> [Target] {
        let text = Array(manifest.utf8)
        var result: [Target] = []
        var i = 0
        let kinds = [".target(", ".executableTarget(", ".testTarget(", ".systemLibrary("]
        while i < text.count {
            guard let kind = kinds.first(where: { text[i...].starts(with: Array($0.utf8)) }) else { i += 1; continue }
            let open = i + kind.utf8.count - 1
            let close = matching(text, open)
            let body = String(decoding: text[(open + 1)..<close], as: UTF8.self)
            i = close + 1
            guard let name = firstString(after: "name:", in: body) else { continue }
            let isTest = kind == ".testTarget("
            let folder = firstString(after: "path:", in: body) ?? (isTest ? "Tests/" : "Sources/") + name
            var dependencies: Set<String> = []
            if let range = body.range(of: "dependencies:") {
                let rest = Array(body[range.upperBound...].utf8)
                if let start = rest.firstIndex(of: UInt8(ascii: "[")) {
                    let list = String(decoding: rest[(start + 1)..<matching(rest, start)], as: UTF8.self)
                    dependencies = Set(strings(in: list, skippingAfter: "package:"))
                }
            }
            result.append(Target(name: name, folder: folder, dependencies: dependencies))
        }
        return result
    }

    /// The index of the bracket closing the one at `open` (string literals skipped).
    static func matching(_ text: [UInt8], _ open: Int) -> Int {
        var depth = 0, inString = false, i = open
        while i < text.count {
            let c = text[i]
            if inString {
                if c == UInt8(ascii: "\\") { i += 1 } else if c == UInt8(ascii: "\"") { inString = false }
            } else if c == UInt8(ascii: "\"") {
                inString = true
            } else if c == UInt8(ascii: "(") || c == UInt8(ascii: "[") {
                depth += 1
            } else if c == UInt8(ascii: ")") || c == UInt8(ascii: "]") {
                depth -= 1
                if depth == 0 { return i }
            }
            i += 1
        }
        return text.count
    }

    static func firstString(after label: String, in body: String) -> String? {
        guard let range = body.range(of: label) else { return nil }
        return strings(in: String(body[range.upperBound...]), skippingAfter: nil).first
    }

    /// The string literals of `text`, leaving out those right after `label` (a product's package).
    static func strings(in text: String, skippingAfter label: String?) -> [String] {
        let pattern = /(package:\s*)?"([^"\\]*)"/
        return text.matches(of: pattern).compactMap { match in
            label != nil && match.output.1 != nil ? nil : String(match.output.2)
        }
    }

    /// Modules imported by the Swift files under `folder`, and those re-exported (`@_exported`).
    static func imports(in folder: URL) throws -> (all: Set<String>, reexported: Set<String>) {
        var all: Set<String> = [], reexported: Set<String> = []
        let pattern = /^\s*((?:@\w+\s+)*)import\s+(?:(?:struct|class|enum|protocol|func|var|let|typealias)\s+)?([A-Za-z_][A-Za-z0-9_]*)/
        guard let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) else { return ([], []) }
        for case let file as URL in files where file.pathExtension == "swift" {
            let text = try String(contentsOf: file, encoding: .utf8)
            for line in text.split(separator: "\n") {
                guard let match = line.prefixMatch(of: pattern) else { continue }
                let module = String(match.output.2)
                all.insert(module)
                if match.output.1.contains("@_exported") { reexported.insert(module) }
            }
        }
        return (all, reexported)
    }
}
