import Foundation
import Testing
@testable import FinetuneCommandLine
import Finetune

@Suite("Test-time augmentation: finetune evaluate/predict --tta N")
struct TestTimeAugmentationTests {
    /// A trained three-class model and its test listing.
    static func setUp() throws -> (ThreeClassData, TrainedModel, DirectoryListing) {
        let data = try ThreeClassData(perClass: (4, 1, 3))
        var c = data.configuration()
        (c.phase1Epochs, c.phase2Epochs) = (1, 0)
        try TrainWorkflow(configuration: c, say: { _ in }).run()
        let trained = try TrainedModel.load(data.out + "/phase2.ftckpt")
        return (data, trained, try DirectoryListing(root: data.data + "/test"))
    }

    static func batches(_ source: inout DirectorySource) throws -> [Batch] {
        try (0..<source.batchesPerPass).map { _ in try source.next() }
    }

    @Test("view 0 is the images as evaluated; view k is bit for bit the training pipeline's augmentation seeded k")
    func viewsAreThePipelines() throws {
        let (data, trained, listing) = try Self.setUp()
        defer { data.remove() }
        let d = trained.description
        var plain = try DirectorySource(listing: listing, targetSize: (d.imageHeight, d.imageWidth), classMode: d.classMode,
                                        batchSize: 4, shuffle: false, preprocessing: try d.preprocessingValue(), workers: 1)
        var view0 = try trained.ttaView(listing, view: 0, batchSize: 4)
        #expect(try Self.batches(&view0).map(\.images.scalars) == (try Self.batches(&plain).map(\.images.scalars)))
        var seen: [[[Float]]] = []
        for k in 1...2 {
            var pipeline = try DirectorySource(listing: listing, targetSize: (d.imageHeight, d.imageWidth), classMode: d.classMode,
                                               batchSize: 4, shuffle: false, seed: k, preprocessing: try d.preprocessingValue(),
                                               augmentation: TwoPhaseRecipe.chollet.augmentation, workers: 1)
            var view = try trained.ttaView(listing, view: k, batchSize: 4)
            let images = try Self.batches(&view).map(\.images.scalars)
            #expect(images == (try Self.batches(&pipeline).map(\.images.scalars)), "view \(k)")
            seen.append(images)
        }
        #expect(seen[0] != seen[1])
        #expect(TrainedModel.testTimeAugmentation.horizontalFlip)
    }

    @Test("--tta N averages the model's outputs over the N views; --tta 1 is the plain evaluation")
    func averages() throws {
        let (data, trained, listing) = try Self.setUp()
        defer { data.remove() }
        let plain = try trained.run(listing, batchSize: 4)
        #expect(try trained.run(listing, batchSize: 4, tta: 1).probabilities == plain.probabilities)
        var perView: [[[Float]]] = []
        for k in 0..<3 {
            var view = try trained.ttaView(listing, view: k, batchSize: 4)
            var rows: [[Float]] = []
            for batch in try Self.batches(&view) {
                let output = trained.model(batch.images)
                let w = output.shape[1]
                for r in 0..<batch.count { rows.append(Array(output.scalars[(r * w)..<((r + 1) * w)])) }
            }
            perView.append(rows)
        }
        let tta = try trained.run(listing, batchSize: 4, withLoss: true, tta: 3)
        for (i, row) in tta.probabilities.enumerated() {
            for c in row.indices {
                let mean = (perView[0][i][c] + perView[1][i][c] + perView[2][i][c]) * (1 / Float(3))
                #expect(abs(row[c] - mean) <= 1e-6, "image \(i) class \(c): \(row[c]) vs \(mean)")
            }
        }
        #expect(tta.loss.map { $0.isFinite && $0 > 0 } == true)
    }

    @Test("--tta is validated on both commands")
    func flags() throws {
        #expect(try EvaluateCommand.parse(["c", "d"]).tta == 1)
        #expect(throws: (any Error).self) { try EvaluateCommand.parse(["c", "d", "--tta", "0"]) }
        #expect(throws: (any Error).self) { try PredictCommand.parse(["c", "d", "--tta", "65"]) }
        #expect(try PredictCommand.parse(["c", "d", "--tta", "4"]).tta == 4)
    }
}
