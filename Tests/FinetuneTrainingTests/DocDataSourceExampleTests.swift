import Foundation
import Testing
import FinetuneCore
import FinetuneNN
import FinetuneData
import FinetuneTraining
import FinetuneTestSupport

// The data source of Documentation/Finetune.docc/WritingADataSource.md, verbatim (the article
// says `import Finetune`; the sync test below ignores import lines). Change both together.
// Nothing here imports a module `@testable`: another package can write the same code.

/// Labelled images listed in a CSV file of `path,label` lines (an optional `path,label` header
/// first), like Keras' `flow_from_dataframe(x_col="path", y_col="label")`: the classes are the
/// distinct labels, sorted; a relative path is relative to `root`. A worker thread decodes each
/// image and resizes it (NEAREST, Keras' default) to `height`×`width` when its batch is due.
struct CSVImageLoader: SampleLoader {
    let paths: [String]
    let labels: [Int]
    let classNames: [String]
    let imageShape: Shape

    init(csv: String, root: String, height: Int, width: Int) throws {
        var rows: [(path: String, label: String)] = []
        let lines = try String(contentsOfFile: csv, encoding: .utf8)
            .split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        for (number, line) in lines.enumerated() where !line.isEmpty && !(number == 0 && line == "path,label") {
            guard let comma = line.lastIndex(of: ","), comma != line.startIndex, line[comma...].count > 1 else {
                throw CSVError.malformedLine(file: csv, line: number + 1, text: String(line))
            }
            rows.append((String(line[..<comma]), String(line[line.index(after: comma)...])))
        }
        classNames = Set(rows.map(\.label)).sorted()
        let labelOf = Dictionary(uniqueKeysWithValues: classNames.enumerated().map { ($1, $0) })
        labels = rows.compactMap { labelOf[$0.label] }
        paths = rows.map { $0.path.hasPrefix("/") ? $0.path : root + "/" + $0.path }
        imageShape = [height, width, 3]
    }

    var sampleCount: Int { paths.count }

    func sample(at index: Int) throws -> (image: Tensor, label: Int) {
        let image = try ImageDecoder.decode(path: paths[index])
            .resized(width: imageShape[1], height: imageShape[0], filter: .nearest)
        return (Tensor(shape: imageShape, scalars: image.pixels.map(Float.init)), labels[index])
    }

    func describe(_ index: Int) -> String { paths[index] }
}

enum CSVError: Error, CustomStringConvertible {
    case malformedLine(file: String, line: Int, text: String)
    var description: String {
        switch self {
        case let .malformedLine(file, line, text):
            return "\(file), line \(line): '\(text)' is not 'path,label'"
        }
    }
}

/// A cats-vs-dogs source from a CSV file: for training, reshuffled every pass and augmented
/// with Chollet's recipe; otherwise in file order, as is. Binary labels; pixels scaled to 0–1
/// (Chollet's `rescale=1./255`), or `.caffe` for pretrained VGG16 weights.
func csvSource(_ csv: String, root: String, size: Int = 150, batchSize: Int = 20, training: Bool,
               preprocessing: Preprocessing = .rescale255) throws -> PipelinedSource<CSVImageLoader> {
    try PipelinedSource(loader: CSVImageLoader(csv: csv, root: root, height: size, width: size),
                        classMode: .binary, batchSize: batchSize, shuffle: training, seed: 1,
                        preprocessing: preprocessing, augmentation: training ? TwoPhaseRecipe.chollet.augmentation : nil)
}

