import FinetuneCore

/// The VGG16 convolutional base (Simonyan & Zisserman 2014, "Very Deep Convolutional Networks for
/// Large-Scale Image Recognition"), Keras' `VGG16(include_top=False)`, and the binary classifier
/// Chollet's recipe builds on it (``binaryClassifier(inputShape:widths:denseUnits:using:)``).
///
/// Five blocks of 3×3, stride-1, `same`, ReLU convolutions (2, 2, 3, 3, 3 of them) with
/// 64, 128, 256, 512, 512 filters, each block followed by a 2×2 stride-2 max-pool. Layer names are
/// Keras': `block1_conv1, block1_conv2, block1_pool, …, block5_conv3, block5_pool`; the base is one
/// ``Sequential`` named `"vgg16"`. 150×150×3 → 4×4×512 (pools floor: 150→75→37→18→9→4).
public enum VGG16 {
    /// Filters per block of the real network.
    public static let standardWidths = [64, 128, 256, 512, 512]
    /// A narrow configuration with the same topology and names, for fast tests (the widths of
    /// `Goldens/gen_training.py` and `Goldens/gen_nn.py`).
    package static let reducedWidths = [4, 8, 8, 16, 16]
    /// Convolutions per block.
    package static let blockDepths = [2, 2, 3, 3, 3]
    /// Smallest height/width Keras accepts for VGG16 without its top.
    package static let minimumSize = 32

    /// The convolutional base for `inputShape` (height, width, 3), Keras-initialised from `rng`.
    /// Throws ``LayerError/incompatibleInput(layer:input:reason:)`` for an input smaller than
    /// 32×32, with other than 3 channels, or for widths that are not five positive numbers.
    public static func base(inputShape: Shape = [150, 150, 3], widths: [Int] = standardWidths,
                            using rng: inout some RandomNumberGenerator) throws -> Sequential {
        try base(inputShape: inputShape, widths: widths, initializer: { shape in .glorotUniform(shape, using: &rng) })
    }

    /// The base with all-zero weights: placeholders for weights that will be loaded (pretrained
    /// VGG16), without drawing 14.7 million random numbers first (Keras' `weights=` argument).
    public static func base(inputShape: Shape = [150, 150, 3], widths: [Int] = standardWidths) throws -> Sequential {
        try base(inputShape: inputShape, widths: widths, initializer: { .zeros($0) })
    }

    /// The binary classifier with all-zero weights, to be replaced by loaded ones.
    public static func binaryClassifier(inputShape: Shape = [150, 150, 3], widths: [Int] = standardWidths,
                                        denseUnits: Int = 256) throws -> Sequential {
        try binaryClassifier(inputShape: inputShape, widths: widths, denseUnits: denseUnits, initializer: { .zeros($0) })
    }

    static func base(inputShape: Shape, widths: [Int], initializer: (Shape) -> Tensor) throws -> Sequential {
        guard inputShape.rank == 3, inputShape[0] >= minimumSize, inputShape[1] >= minimumSize, inputShape[2] == 3 else {
            throw LayerError.incompatibleInput(layer: "vgg16", input: inputShape,
                                               reason: "VGG16 takes (height, width, 3) with height and width ≥ \(minimumSize)")
        }
        guard widths.count == blockDepths.count, widths.allSatisfy({ $0 > 0 }) else {
            throw LayerError.incompatibleInput(layer: "vgg16", input: inputShape,
                                               reason: "widths must be 5 positive filter counts, got \(widths)")
        }
        var layers: [any Layer] = []
        var channels = inputShape[2]
        for (b, (depth, width)) in zip(blockDepths, widths).enumerated() {
            for c in 1...depth {
                layers.append(try Conv2D(name: "block\(b + 1)_conv\(c)", kernel: initializer([3, 3, channels, width]),
                                         bias: .zeros([width]), padding: .same, activation: .relu))
                channels = width
            }
            layers.append(MaxPool2D(name: "block\(b + 1)_pool", poolSize: (2, 2), strides: (2, 2)))
        }
        return try Sequential(name: "vgg16", inputShape: inputShape, layers)
    }

    /// The base with a new binary head, as Keras builds Chollet's cats-vs-dogs model: `vgg16` base,
    /// `Flatten` ("flatten"), `Dense(denseUnits, relu)` ("dense"), `Dense(1, sigmoid)` ("dense_1"),
    /// in a ``Sequential`` named "sequential", Keras-initialised from `rng` in layer order.
    /// At 150×150 with standard widths and 256 units: 16,812,353 parameters, 14,714,688 of them in
    /// the base.
    public static func binaryClassifier(inputShape: Shape = [150, 150, 3], widths: [Int] = standardWidths,
                                        denseUnits: Int = 256, using rng: inout some RandomNumberGenerator) throws -> Sequential {
        try binaryClassifier(inputShape: inputShape, widths: widths, denseUnits: denseUnits,
                             initializer: { shape in .glorotUniform(shape, using: &rng) })
    }

    /// The most weights the first dense layer may have (2³¹ floats = 8 GiB): larger inputs are
    /// refused with an error instead of failing to allocate.
    package static let maximumDenseWeights = 1 << 31

    static func binaryClassifier(inputShape: Shape, widths: [Int], denseUnits: Int,
                                 initializer: (Shape) -> Tensor) throws -> Sequential {
        let base = try base(inputShape: inputShape, widths: widths, initializer: initializer)
        let features = try base.outputShape(for: Shape([1] + inputShape.dimensions)).scalarCount
        let (weights, overflow) = features.multipliedReportingOverflow(by: denseUnits)
        guard !overflow, weights <= maximumDenseWeights else {
            throw LayerError.incompatibleInput(layer: "dense", input: inputShape,
                reason: "a \(inputShape[0])×\(inputShape[1]) input gives \(features) features, so the dense layer "
                    + "would need \(overflow ? "more than \(Int.max)" : String(weights)) weights (limit \(maximumDenseWeights)); use a smaller input")
        }
        let dense = try Dense(name: "dense", kernel: initializer([features, denseUnits]), bias: .zeros([denseUnits]), activation: .relu)
        let output = try Dense(name: "dense_1", kernel: initializer([denseUnits, 1]), bias: .zeros([1]), activation: .sigmoid)
        return try Sequential(name: "sequential", inputShape: inputShape, [base, Flatten(name: "flatten"), dense, output])
    }
}
