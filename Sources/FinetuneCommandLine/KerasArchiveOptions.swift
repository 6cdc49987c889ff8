import ArgumentParser

/// What a Keras `.keras` archive does not record: the class names and the input scaling.
/// Ignored for checkpoints written by `finetune train`, which store both.
public struct ArchiveOverrides: Sendable, Equatable {
    /// Class names in output order (`nil`: "0", "1", …).
    public var classes: [String]?
    /// `rescale`, `caffe` or `none`.
    public var preprocessing: String

    public init(classes: [String]? = nil, preprocessing: String = "rescale") {
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
public struct KerasArchiveOptions: ParsableArguments {
    @Option(help: ArgumentHelp("For a .keras archive: class names in output order, comma-separated (default: 0, 1, …).", valueName: "a,b,…"))
    public var classes: String?

    @Option(help: ArgumentHelp("For a .keras archive: input scaling, rescale (×1/255), caffe or none.", valueName: "rescale|caffe|none"))
    public var preprocessing: String = "rescale"

    public init() {}

    public var overrides: ArchiveOverrides {
        ArchiveOverrides(classes: classes.map { $0.split(separator: ",").map(String.init) }, preprocessing: preprocessing)
    }
}
