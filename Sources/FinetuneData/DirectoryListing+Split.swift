#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FinetuneCore

extension DirectoryListing {
    /// Splits the files into a training and a validation part, class by class (stratified), for a
    /// dataset without a `validation/` folder.
    ///
    /// Within each class the files are shuffled by a ``/FinetuneCore/SeededRNG`` seeded with `seed` and class
    /// index (Fisher–Yates), and the first `round(fraction · n)` go to validation — at least one
    /// when the class has two or more files, never all of them. Both parts keep Keras' listing
    /// order, so the same seed gives the same split on every machine. Keras' own
    /// `validation_split` takes the first files of each class instead, without shuffling.
    ///
    /// Throws ``DataError/invalidConfiguration(_:)`` for a fraction outside (0, 1).
    public func split(validationFraction fraction: Double, seed: UInt64) throws -> (training: DirectoryListing, validation: DirectoryListing) {
        guard fraction > 0, fraction < 1 else {
            throw DataError.invalidConfiguration("the validation fraction must be between 0 and 1 (exclusive), got \(fraction)")
        }
        var validationIndices = Set<Int>()
        for label in classNames.indices {
            var members = labels.indices.filter { labels[$0] == label }
            guard members.count >= 2 else { continue }
            var rng = SeededRNG(seed: seed &+ UInt64(label) &* 0x9E37_79B9_7F4A_7C15)
            for i in stride(from: members.count - 1, to: 0, by: -1) {
                let j = Int(rng.next() % UInt64(i + 1))
                members.swapAt(i, j)
            }
            let count = min(max(Int((fraction * Double(members.count)).rounded()), 1), members.count - 1)
            validationIndices.formUnion(members.prefix(count))
        }
        func part(_ keep: (Int) -> Bool) -> DirectoryListing {
            let kept = relativePaths.indices.filter(keep)
            return DirectoryListing(root: root, classNames: classNames, relativePaths: kept.map { relativePaths[$0] },
                                    labels: kept.map { labels[$0] }, emptyClasses: emptyClasses)
        }
        return (part { !validationIndices.contains($0) }, part { validationIndices.contains($0) })
    }
}

extension DirectoryListing {
    /// A listing of arbitrary image files (for prediction on files outside a class-folder
    /// layout): `files` are made absolute; `labels` gives each file's class index in
    /// `classNames` (default: all 0).
    package init(files: [String], classNames: [String], labels: [Int]? = nil) {
        let absolute = files.map { file -> String in
            let path = file.hasPrefix("/") ? file : join(currentDirectory(), file)
            return String(path.dropFirst())
        }
        self.init(root: "/", classNames: classNames, relativePaths: absolute,
                  labels: labels ?? Array(repeating: 0, count: files.count), emptyClasses: [])
    }
}

private func currentDirectory() -> String {
    var buffer = [CChar](repeating: 0, count: 4096)
    guard getcwd(&buffer, buffer.count) != nil else { return "." }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
