import Testing
import FinetuneCore
import FinetuneTestSupport
@testable import FinetuneData

@Suite("Resize")
struct ResizeTests {
    @Test("NEAREST and BILINEAR match Pillow's resize exactly", .tags(.golden), arguments: DataGoldens.names("resize."))
    func matchesPillow(name: String) throws {
        let golden = try DataGoldens.load().named(name)
        let file = try #require(golden.params["file"]?.string)
        let filter = try #require(ResizeFilter(rawValue: golden.params["filter"]?.string ?? ""))
        let w = try #require(golden.params["width"]?.int), h = try #require(golden.params["height"]?.int)
        let image = try ImageDecoder.decode(path: DataGoldens.fixture(file)).resized(width: w, height: h, filter: filter)
        expectMaxAbs(Tensor(image), try golden.tensor("rgb"), 0, name)
    }

    @Test("NEAREST picks Pillow's source index for every (in, out) pair", .tags(.golden))
    func nearestIndexTable() throws {
        let golden = try DataGoldens.load().named("nearest_index_table")
        let pairs = try #require(golden.params["pairs"]?.array)
        let expected = try golden.tensor("indices").scalars
        var offset = 0, mismatches: [String] = []
        for pair in pairs {
            let i = try #require(pair.array?[0].int), o = try #require(pair.array?[1].int)
            let actual = RGBImage.nearestIndices(inSize: i, outSize: o)
            let want = expected[offset..<(offset + o)].map { Int($0) }
            if actual != want { mismatches.append("\(i)→\(o)") }
            offset += o
        }
        #expect(offset == expected.count)
        #expect(mismatches.isEmpty, "index tables differ for \(mismatches.prefix(10))")
    }

    @Test("BILINEAR on noise matches Pillow for shrinking, stretching and mixed sizes", .tags(.golden),
          arguments: DataGoldens.names("bilinear_noise.").filter { !$0.hasSuffix("input") })
    func bilinearNoise(name: String) throws {
        let suite = try DataGoldens.load()
        let input = try suite.named("bilinear_noise.input").tensor("rgb")
        let golden = try suite.named(name)
        let image = RGBImage(width: input.shape[1], height: input.shape[0], pixels: input.scalars.map { UInt8($0) })
        let w = try #require(golden.params["width"]?.int), h = try #require(golden.params["height"]?.int)
        expectMaxAbs(Tensor(image.resized(width: w, height: h, filter: .bilinear)), try golden.tensor("rgb"), 0, name)
    }
}
