import Foundation
import Testing
import FinetuneTestSupport

@Suite("Golden loading")
struct GoldenLoadingTests {
    @Test("a prefix that matches no case yields one placeholder that fails, never an empty list")
    func emptyPrefixFails() throws {
        let suite = try GoldenSuite.load("kernels")
        let names = suite.cases(prefix: "no-such-prefix.").map(\.name)
        #expect(names.count == 1)
        let placeholder = try #require(names.first)
        #expect(placeholder.hasPrefix(GoldenSuite.missingCasePrefix))
        #expect(placeholder.contains("no-such-prefix."))
        #expect(throws: GoldenError.self) { try suite.named(placeholder) }
        #expect(suite.cases(prefix: "conv.").allSatisfy { !$0.name.hasPrefix(GoldenSuite.missingCasePrefix) })
    }

    @Test("every suite records Python, platform, generator command and library versions",
          arguments: ["callbacks", "data", "io", "kernels", "nn", "training"])
    func provenance(suite name: String) throws {
        let suite = try GoldenSuite.load(name)
        #expect(suite.generator == "Goldens/gen_\(name).py")
        for key in ["python", "platform", "command"] {
            let value: String = suite.environment.flatMap { $0[key] }?.string ?? ""
            #expect(!value.isEmpty, "\(name): environment.\(key)")
        }
        let versions = try #require(suite.versions)
        #expect(versions["numpy"] != nil && versions["python"] != nil, "\(name): versions \(versions)")
    }
}
