import Finetune

/// The settings a checkpoint must share with the run that resumes it, stored in the checkpoint's
/// metadata: a resume with another image size, batch size, class list or dataset size would load
/// weights of the wrong shape, mislabel images or seek the data stream to a wrong place.
struct DemoRunSettings: Equatable {
    var imageSize: Int
    var batchSize: Int
    var classes: [String]
    var imageCounts: [Int]   // train, validation, test

    static let keys = (imageSize: "demo.image_size", batchSize: "demo.batch_size", classes: "demo.classes",
                       counts: "demo.image_counts")

    var metadata: [String: String] {
        [Self.keys.imageSize: String(imageSize), Self.keys.batchSize: String(batchSize),
         Self.keys.classes: classes.joined(separator: "\n"),
         Self.keys.counts: imageCounts.map(String.init).joined(separator: ",")]
    }

    /// What differs between the checkpoint's settings and these, in user terms (empty: none).
    /// Checkpoints written before these keys existed compare equal.
    func differences(fromCheckpoint metadata: [String: String]) -> [String] {
        var found: [String] = []
        if let saved = metadata[Self.keys.imageSize], saved != String(imageSize) {
            found.append("--image-size is \(imageSize), the checkpoint's run used \(saved)")
        }
        if let saved = metadata[Self.keys.batchSize], saved != String(batchSize) {
            found.append("--batch-size is \(batchSize), the checkpoint's run used \(saved)")
        }
        if let saved = metadata[Self.keys.classes], saved != classes.joined(separator: "\n") {
            let old = saved.split(separator: "\n").map(String.init)
            found.append("the classes are \(classes.joined(separator: ", ")), the checkpoint's were \(old.joined(separator: ", "))")
        }
        if let saved = metadata[Self.keys.counts], saved != imageCounts.map(String.init).joined(separator: ",") {
            let old = saved.split(separator: ",").map(String.init)
            let splits = ["train", "validation", "test"]
            let changed = zip(splits, zip(imageCounts.map(String.init), old)).filter { $1.0 != $1.1 }
                .map { "\($0) has \($1.0) images, had \($1.1)" }
            found.append("the dataset changed (" + (changed.isEmpty ? "image counts \(saved) → \(imageCounts)" : changed.joined(separator: ", ")) + ")")
        }
        return found
    }
}
