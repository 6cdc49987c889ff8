import Foundation
import Testing
import FinetuneTestSupport
@testable import FinetuneIO

@Suite("XXH64")
struct XXH64Tests {
    @Test("matches the reference implementation at every tail length and two seeds", .tags(.golden))
    func vectors() throws {
        let golden = try GoldenSuite.load("io").named("xxh64_vectors")
        let vectors = try #require(golden.params["vectors"]?.array)
        #expect(vectors.count >= 30)
        for vector in vectors {
            let length = try #require(vector["length"]?.int)
            let seed = try #require(vector["seed"]?.string.flatMap { UInt64($0) })
            let digest = try #require(vector["digest"]?.string.flatMap { UInt64($0, radix: 16) })
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 31 + 7) }
            #expect(XXH64.hash(bytes, seed: seed) == digest, "length \(length) seed \(seed)")
        }
    }

    @Test("matches the published digests of \"\" and \"abc\"")
    func known() {
        #expect(XXH64.hash([UInt8](), seed: 0) == 0xEF46_DB37_51D8_E999)
        #expect(XXH64.hash(Array("abc".utf8), seed: 0) == 0x44BC_2CF5_AD77_0999)
    }
}
