import ArgumentParser
import Foundation
import Finetune

/// `finetune weights`: Keras' pretrained ImageNet weights (no top), fetched into Keras' cache and
/// listed.
package struct WeightsCommand: ParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "weights",
        abstract: "Download Keras' pretrained ImageNet weights into Keras' cache, and list them.",
        discussion: """
        The files are the ones keras.applications downloads for include_top=False, from Keras' own \
        address, checked against the MD5 Keras publishes, and kept where Keras keeps them \
        ($KERAS_HOME/models, default ~/.keras/models), so Keras and Finetune share them. An \
        interrupted download resumes; a file that does not match is deleted. \
        $FINETUNE_WEIGHTS_BASE_URL replaces Keras' address with a mirror holding the same folders.

        Examples:
          finetune weights list
          finetune weights fetch vgg16
          finetune train --data photos --out run1      # finds the VGG16 file in Keras' cache
        """,
        subcommands: [Fetch.self, List.self])

    package init() {}

    /// `finetune weights fetch NAME`.
    package struct Fetch: ParsableCommand {
        package static let configuration = CommandConfiguration(
            commandName: "fetch", abstract: "Download one backbone's weights (or check the copy in the cache).")

        @Argument(help: ArgumentHelp("One of: \(PretrainedWeights.allCases.map(\.rawValue).joined(separator: ", ")).",
                                     valueName: "name"))
        package var name: String

        @Flag(name: .long, help: "Print nothing but the file's path.")
        package var quiet = false

        package init() {}

        package func validate() throws { _ = try WeightsCommand.weights(named: name) }

        package func run() throws {
            try runReportingErrors("weights fetch") {
                let status = quiet ? nil : StatusLine()
                let path = try Self.perform(try WeightsCommand.weights(named: name), say: { status?.finish($0) },
                                            progress: status.map { line in { line.progress($0, $1) } })
                print(path.path)
            }
        }

        /// Fetches `weights`, saying where from and to (`say`), reporting bytes as they arrive.
        package static func perform(_ weights: PretrainedWeights,
                                    environment: [String: String] = ProcessInfo.processInfo.environment,
                                    say: (String) -> Void = { _ in },
                                    progress: ((Int64, Int64?) -> Void)? = nil) throws -> URL {
            let url = weights.url(environment: environment)
            let destination = PretrainedWeights.cacheDirectory(environment: environment).appendingPathComponent(weights.fileName)
            if try PretrainedWeights.isValid(destination, fileHash: weights.fileHash) {
                say("\(weights.rawValue): already in Keras' cache" + (weights.fileHash == nil ? "" : ", MD5 verified"))
                return destination
            }
            say("\(weights.rawValue): downloading \(url.absoluteString)\n  to \(destination.path)")
            let file = try PretrainedWeights.fetch(weights, environment: environment, progress: progress)
            say("\(weights.rawValue): done" + (weights.fileHash.map { ", MD5 \($0) as Keras publishes" }
                ?? " (Keras publishes no hash for this file: not verified)"))
            return file
        }
    }

    /// `finetune weights list`.
    package struct List: ParsableCommand {
        package static let configuration = CommandConfiguration(
            commandName: "list", abstract: "Show the known weights, which are in the cache, and where.")

        @Flag(name: .long, help: "Also check each cached file's MD5 against Keras' (reads every file).")
        package var verify = false

        package init() {}

        package func run() throws {
            try runReportingErrors("weights list") { print(try Self.output(verify: verify)) }
        }

        /// The table: name, state in the cache, Keras' MD5; then the cache folder and the address.
        package static func output(verify: Bool = false,
                                   environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
            let directory = PretrainedWeights.cacheDirectory(environment: environment)
            let fm = FileManager.default
            var lines = ["name          in the cache          file"]
            for weights in PretrainedWeights.allCases {
                let file = directory.appendingPathComponent(weights.fileName)
                var state = "no"
                if let size = (try? fm.attributesOfItem(atPath: file.path))?[.size] as? Int64 {
                    state = "yes, \(Self.megabytes(size))"
                    if verify, let hash = weights.fileHash {
                        state += try PretrainedWeights.isValid(file, fileHash: hash) ? ", MD5 ok" : ", MD5 WRONG"
                    }
                } else if let part = (try? fm.attributesOfItem(atPath: file.path + ".part"))?[.size] as? Int64 {
                    state = "partial, \(Self.megabytes(part))"
                }
                lines.append(weights.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0)
                             + state.padding(toLength: 22, withPad: " ", startingAt: 0) + weights.fileName)
            }
            let base = PretrainedWeights.vgg16.url(environment: environment).deletingLastPathComponent().deletingLastPathComponent()
            lines += ["", "cache: \(directory.path) ($KERAS_HOME/models, default ~/.keras/models)",
                      "from:  \(base.absoluteString)<folder>/<file>, checked against the MD5 Keras publishes "
                        + "(none for mobilenetv2)",
                      "Fetch one with `finetune weights fetch NAME`; --verify checks the cached files' MD5."]
            return lines.joined(separator: "\n")
        }

        static func megabytes(_ bytes: Int64) -> String { String(format: "%.1f MB", Double(bytes) / 1_000_000) }
    }

    /// The weights called `name`; a usage error listing the names otherwise.
    static func weights(named name: String) throws -> PretrainedWeights {
        guard let weights = PretrainedWeights(rawValue: name.lowercased()) else {
            throw ValidationError("unknown weights '\(name)'; known: \(PretrainedWeights.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return weights
    }
}

/// A progress line on standard error, rewritten in place (`\r`) at most every 1 %.
private final class StatusLine: @unchecked Sendable {
    private var lastPercent = -1

    func progress(_ bytes: Int64, _ expected: Int64?) {
        guard let expected, expected > 0 else { return }
        let percent = Int(bytes * 100 / expected)
        guard percent != lastPercent else { return }
        lastPercent = percent
        FileHandle.standardError.write(Data("\r  \(percent)% of \(WeightsCommand.List.megabytes(expected))".utf8))
    }

    func finish(_ message: String) {
        if lastPercent >= 0 { FileHandle.standardError.write(Data("\n".utf8)); lastPercent = -1 }
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}
