import Foundation
import Finetune

extension TrainWorkflow {
    /// The dataset, listed and checked as a whole before any training, then opened as sources.
    func loadData(folder: RunFolder) throws -> TrainingData {
        let root = try dataRoot(in: folder)
        let start = Date()
        let check = try checkData(root: root)
        let preprocessing = try modelDescription(classes: []).preprocessingValue()
        let data = try TrainingData(check, configuration, preprocessing: preprocessing, shard: distribution?.shard)
        report(data, seconds: Date().timeIntervalSince(start))
        return data
    }

    /// `--data`, or a generated two-class dataset written into the run folder.
    func dataRoot(in folder: RunFolder) throws -> URL {
        let c = configuration
        guard c.generatesData else { return URL(fileURLWithPath: c.data) }
        let root = folder.file("generated-data")
        let dataset = SyntheticDataset(splits: [("train", 100), ("validation", 50), ("test", 50)],
                                       width: 96, height: 96, format: .jpeg, seed: Int(c.seed % 1_000_000))
        do {
            if isPrimary { _ = try dataset.write(to: root) }
            try distribution?.barrier()  // the other ranks read what rank 0 wrote
        } catch {
            throw RunError.saveFailed(file: root.path, reason: RunFolder.reason(error), resume: nil)
        }
        let steps = c.stepsPerEpoch.map { "\($0) steps" } ?? "one pass"
        say("No --data given: wrote a generated two-class dataset (circles vs squares, 200/100/100 JPEGs) to \(root.path)")
        say("and running a short schedule (\(c.imageSize)×\(c.imageSize) images, \(c.phase1Epochs) + \(c.phase2Epochs) epochs "
            + "of \(steps)). Pass --data DIR for real photos and Chollet's schedule.")
        return root
    }

    /// Lists every split under `root` and refuses, before training: missing required splits,
    /// class folders that differ between splits, a class count the head cannot take, and (unless
    /// `--skip-bad-files`, which leaves them out) image files that cannot be read.
    func checkData(root: URL) throws -> DatasetCheck {
        let c = configuration
        let fm = FileManager.default
        guard fm.fileExists(atPath: root.path) else { throw CommandLineError.missingFile(flag: "--data", path: root.path) }
        let exists = { (split: String) in fm.fileExists(atPath: root.appendingPathComponent(split).path) }
        for split in ["train", "validation", "test"] where (split == "train" || c.requiredSplits.contains(split)) && !exists(split) {
            throw CommandLineError.missingSplit(path: root.appendingPathComponent(split).path, hint: TrainingData.layoutHint(c))
        }
        let check = try DatasetCheck(root: root.path, splits: ["train", "validation", "test"].filter(exists))
        let mode = c.classMode ?? .categorical
        try check.validateClasses(for: mode)
        if let classes = check.splits.first?.listing.classNames, classes.count < 2 {
            throw CommandLineError.invalidValue(flag: "--data", value: check.splits[0].listing.root,
                                                expected: "a train/ folder with at least two class folders (it has \(classes.joined(separator: ", ")))")
        }
        let bad = check.unusableFiles()
        guard !bad.isEmpty else { return check }
        guard c.skipBadFiles else { throw RunError.unusableFiles(bad) }
        try check.validateClasses(for: mode, excluding: Set(bad.compactMap(\.path)))
        say("Leaving out \(bad.count) unusable image file(s) (--skip-bad-files):")
        bad.prefix(20).forEach { say("  \($0.problem)") }
        if bad.count > 20 { say("  … and \(bad.count - 20) more") }
        return check
    }

    /// The images found per split, the classes and the head they call for.
    func report(_ data: TrainingData, seconds: Double) {
        let counts = data.imageCounts
        let origin = data.validationOrigin == "validation/" ? "" : " (\(data.validationOrigin))"
        let classes = data.classNames.enumerated().map { "\($1)=\($0)" }.joined(separator: ", ")
        say(String(format: "Checked %d images in %.1f s: ", counts.reduce(0, +), seconds)
            + "\(counts[0]) training, \(counts[1]) validation\(origin), \(counts[2]) test; classes \(classes).")
        say(data.classNames.count == 2 ? "Head: Dense(1, sigmoid), binary cross-entropy."
            : "Head: Dense(\(data.classNames.count), softmax), categorical cross-entropy.")
        if configuration.sampling == .balanced {
            say("Sampling: balanced, \(counts[0]) draws a pass with replacement, each class equally likely (training images per class: "
                + zip(data.classNames, data.trainClassCounts).map { "\($0) \($1)" }.joined(separator: ", ") + ").")
        }
    }
}