@Suite("Documentation example: a CSV data source")
struct DocDataSourceExampleTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let photos = Prerequisite(path: repository.deletingLastPathComponent().appendingPathComponent("shared/data/cats_and_dogs_mini").path,
                                     what: "the shared photos (they live beside the repository, never in it)")

    @Test("a CSV listing a folder's photos serves DirectorySource's batches, bit for bit, and its shards",
          .enabled(if: photos.shouldRun))
    func servesDirectorySourceBatches() throws {
        try Self.photos.require()
        let listing = try DirectoryListing(root: Self.photos.path + "/train")
        let csv = try ScratchCSV(["path,label"] + zip(listing.relativePaths, listing.labels).map { "\($0),\(listing.classNames[$1])" })
        var fromCSV = try csvSource(csv.path, root: listing.root, size: 32, batchSize: 8, training: true)
        var fromFolder = try DirectorySource(directory: listing.root, targetSize: (32, 32), classMode: .binary, batchSize: 8,
                                             shuffle: true, seed: 1, preprocessing: .rescale255, augmentation: TwoPhaseRecipe.chollet.augmentation)
        #expect(fromCSV.classNames == ["cats", "dogs"] && fromCSV.sampleCount == fromFolder.sampleCount)
        #expect(fromCSV.sampleOrder(pass: 2) == fromFolder.sampleOrder(pass: 2), "Keras' permutation of each pass")
        var halves = try (0..<2).map { try fromCSV.sharded(DataShard(index: $0, count: 2)) }
        for step in 0..<3 {
            let a = try fromCSV.next(), b = try fromFolder.next()
            #expect(a.images.scalars.map(\.bitPattern) == b.images.scalars.map(\.bitPattern), "batch \(step): images differ")
            #expect(a.labels == b.labels, "batch \(step): labels differ")
            let parts = try halves.indices.map { try halves[$0].next() }
            #expect(parts.flatMap(\.images.scalars) == a.images.scalars && parts.flatMap(\.labels.scalars) == a.labels.scalars,
                    "batch \(step): the two shards together are not the batch")
        }
    }

    @Test("a model trains on photos listed in a CSV: the loss on them falls", .enabled(if: photos.shouldRun))
    func trainsOnPhotos() throws {
        try Self.photos.require()
        let fm = FileManager.default
        var lines: [String] = []
        for name in ["cats", "dogs"] {
            for file in try fm.contentsOfDirectory(atPath: Self.photos.path + "/train/" + name).sorted().prefix(8) {
                lines.append("train/\(name)/\(file),\(name)")
            }
        }
        let csv = try ScratchCSV(lines)
        // All 16 photos in every batch, in file order; caffe preprocessing (as for pretrained
        // weights) keeps the activations of a randomly initialised narrow VGG16 from fading out.
        var photos = try csvSource(csv.path, root: Self.photos.path, size: 32, batchSize: 16, training: false,
                                   preprocessing: .caffe)
        var rng = SeededRNG(seed: 3)
        let model = try VGG16.binaryClassifier(inputShape: [32, 32, 3], widths: VGG16.reducedWidths, using: &rng)
        let trainer = try Trainer(model: model, optimizer: Adam(learningRate: 3e-3), freezing: .from("block3_conv1"))
        let before = try trainer.evaluate(&photos).loss
        try trainer.fit(&photos, epochs: 2, stepsPerEpoch: 5)
        let after = try trainer.evaluate(&photos).loss
        #expect(after.isFinite && after < 0.5 * before, "loss \(before) → \(after) after 10 steps on the same 16 photos")
        // The augmented, shuffled variant trains too.
        var augmented = try csvSource(csv.path, root: Self.photos.path, size: 32, batchSize: 8, training: true,
                                      preprocessing: .caffe)
        let history = try trainer.fit(&augmented, epochs: 1)
        #expect(history.loss.count == 1 && history.loss.allSatisfy(\.isFinite))
        #expect(augmented.position == DataSourcePosition(pass: 1, batch: 0), "one epoch is one pass of 2 batches")
    }

    @Test("labels are the sorted class names; a malformed line names the file and line; a missing image fails its batch, naming it")
    func parsingAndErrors() throws {
        let csv = try ScratchCSV(["path,label", "b.jpg,dog", "", "/abs/a.png,cat", "c.jpg,dog"])
        let loader = try CSVImageLoader(csv: csv.path, root: "/data", height: 4, width: 4)
        #expect(loader.classNames == ["cat", "dog"] && loader.labels == [1, 0, 1])
        #expect(loader.paths == ["/data/b.jpg", "/abs/a.png", "/data/c.jpg"] && loader.imageShape == [4, 4, 3])
        let bad = try ScratchCSV(["a.jpg,cat", "b.jpg"])
        let error = #expect(throws: CSVError.self) { try CSVImageLoader(csv: bad.path, root: "/data", height: 4, width: 4) }
        #expect(error.map { "\($0)" } == "\(bad.path), line 2: 'b.jpg' is not 'path,label'")
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-folder-\(getpid())").path
        var source = try csvSource(csv.path, root: missing, size: 4, batchSize: 2, training: false)
        #expect(throws: DataError.fileNotFound(path: missing + "/b.jpg")) { try source.next() }
    }

    @Test("WritingADataSource.md shows this file's data source, verbatim")
    func articleCodeIsTested() throws {
        let article = Self.repository.appendingPathComponent("Documentation/Finetune.docc/WritingADataSource.md")
        let blocks = swiftCodeBlocks(in: try String(contentsOf: article, encoding: .utf8))
        let source = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        #expect(!blocks.isEmpty, "WritingADataSource.md has no ```swift block")
        for block in blocks {
            let found = source.contains(block)   // (not inside #expect, which would print the whole file)
            #expect(found, "WritingADataSource.md: this block is not in DocDataSourceExampleTests.swift:\n\(block)")
        }
    }
}

/// A CSV file of `lines` in a scratch folder, removed when released.
final class ScratchCSV {
    let folder: URL
    var path: String { folder.appendingPathComponent("images.csv").path }

    init(_ lines: [String]) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("finetune-csv-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    deinit { try? FileManager.default.removeItem(at: folder) }
}
