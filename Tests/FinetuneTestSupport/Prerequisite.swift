import Foundation

/// Whether the tests run in CI (`CI=true`, as `.ci/run` sets it). There a missing prerequisite
/// (the shared photos, pretrained weights, a golden suite) is a failure, not a skip.
public let runningInCI: Bool = ProcessInfo.processInfo.environment["CI"]?.lowercased() == "true"

/// Something a test needs that may be absent on a developer's machine: a file or folder.
///
/// Use it as `.enabled(if: p.shouldRun)` and start the test with `try p.require()`: absent
/// locally, the test is reported as skipped (never as passed); absent in CI, it runs and fails
/// on `require()` with the reason.
public struct Prerequisite: Sendable {
    public let path: String
    public let what: String

    public init(path: String, what: String) {
        self.path = path
        self.what = what
    }

    public var isAvailable: Bool { FileManager.default.fileExists(atPath: path) }

    /// Run when present, or in CI (where absence must fail).
    public var shouldRun: Bool { isAvailable || runningInCI }

    /// Throws, naming the path and how to get it, when the prerequisite is absent.
    public func require() throws {
        guard isAvailable else { throw Missing(description: "\(what) is absent at \(path)") }
    }

    public struct Missing: Error, CustomStringConvertible { public let description: String }
}

/// Test-case names for `@Test(arguments:)` from a golden suite: a failing placeholder instead of
/// an empty list, so a lost or renamed golden suite never turns into zero cases that all pass.
public func nonEmptyCaseNames(_ names: [String]?, describing what: String) -> [String] {
    guard let names else { return ["<\(what): golden suite missing>"] }
    return names.isEmpty ? ["<\(what): no cases>"] : names
}
