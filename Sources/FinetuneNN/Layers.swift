import FinetuneCore

/// Keras' built-in layers (`keras.layers.*`), made by name:
///
/// ```swift
/// var rng = SeededRNG(seed: 42)
/// let head = try Sequential(name: "head", inputShape: [4, 4, 512], [
///     Layers.flatten(),
///     Layers.dense(name: "dense", inputSize: 4 * 4 * 512, units: 256, activation: .relu, using: &rng),
///     Layers.dropout(rate: 0.5),
///     Layers.dense(name: "dense_1", inputSize: 256, units: 1, activation: .sigmoid, using: &rng),
/// ])
/// ```
///
/// Every layer computes what its Keras 3 namesake computes (forward pass, gradients, initialisers,
/// weight names and layouts, so Keras weights files load unchanged), checked against Keras by the
/// golden suites. Parameters are keyed `<name>.<weight>` (`block1_conv1.kernel`), in Keras' weight
/// order. A layer of your own conforms to ``Layer`` (see the article "Writing a layer").
public enum Layers {
    /// 2-D convolution over NHWC input with an HWIO kernel, Keras' `Conv2D`:
    /// y = f(conv(x, W) + b). Keys `<name>.kernel` (kh, kw, in, out) and `<name>.bias` (out); kernel
    /// glorot-uniform, bias zero. `same` padding splits as TensorFlow does (the smaller half on
    /// top/left). The activation is fused (`.relu`, as VGG16 uses it) or left to a separate layer.
    public static func conv2D(name: String, inputChannels: Int, filters: Int, kernelSize: (Int, Int) = (3, 3),
                              strides: (Int, Int) = (1, 1), padding: Padding = .valid,
                              activation: ActivationFunction = .linear, useBias: Bool = true,
                              using rng: inout some RandomNumberGenerator) -> any Layer {
        Conv2D(name: name, inputChannels: inputChannels, filters: filters, kernelSize: kernelSize, strides: strides,
               padding: padding, activation: activation, useBias: useBias, using: &rng)
    }

    /// Depthwise 2-D convolution, Keras' `DepthwiseConv2D`: each input channel convolved with its own
    /// `depthMultiplier` filters (MobileNets). Keys `<name>.kernel` (kh, kw, C, M) and `<name>.bias`
    /// (C·M); kernel glorot-uniform, bias zero; `same` padding as TensorFlow splits it.
    public static func depthwiseConv2D(name: String, inputChannels: Int, kernelSize: (Int, Int) = (3, 3),
                                       strides: (Int, Int) = (1, 1), padding: Padding = .valid,
                                       depthMultiplier: Int = 1, activation: ActivationFunction = .linear,
                                       useBias: Bool = true, using rng: inout some RandomNumberGenerator) -> any Layer {
        DepthwiseConv2D(name: name, inputChannels: inputChannels, kernelSize: kernelSize, strides: strides,
                        padding: padding, depthMultiplier: depthMultiplier, activation: activation,
                        useBias: useBias, using: &rng)
    }

    /// Fully connected, Keras' `Dense`: y = f(x·W + b) on (n, in). Keys `<name>.kernel` (in, out) and
    /// `<name>.bias` (out); kernel glorot-uniform, bias zero. A final sigmoid or softmax hands its
    /// logits to the loss, which then computes from them as Keras 3 does.
    public static func dense(name: String, inputSize: Int, units: Int, activation: ActivationFunction = .linear,
                             useBias: Bool = true, using rng: inout some RandomNumberGenerator) -> any Layer {
        Dense(name: name, inputSize: inputSize, units: units, activation: activation, useBias: useBias, using: &rng)
    }

