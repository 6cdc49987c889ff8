import Finetune

/// The settings a checkpoint must share with the run that resumes it, stored in the checkpoint's
/// metadata: a resume with another image size, batch size, class list or dataset size would load
/// weights of the wrong shape, mislabel images or seek the data stream to a wrong place.
struct RunSettings: Equatable {
    var imageSize: Int
    var batchSize: Int
    var classes: [String]
    var imageCounts: [Int]   // train, validation, test
    /// `--sampling`: how training passes drew their images (another one draws other batches).
    var sampling = Sampling.shuffle

    static let keys = (imageSize: "run.image_size", batchSize: "run.batch_size", classes: "run.classes",
                       counts: "run.image_counts", sampling: "run.sampling")
    /// The same keys as checkpoints of `demo-catsdogs` stored them before it shared this workflow.
    static let earlierKeys = (imageSize: "demo.image_size", batchSize: "demo.batch_size", classes: "demo.classes",
                              counts: "demo.image_counts")

    var metadata: [String: String] {
        [Self.keys.imageSize: String(imageSize), Self.keys.batchSize: String(batchSize),
         Self.keys.classes: classes.joined(separator: "\n"),
         Self.keys.counts: imageCounts.map(String.init).joined(separator: ","), Self.keys.sampling: sampling.rawValue]
    }

    /// What differs between the checkpoint's settings and these, in user terms (empty: none).
    /// Checkpoints written without these keys compare equal.
    func differences(fromCheckpoint metadata: [String: String]) -> [String] {
        let saved = { (key: String, earlier: String) in metadata[key] ?? metadata[earlier] }
        var found: [String] = []
        if let size = saved(Self.keys.imageSize, Self.earlierKeys.imageSize), size != String(imageSize) {
            found.append("--image-size is \(imageSize), the checkpoint's run used \(size)")
        }
        if let batch = saved(Self.keys.batchSize, Self.earlierKeys.batchSize), batch != String(batchSize) {
            found.append("--batch-size is \(batchSize), the checkpoint's run used \(batch)")
        }
        if let names = saved(Self.keys.classes, Self.earlierKeys.classes), names != classes.joined(separator: "\n") {
            let old = names.split(separator: "\n").map(String.init)
            found.append("the classes are \(classes.joined(separator: ", ")), the checkpoint's were \(old.joined(separator: ", "))")
        }
        if let counts = saved(Self.keys.counts, Self.earlierKeys.counts), counts != imageCounts.map(String.init).joined(separator: ",") {
            found.append(countDifference(counts))
        }
        if let drawn = metadata[Self.keys.sampling], drawn != sampling.rawValue {
            found.append("--sampling is \(sampling.rawValue), the checkpoint's run used \(drawn)")
        }
        return found
    }

    private func countDifference(_ saved: String) -> String {
        let old = saved.split(separator: ",").map(String.init)
        let splits = ["train", "validation", "test"]
        let changed = zip(splits, zip(imageCounts.map(String.init), old)).filter { $1.0 != $1.1 }
            .map { "\($0) has \($1.0) images, had \($1.1)" }
        return "the dataset changed (" + (changed.isEmpty ? "image counts \(saved) → \(imageCounts)" : changed.joined(separator: ", ")) + ")"
    }
}
