import Foundation

/// A rough upper estimate of a training step's memory for VGG16 + a 256-unit head, to refuse an
/// image size and batch size that would not fit before anything is read or written.
package struct MemoryEstimate {
    package let activationBytes: UInt64
    package let weightBytes: UInt64
    package var bytes: UInt64 { activationBytes + weightBytes }

    /// Activations: VGG16 keeps ≈ 300 floats per input pixel (64 channels at full size, 128 at
    /// half, …) in the forward pass, doubled for gradients and scratch; weights: the 14.7 M
    /// convolution weights plus the head's (size/32)² × 512 × 256, each ×4 for the gradient and
    /// RMSprop's slot and a copy.
    package init(imageSize: Int, batchSize: Int) {
        let pixels = UInt64(imageSize) * UInt64(imageSize)
        activationBytes = UInt64(batchSize) * pixels * 300 * 4 * 2
        let features = UInt64(imageSize / 32) * UInt64(imageSize / 32) * 512
        weightBytes = (14_714_688 + features * 256) * 4 * 4
    }

    /// Why training would not fit in this machine's memory, in flag terms (`nil`: it fits).
    package static func refusal(imageSize: Int, batchSize: Int,
                               available: UInt64 = ProcessInfo.processInfo.physicalMemory) -> String? {
        let estimate = MemoryEstimate(imageSize: imageSize, batchSize: batchSize)
        guard estimate.bytes > available else { return nil }
        func gigabytes(_ bytes: UInt64) -> String { String(format: "%.1f GB", Double(bytes) / 1e9) }
        return "--image-size \(imageSize) with --batch-size \(batchSize) needs about "
            + "\(gigabytes(estimate.bytes)) of memory (\(gigabytes(estimate.activationBytes)) for a batch's activations, "
            + "\(gigabytes(estimate.weightBytes)) for weights and optimizer state); this machine has \(gigabytes(available)). "
            + "Lower --image-size or --batch-size"
    }
}