    /// Batch normalization over the last axis, Keras 3's `BatchNormalization` (momentum 0.99,
    /// epsilon 1e-3 by default). Training mode normalises with the batch's mean and biased variance
    /// and updates the moving statistics; inference mode uses the moving statistics. Keys
    /// `<name>.gamma`, `<name>.beta` (trainable), `<name>.moving_mean`, `<name>.moving_variance`
    /// (state, never trainable).
    ///
    /// A frozen layer runs in inference mode and never updates its statistics, as Keras 3 does —
    /// even while the rest of the model trains. `batchStatisticsWhenFrozen: true` keeps batch
    /// statistics (and their updates) for it instead, as tf.keras 1.x did.
    public static func batchNormalization(name: String, channels: Int, momentum: Double = 0.99,
                                          epsilon: Double = 1e-3, batchStatisticsWhenFrozen: Bool = false) -> any Layer {
        BatchNormalization(name: name, channels: channels, momentum: momentum, epsilon: epsilon,
                           batchStatisticsWhenFrozen: batchStatisticsWhenFrozen)
    }

    /// 2-D max pooling over NHWC, Keras' `MaxPooling2D`: window `poolSize`, stride `strides`
    /// (default: the window), `valid` padding by default (the last partial window is dropped). The
    /// gradient flows to the first (row-major) maximum of each window, as TensorFlow's does.
    public static func maxPooling2D(name: String, poolSize: (Int, Int) = (2, 2), strides: (Int, Int)? = nil,
                                    padding: Padding = .valid) -> any Layer {
        MaxPool2D(name: name, poolSize: poolSize, strides: strides, padding: padding)
    }

    /// Keras' `GlobalAveragePooling2D`: the mean of every channel over the image, NHWC → (N, C).
    public static func globalAveragePooling2D(name: String = "global_average_pooling2d") -> any Layer {
        GlobalAveragePooling2D(name: name)
    }

    /// Keras' `GlobalMaxPooling2D`: the maximum of every channel over the image, NHWC → (N, C); ties
    /// share the gradient, as TensorFlow's `reduce_max`.
    public static func globalMaxPooling2D(name: String = "global_max_pooling2d") -> any Layer {
        GlobalMaxPooling2D(name: name)
    }

    /// Keras' `ZeroPadding2D` in its `((top, bottom), (left, right))` form: zeros around NHWC images.
    public static func zeroPadding2D(name: String = "zero_padding2d", padding: ((Int, Int), (Int, Int))) -> any Layer {
        ZeroPadding2D(name: name, padding: padding)
    }

    /// Keras' `Flatten`: (n, d1, d2, …) → (n, d1·d2·…), row-major, so an NHWC image flattens in
    /// (h, w, c) order, the order Keras head weights expect.
    public static func flatten(name: String = "flatten") -> any Layer { Flatten(name: name) }

    /// Inverted dropout, Keras' `Dropout`: in training each unit is kept with probability 1 − rate and
    /// scaled by 1/(1 − rate), drawn from the step's seeded generator (so runs replay); the identity
    /// at inference.
    public static func dropout(name: String = "dropout", rate: Float) -> any Layer { Dropout(name: name, rate: rate) }

    /// Keras' `Activation` layer: y = f(x). A final sigmoid or softmax hands its input to the loss as
    /// logits.
    public static func activation(_ function: ActivationFunction, name: String? = nil) -> any Layer {
        Activation(function, name: name)
    }

    /// Keras' `ReLU` layer: max(x, 0), or min(max(x, 0), maxValue) with a cap (`maxValue: 6` is the
    /// ReLU6 of MobileNetV2 and EfficientNet-Lite, with TensorFlow's `Relu6` gradient).
    public static func relu(maxValue: Float? = nil, name: String = "re_lu") -> any Layer {
        ReLU(maxValue: maxValue, name: name)
    }

    /// Keras' `Add`, a merge layer: the element-wise sum of its inputs, which all have one shape
    /// (the merge of a residual connection). Wire it with several inputs:
    /// `try g.add(Layers.add(name: "add"), to: x, shortcut)` (``GraphBuilder``).
    public static func add(name: String = "add") -> any Layer { Add(name: name) }

    /// Keras' `Concatenate` on the last axis (the channels of NHWC), a merge layer: its inputs'
    /// channels one after the other; every other dimension is shared (``GraphBuilder``).
    public static func concatenate(name: String = "concatenate") -> any Layer { Concatenate(name: name) }
}
