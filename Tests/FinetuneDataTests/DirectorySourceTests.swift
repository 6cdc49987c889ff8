import Foundation
import Testing
import FinetuneCore
import FinetuneTestSupport
@testable import FinetuneData

/// A scratch folder removed at the end of a test.
final class ScratchFolder {
    let url: URL
    init(_ name: String) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("finetune-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    var path: String { url.path }
    func copy(_ fixture: String, to relative: String) throws {
        let target = url.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: DataGoldens.fixture(fixture), toPath: target.path)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
}

@Suite("DirectorySource")
struct DirectorySourceTests {
    static func source(for golden: GoldenCase, workers: Int = 2) throws -> DirectorySource {
        let kw = golden.params["kwargs"]
        let sizeValues = kw?["target_size"]?.array?.compactMap(\.int)
        let size = try #require(sizeValues)
        let cfg = golden.params["generator"]
        let classMode: ClassMode
        switch kw?["class_mode"] {
        case .some(.null): classMode = .none
        case let v: classMode = ClassMode(rawValue: v?.string ?? "categorical") ?? .categorical
        }
        let preprocessing: Preprocessing
        switch cfg?["preprocessing"]?.string {
        case "caffe": preprocessing = .caffe
        case "tf": preprocessing = .tf
        case "torch": preprocessing = .torch
        case "lite": preprocessing = .normalized(mean: [127, 127, 127], std: [128, 128, 128])
        default:
            if let r = cfg?["rescale"]?.double { preprocessing = .rescale(Float(r)) } else { preprocessing = .none }
        }
        let augmented = cfg?["rotation_range"] != nil || cfg?["zoom_range"] != nil
        return try DirectorySource(
            directory: DataGoldens.directory.appendingPathComponent("tree/train").path,
            targetSize: (size[0], size[1]), classMode: classMode,
            batchSize: try #require(kw?["batch_size"]?.int), shuffle: kw?["shuffle"]?.bool ?? true,
            seed: kw?["seed"]?.int ?? 0, interpolation: kw?["interpolation"]?.string == "bilinear" ? .bilinear : .nearest,
            preprocessing: preprocessing, augmentation: augmented ? AugmentationTests.augmentation(cfg) : nil,
            randomness: .kerasStream, workers: workers)
    }

