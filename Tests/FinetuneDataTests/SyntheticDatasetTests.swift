import Foundation
import Testing
import FinetuneCore
import FinetuneTestSupport
@testable import FinetuneData

@Suite("SyntheticDataset")
struct SyntheticDatasetTests {
    @Test("writes the Keras layout deterministically, in both formats, readable by DirectorySource")
    func layoutAndDeterminism() throws {
        let a = try ScratchFolder("synth-a"), b = try ScratchFolder("synth-b")
        let spec = SyntheticDataset(splits: [("train", 3), ("validation", 2), ("test", 1)], width: 16, height: 12, seed: 5)
        let files = try spec.write(to: a.url)
        try spec.write(to: b.url)
        #expect(files.count == 12)
        for f in files {
            let rel = String(f.path.dropFirst(a.path.count))
            #expect(FileManager.default.contentsEqual(atPath: f.path, andPath: b.path + rel), "\(rel) differs between runs")
        }
        var source = try DirectorySource(directory: a.path + "/train", targetSize: (12, 16), classMode: .binary,
                                         batchSize: 6, shuffle: false, workers: 0)
        #expect(source.classNames == ["circles", "squares"])
        #expect(source.listing.relativePaths.first == "circles/circle.0.jpg")
        #expect(try source.next().labels.scalars == [0, 0, 0, 1, 1, 1])
        var png = spec
        png.format = .png
        let c = try ScratchFolder("synth-png")
        let pngFiles = try png.write(to: c.url)
        let decoded = try ImageDecoder.decode(path: pngFiles[0].path)
        #expect(decoded == spec.image(split: 0, label: 0, index: 0))
        var other = spec
        other.seed = 6
        #expect(other.image(split: 0, label: 0, index: 0) != spec.image(split: 0, label: 0, index: 0))
    }

    @Test("circles are brighter than squares on average (the classes are learnable)")
    func classesDiffer() {
        let spec = SyntheticDataset(width: 32, height: 32, seed: 1)
        func meanMax(_ label: Int) -> Double {
            (0..<20).map { i -> Double in
                let img = spec.image(split: 0, label: label, index: i)
                return Double(img.pixels.max() ?? 0)
            }.reduce(0, +) / 20
        }
        #expect(meanMax(0) > meanMax(1) + 40)
    }

    @Test("a third class adds red triangles without changing the circles and squares")
    func threeClasses() throws {
        let two = SyntheticDataset(width: 24, height: 24, seed: 3)
        let three = SyntheticDataset(width: 24, height: 24, seed: 3, classCount: 3)
        #expect(two.image(split: 0, label: 0, index: 1) == three.image(split: 0, label: 0, index: 1))
        #expect(two.image(split: 0, label: 1, index: 1) == three.image(split: 0, label: 1, index: 1))
        let triangle = three.image(split: 0, label: 2, index: 0)
        let reddish = stride(from: 0, to: triangle.pixels.count, by: 3).filter {
            Int(triangle.pixels[$0]) > Int(triangle.pixels[$0 + 1]) + 100 && Int(triangle.pixels[$0]) > Int(triangle.pixels[$0 + 2]) + 100
        }.count
        #expect(reddish > 20)
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("synthetic3-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try SyntheticDataset(splits: [("train", 2)], width: 16, height: 16, classCount: 3).write(to: root)
        #expect(try DirectoryListing(root: root.appendingPathComponent("train").path).classNames == ["circles", "squares", "triangles"])
        #expect(throws: DataError.self) { try SyntheticDataset(splits: [("train", 1)], classCount: 4).write(to: root) }
    }
}
