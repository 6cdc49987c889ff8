/// Checks of a whole dataset — every split together — that catch wrong labels and bad files
/// before any training starts.
///
/// `flow_from_directory` labels each split by its own sorted class folders, so a class missing
/// from one split silently shifts every later label there; these checks refuse that. Use
/// ``validateClasses(for:)`` and ``unusableFiles(options:)`` before creating the sources.
package struct DatasetCheck: Sendable {
    /// One split: its name (the folder under the dataset root) and its listing.
    package struct Split: Sendable {
        package let name: String
        package let listing: DirectoryListing
    }

    package let root: String
    package let splits: [Split]

    /// Lists `root/<split>` for each split. Empty class folders are listed (and reported by
    /// ``validateClasses(for:excluding:)``) rather than thrown at here, so every problem is found.
    package init(root: String, splits: [String] = ["train", "validation", "test"]) throws {
        self.root = root
        self.splits = try splits.map { Split(name: $0, listing: try DirectoryListing(root: join(root, $0), allowEmptyClasses: true)) }
    }

    /// Throws when the splits' class folders differ (every difference, per split, against the
    /// first split), when `mode` needs a class count the dataset does not have (binary: exactly
    /// two), or when a class of some split has no image once `excluded` paths are left out.
    package func validateClasses(for mode: ClassMode, excluding excluded: Set<String> = []) throws {
        guard let reference = splits.first else { return }
        let classes = reference.listing.classNames
        let differences = splits.dropFirst().compactMap { split -> ClassDifference? in
            let names = split.listing.classNames
            guard names != classes else { return nil }
            return ClassDifference(split: split.name, missing: classes.filter { !names.contains($0) },
                                   extra: names.filter { !classes.contains($0) })
        }
        guard differences.isEmpty else {
            throw DataError.classesDiffer(reference: reference.name, classes: classes, differences: differences)
        }
        if mode == .binary, classes.count != 2 {
            throw DataError.wrongClassCount(path: reference.listing.root, classes: classes, expected: 2, mode: "binary")
        }
        for split in splits {
            var counts = [Int](repeating: 0, count: classes.count)
            for (path, label) in zip(split.listing.paths, split.listing.labels) where !excluded.contains(path) {
                counts[label] += 1
            }
            if let empty = counts.firstIndex(of: 0) {
                throw DataError.emptyClassFolder(path: join(split.listing.root, classes[empty]),
                                                 extensions: DirectoryListing.acceptedExtensions)
            }
        }
    }

    /// Every file of every split that would fail to load (``ImageHeaderScan``), in split order.
    package func unusableFiles(options: ImageDecodingOptions = .init()) -> [DataError] {
        splits.flatMap { ImageHeaderScan.problems(in: $0.listing.paths, options: options) }
    }

    /// Images per split, in split order.
    package var sampleCounts: [Int] { splits.map { $0.listing.relativePaths.count } }
}
