import ArgumentParser
import Foundation
import Finetune

/// `finetune-bench data`: images per second through decode (Pillow-exact JPEG) → NEAREST resize →
/// the augmentation of Chollet's recipe → its rescale, on the real photos, for several
/// worker-thread counts.
struct DataBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data", abstract: "decoded + augmented images per second (flow_from_directory pipeline)")

    @Option(name: .long, help: "Worker thread count to measure; repeat for several (default: 1 and 2).")
    var threads: [Int] = []

    @Option(name: .long, help: "Images to time per thread count (after one warm-up batch).")
    var images: Int = 400

    @Option(name: .long, help: "Folder with one sub-folder per class.")
    var directory: String = "../shared/data/cats_and_dogs_mini/train"

    @Option(name: .long, help: "Target size (square).")
    var size: Int = TwoPhaseRecipe.chollet.imageSize

    @Option(name: .long, help: "Batch size.")
    var batchSize: Int = TwoPhaseRecipe.chollet.batchSize

    @Option(name: .long, help: "Batches kept in flight ahead of the consumer.")
    var prefetch: Int = 4

    @Flag(name: .long, help: "Decode, resize and rescale only (no augmentation).")
    var noAugment = false

    @Flag(name: .long, help: "Also time Keras 3's flow_from_directory on the same folder (needs python3 with tensorflow).")
    var kerasPeer = false

    func validate() throws {
        guard images > 0, size > 0, batchSize > 0, prefetch > 0 else {
            throw ValidationError("--images, --size, --batch-size and --prefetch must be positive")
        }
        guard threads.allSatisfy({ $0 >= 0 }) else { throw ValidationError("--threads must be ≥ 0") }
        guard FileManager.default.fileExists(atPath: directory) else {
            throw ValidationError("\(directory) does not exist: pass --directory <folder with class sub-folders>")
        }
    }

    func run() throws {
        let counts = threads.isEmpty ? [1, 2] : threads
        let recipe = TwoPhaseRecipe.chollet
        let augmentation: Augmentation? = noAugment ? nil : recipe.augmentation
        let batches = (images + batchSize - 1) / batchSize
        print("data pipeline: \(directory), \(size)×\(size), batch \(batchSize), "
              + "\(noAugment ? "no augmentation" : "Chollet's augmentation (\(Self.describe(recipe.augmentation)))"), "
              + "rescale 1/255; \(batches * batchSize) images timed after 1 warm-up batch")
        for n in counts {
            var source = try DirectorySource(directory: directory, targetSize: (size, size), classMode: .binary,
                                             batchSize: batchSize, shuffle: true, seed: 1, preprocessing: recipe.preprocessing,
                                             augmentation: augmentation, workers: n, prefetch: prefetch)
            _ = try source.next()
            let start = DispatchTime.now().uptimeNanoseconds
            var served = 0
            for _ in 0..<batches { served += try source.next().count }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let label = n == 0 ? "inline (0 workers)" : "\(n) worker thread\(n == 1 ? "" : "s")"
            print(String(format: "  Finetune, %@: %7.1f images/s  (%d images in %.2f s)", label, Double(served) / seconds, served, seconds))
        }
        if kerasPeer { try runKerasPeer(batches: batches) }
    }

    /// An augmentation's ranges, for the report line.
    static func describe(_ a: Augmentation) -> String {
        String(format: "rotation %g, shifts %g/%g, shear %g, zoom %g…%g", a.rotationRange, a.widthShiftRange,
               a.heightShiftRange, a.shearRange, a.zoomRange.lowerBound, a.zoomRange.upperBound)
            + (a.horizontalFlip ? ", flips" : "")
    }

    /// Keras 3's ImageDataGenerator.flow_from_directory doing the same work, single-threaded as
    /// its `next()` is.
    private func runKerasPeer(batches: Int) throws {
        let a = TwoPhaseRecipe.chollet.augmentation
        let script = """
        import os, time, sys
        os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
        from keras.src.legacy.preprocessing.image import ImageDataGenerator
        aug = dict(rotation_range=\(a.rotationRange), width_shift_range=\(a.widthShiftRange),
                   height_shift_range=\(a.heightShiftRange), shear_range=\(a.shearRange),
                   zoom_range=[\(a.zoomRange.lowerBound), \(a.zoomRange.upperBound)],
                   horizontal_flip=\(a.horizontalFlip ? "True" : "False"), fill_mode="\(a.fillMode)") if \(noAugment ? "False" : "True") else {}
        it = ImageDataGenerator(rescale=1.0 / 255, **aug).flow_from_directory(
            sys.argv[1], target_size=(\(size), \(size)), batch_size=\(batchSize), class_mode="binary", seed=1)
        next(it)
        t = time.perf_counter(); n = 0
        for _ in range(\(batches)):
            n += len(next(it)[0])
        dt = time.perf_counter() - t
        print(f"  Keras 3 flow_from_directory (1 thread): {n / dt:7.1f} images/s  ({n} images in {dt:.2f} s)")
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, directory]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        for line in text.split(separator: "\n") where line.contains("images/s") { print(line) }
        if process.terminationStatus != 0 { print("  Keras peer failed (exit \(process.terminationStatus)); is tensorflow installed?") }
    }
}
