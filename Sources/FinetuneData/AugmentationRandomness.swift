import FinetuneCore

/// Where each image's augmentation draws come from. Both are deterministic for a seed and give
/// the same batches whatever the number of worker threads.
public enum AugmentationRandomness: Sendable, Hashable {
    /// Finetune's default: the draws for sample i in pass p come from a ``/FinetuneCore/SeededRNG`` seeded by
    /// (seed, p, i) alone, so an image's augmentation does not depend on batching or on which
    /// other images were drawn before it.
    case perSample
    /// Keras' own stream: NumPy's global `RandomState`, seeded with `seed + batches seen` before
    /// each batch (after the pass's permutation when shuffling) and drawn image by image in batch
    /// order — what `ImageDataGenerator.flow_from_directory(seed=…)` does in its `next()`. Gives
    /// Keras' exact parameters (for golden comparisons and side-by-side runs).
    case kerasStream

    /// The generator for sample `sample` of pass `pass` under ``perSample``.
    package static func sampleGenerator(seed: Int, pass: Int, sample: Int) -> SeededRNG {
        var z = UInt64(bitPattern: Int64(seed)) &* 0x9E37_79B9_7F4A_7C15
        z ^= UInt64(bitPattern: Int64(pass)) &* 0xBF58_476D_1CE4_E5B9
        z = (z << 31 | z >> 33) ^ UInt64(bitPattern: Int64(sample)) &* 0x94D0_49BB_1331_11EB
        return SeededRNG(seed: z)
    }
}