    @Test("lists classes and files, and orders batches, exactly as Keras' flow_from_directory", .tags(.golden),
          arguments: DataGoldens.names("flow."))
    func listingAndOrder(name: String) throws {
        let golden = try DataGoldens.load().named(name)
        let source = try Self.source(for: golden)
        #expect(source.listing.relativePaths == golden.params["filenames"]?.array?.compactMap(\.string))
        #expect(source.listing.labels == golden.params["classes"]?.array?.compactMap(\.int))
        let indices = try #require(golden.params["class_indices"])
        for (name, index) in source.classIndices { #expect(indices[name]?.int == index, "class \(name)") }
        let order = try #require(golden.params["order"]?.array).map { $0.array?.compactMap(\.int) ?? [] }
        var actual: [[Int]] = []
        for pass in 0..<3 {
            let o = source.sampleOrder(pass: pass)
            for b in 0..<source.batchesPerPass { actual.append(Array(o[(b * source.batchSize)..<min((b + 1) * source.batchSize, o.count)])) }
        }
        #expect(actual == order)
    }

    @Test("Keras' preprocess_input modes, bit for bit: caffe, tf, torch, and EfficientNet-Lite's (x − 127) / 128",
          .tags(.golden), arguments: ["flow.caffe", "flow.tf", "flow.torch", "flow.lite"])
    func preprocessingModes(name: String) throws {
        let golden = try DataGoldens.load().named(name)
        var source = try Self.source(for: golden)
        for b in 0..<(golden.params["batches"]?.int ?? 0) {
            #expect(try source.next().images.scalars == (try golden.tensor("images\(b)")).scalars, "\(name) batch \(b)")
        }
    }

    @Test("serves Keras' batches: pixels, preprocessing, augmentation (Keras' stream) and labels", .tags(.golden),
          arguments: DataGoldens.names("flow."))
    func batches(name: String) throws {
        let golden = try DataGoldens.load().named(name)
        var source = try Self.source(for: golden)
        for b in 0..<(golden.params["batches"]?.int ?? 0) {
            let batch = try source.next()
            expectMaxAbs(batch.images, try golden.tensor("images\(b)"), golden.tolerance, "\(name) batch \(b)")
            if golden.tensors["labels\(b)"] != nil {
                let expected = try golden.tensor("labels\(b)")
                #expect(batch.labels.scalars == expected.scalars, "\(name) labels \(b)")
            } else {
                #expect(batch.labels.shape == [batch.count, 0])
            }
        }
    }

    @Test("batches are identical for 0, 1, 2 and 3 worker threads, and after seek(to:)")
    func threadCountAndResume() throws {
        let golden = try DataGoldens.load().named("flow.augmented_seed_recipe")
        var reference: [Batch] = []
        for workers in [0, 1, 2, 3] {
            var source = try Self.source(for: golden, workers: workers)
            let batches = try (0..<7).map { _ in try source.next() }
            if reference.isEmpty { reference = batches }
            #expect(batches.map(\.images) == reference.map(\.images), "\(workers) workers")
            #expect(source.position == DataSourcePosition(pass: 2, batch: 1))
        }
        var resumed = try Self.source(for: golden, workers: 2)
        try resumed.seek(to: DataSourcePosition(pass: 1, batch: 2))
        #expect(try resumed.next().images == reference[5].images)
        #expect(throws: DataError.self) { try resumed.seek(to: DataSourcePosition(pass: 0, batch: 3)) }
    }

    @Test("per-sample randomness: an image's augmentation depends on (seed, pass, index) only")
    func perSampleIndependence() throws {
        let root = DataGoldens.directory.appendingPathComponent("tree/train").path
        func make(batch: Int) throws -> DirectorySource {
            try DirectorySource(directory: root, targetSize: (8, 8), batchSize: batch, shuffle: false, seed: 4,
                                augmentation: .chollet, workers: 1)
        }
        var small = try make(batch: 2), large = try make(batch: 11)
        var byTwo: [Float] = []
        for _ in 0..<6 { byTwo += try small.next().images.scalars }
        #expect(byTwo == (try large.next().images.scalars))
        let next = try large.next().images.scalars   // pass 1: new draws
        #expect(next != byTwo)
    }

    @Test("no worker thread outlives its source")
    func noThreadLeak() throws {
        let golden = try DataGoldens.load().named("flow.shuffle_categorical")
        weak var pipeline: BatchPipeline?
        do {
            var source = try Self.source(for: golden, workers: 3)
            _ = try source.next()
            var copy = source
            _ = try copy.next()
            pipeline = source.pipeline
            #expect(source.pipeline.runningWorkers == 3)
        }
        // Releasing the last copy stopped and joined the workers; each worker thread held the
        // pipeline until it returned, so the pipeline being freed proves they are gone.
        var waited = 0
        while pipeline != nil && waited < 200 { usleep(5_000); waited += 1 }
        #expect(pipeline == nil, "worker threads still hold the pipeline after the source was released")
    }

    @Test("class folders starting with '.' are not classes; only accepted extensions are listed")
    func hiddenFoldersAndExtensions() throws {
        let dir = try ScratchFolder("hidden")
        try dir.copy("rgb8.png", to: "b/one.png")
        try dir.copy("rgb420.jpg", to: "a/x.JPG")
        try dir.copy("rgb420.jpg", to: "a/imagejpg")          // Keras matches the suffix without a dot
        try dir.copy("rgb8.png", to: ".ipynb_checkpoints/y.png")
        try dir.copy("rgb8.png", to: "a/notes.txt")
        let listing = try DirectoryListing(root: dir.path)
        #expect(listing.classNames == ["a", "b"])
        #expect(listing.relativePaths == ["a/imagejpg", "a/x.JPG", "b/one.png"])
    }

    @Test("missing split, no classes, empty class and no images are typed errors naming the folder")
    func folderErrors() throws {
        let dir = try ScratchFolder("folders")
        #expect(throws: DataError.missingDirectory(path: dir.path + "/train")) {
            _ = try DirectorySource(directory: dir.path + "/train")
        }
        #expect(throws: DataError.noClassFolders(path: dir.path)) { _ = try DirectorySource(directory: dir.path) }
        try FileManager.default.createDirectory(atPath: dir.path + "/cats", withIntermediateDirectories: true)
        try dir.copy("rgb8.png", to: "dogs/d.png")
        #expect(throws: DataError.emptyClassFolder(path: dir.path + "/cats", extensions: DirectoryListing.acceptedExtensions)) {
            _ = try DirectorySource(directory: dir.path)
        }
        var skipping = try DirectorySource(directory: dir.path, targetSize: (4, 4), batchSize: 2, onBadFile: .skip, quiet: true)
        #expect(skipping.classNames == ["cats", "dogs"] && skipping.sampleCount == 1)
        #expect(skipping.skippedFiles.map(\.path) == [dir.path + "/cats"])
        #expect(try skipping.next().labels.scalars == [0, 1])
        try FileManager.default.removeItem(atPath: dir.path + "/dogs/d.png")
        #expect(throws: DataError.noImages(path: dir.path, extensions: DirectoryListing.acceptedExtensions)) {
            _ = try DirectorySource(directory: dir.path, onBadFile: .skip, quiet: true)
        }
    }

    @Test("bad files throw by default and are skipped and counted with onBadFile: .skip")
    func badFiles() throws {
        let dir = try ScratchFolder("badfiles")
        try dir.copy("rgb8.png", to: "a/1.png")
        try dir.copy("truncated.jpg", to: "a/2.jpg")
        try dir.copy("not_an_image.jpg", to: "a/3.jpg")
        try dir.copy("rgb420.jpg", to: "b/4.jpg")
        try dir.copy("rgb.tif", to: "b/5.tif")
        try dir.copy("rgb24.bmp", to: "b/6.bmp")
        var strict = try DirectorySource(directory: dir.path, targetSize: (5, 5), classMode: .binary, batchSize: 6,
                                         shuffle: false, workers: 2)
        #expect(throws: DataError.truncated(path: dir.path + "/a/2.jpg", detail: "premature end of JPEG data")) { try strict.next() }
        #expect(strict.position == DataSourcePosition())

        var lenient = try DirectorySource(directory: dir.path, targetSize: (5, 5), classMode: .binary, batchSize: 6,
                                          shuffle: false, workers: 2, onBadFile: .skip, quiet: true)
        let batch = try lenient.next()
        #expect(batch.count == 3 && batch.labels.scalars == [0, 1, 1])
        #expect(lenient.skippedFiles.map(\.path) == ["a/2.jpg", "a/3.jpg", "b/5.tif"].map { dir.path + "/" + $0 })
        #expect(lenient.skippedFiles.first?.reason.contains("truncated") == true)
        #expect(lenient.position == DataSourcePosition(pass: 1, batch: 0))
    }

    @Test("a file that vanishes mid-run is a typed error, or skipped and counted", arguments: [0, 2])
    func vanishingFile(workers: Int) throws {
        let dir = try ScratchFolder("vanish")
        try dir.copy("rgb8.png", to: "a/1.png")
        try dir.copy("rgb420.jpg", to: "b/4.jpg")
        var strict = try DirectorySource(directory: dir.path, targetSize: (5, 5), batchSize: 2, shuffle: false, workers: workers)
        var lenient = try DirectorySource(directory: dir.path, targetSize: (5, 5), batchSize: 2, shuffle: false,
                                          workers: workers, onBadFile: .skip, quiet: true)
        #expect(try strict.next().count == 2 && lenient.next().count == 2)
        try FileManager.default.removeItem(atPath: dir.path + "/b/4.jpg")
        // Batches already prefetched were decoded before the file went; within `prefetch` + 1
        // batches the loss shows.
        var error: DataError? = nil
        for _ in 0..<3 where error == nil {
            do { _ = try strict.next() } catch let e as DataError { error = e }
        }
        #expect(error == .fileNotFound(path: dir.path + "/b/4.jpg"))
        #expect(error.map { "\($0)" }?.contains("moved or changed during the run") == true)
        var counts: [Int] = []
        for _ in 0..<3 { counts.append(try lenient.next().count) }
        #expect(counts.last == 1)
        #expect(lenient.skippedFiles.map(\.path) == [dir.path + "/b/4.jpg"])
    }
}

