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
}
