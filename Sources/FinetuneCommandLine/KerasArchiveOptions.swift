import ArgumentParser

/// What a Keras `.keras` archive does not record: the class names and the input scaling.
/// Ignored for checkpoints written by `finetune train`, which store both.
package struct ArchiveOverrides: Sendable, Equatable {
    /// Class names in output order (`nil`: "0", "1", …).
    package var classes: [String]?
    /// `rescale`, `caffe` or `none`.
    package var preprocessing: String

    package init(classes: [String]? = nil, preprocessing: String = "rescale") {
        self.classes = classes
        self.preprocessing = preprocessing
    }

    func classNames(count: Int) throws -> [String] {
        guard let classes else { return (0..<count).map(String.init) }
        guard classes.count == count else {
            throw CommandLineError.invalidValue(flag: "--classes", value: classes.joined(separator: ","),
                                                expected: "\(count) names (the model has \(count) classes)")
        }
        return classes
    }
}

/// The flags behind ``ArchiveOverrides``.
package struct KerasArchiveOptions: ParsableArguments {
    @Option(help: ArgumentHelp("For a .keras archive: class names in output order, comma-separated (default: 0, 1, …).", valueName: "a,b,…"))
    package var classes: String?

    @Option(help: ArgumentHelp("For a .keras archive: input scaling, rescale (×1/255), caffe or none.", valueName: "rescale|caffe|none"))
    package var preprocessing: String = "rescale"

    package init() {}

    package var overrides: ArchiveOverrides {
        ArchiveOverrides(classes: classes.map { $0.split(separator: ",").map(String.init) }, preprocessing: preprocessing)
    }
}