@Suite("ArraySource")
struct ArraySourceTests {
    @Test("serves Keras' ImageDataGenerator.flow(x, y) batches", .tags(.golden),
          arguments: ["array.plain_shuffle", "array.augmented"])
    func matchesKeras(name: String) throws {
        let suite = try DataGoldens.load()
        let input = try suite.named("array.input")
        let golden = try suite.named(name)
        let cfg = golden.params["generator"], kw = golden.params["kwargs"]
        let augmented = cfg?["rotation_range"] != nil
        var source = try ArraySource(images: try input.tensor("x"), labels: try input.tensor("y"),
                                     batchSize: try #require(kw?["batch_size"]?.int), shuffle: kw?["shuffle"]?.bool ?? false,
                                     seed: kw?["seed"]?.int ?? 0,
                                     augmentation: augmented ? AugmentationTests.augmentation(cfg) : nil,
                                     randomness: .kerasStream,
                                     preprocessing: cfg?["rescale"]?.double.map { .rescale(Float($0)) } ?? .none)
        for b in 0..<5 {
            let batch = try source.next()
            expectMaxAbs(batch.images, try golden.tensor("images\(b)"), golden.tolerance, "\(name) batch \(b)")
            #expect(batch.labels.scalars == (try golden.tensor("labels\(b)")).scalars)
        }
    }

    @Test("a source is repeatable (cacheable) only without shuffling and augmentation")
    func repeatable() throws {
        let images = Tensor(shape: [4, 1, 1, 3], scalars: (0..<12).map(Float.init))
        let labels = Tensor(shape: [4], scalars: [0, 1, 0, 1])
        let a = try ArraySource(images: images, labels: labels, batchSize: 2)
        let b = try ArraySource(images: images, labels: labels, batchSize: 2)
        var other = images
        other.scalars[5] = 99
        let c = try ArraySource(images: other, labels: labels, batchSize: 2)
        #expect(a.repeatablePassIdentity != nil && a.repeatablePassIdentity == b.repeatablePassIdentity)
        #expect(c.repeatablePassIdentity != a.repeatablePassIdentity)
        #expect(try ArraySource(images: images, labels: labels, batchSize: 2, shuffle: true).repeatablePassIdentity == nil)
        #expect(try ArraySource(images: images, labels: labels, batchSize: 2, augmentation: .chollet).repeatablePassIdentity == nil)
        let root = DataGoldens.directory.appendingPathComponent("tree/train").path
        let plain = try DirectorySource(directory: root, targetSize: (4, 4), shuffle: false, workers: 0)
        let rescaled = try DirectorySource(directory: root, targetSize: (4, 4), shuffle: false, preprocessing: .rescale255, workers: 0)
        #expect(plain.repeatablePassIdentity != nil && plain.repeatablePassIdentity != rescaled.repeatablePassIdentity)
        #expect(try DirectorySource(directory: root, targetSize: (4, 4), workers: 0).repeatablePassIdentity == nil)
    }

    @Test("fixed order without shuffling; wraps around passes; rejects mismatched labels")
    func fixedOrder() throws {
        let images = Tensor(shape: [5, 1, 1, 3], scalars: (0..<15).map(Float.init))
        let labels = Tensor(shape: [5, 2], scalars: (0..<10).map(Float.init))
        var source = try ArraySource(images: images, labels: labels, batchSize: 2)
        let counts = try (0..<4).map { _ in try source.next() }
        #expect(counts.map(\.count) == [2, 2, 1, 2])
        #expect(counts[2].labels.scalars == [8, 9] && counts[3].images.scalars == Array((0..<6).map(Float.init)))
        #expect(throws: DataError.self) { _ = try ArraySource(images: images, labels: Tensor.zeros([4, 1]), batchSize: 2) }
    }
}
