/// Winograd-transformed kernels of one convolution layer, kept while its weights stay the same
/// (a frozen layer: every forward pass would otherwise transform the same kernel again —
/// α²·C·F floats, 36 MB for a 512 × 512 layer under F(4×4, 3×3)).
///
/// An entry holds a copy of the kernel tensor it was made from. Tensors are copy-on-write, so
/// while the entry holds it, that storage can neither be freed nor changed in place: a kernel
/// with the same storage address and size is the same kernel, with the same values. Updating the
/// layer's weights makes new storage, and the next lookup transforms again.
package final class WinogradKernelCache: Sendable {
    private struct Entry {
        let kernel: Tensor
        let transformed: [Float]
    }
    private struct Key: Hashable { let tile: Int; let adjoint: Bool }
    private let entries = Locked<[Key: Entry]>([:])

    package init() {}

    /// Number of transformed kernels held (tests).
    package var count: Int { entries.withLock { $0.count } }

    /// Drops every entry.
    package func removeAll() { entries.withLock { $0.removeAll() } }

    /// The transformed `kernel` for `tile` (`adjoint`: the input-gradient form), from the cache or
    /// made now by `make` and kept.
    func transformed(_ kernel: Tensor, tile: WinogradTile, adjoint: Bool, make: () -> [Float]) -> [Float] {
        let key = Key(tile: tile.m, adjoint: adjoint)
        if let hit = entries.withLock({ $0[key] }), hit.kernel.sharesStorage(with: kernel) { return hit.transformed }
        let made = make()
        entries.withLock { $0[key] = Entry(kernel: kernel, transformed: made) }
        return made
    }
}

extension Tensor {
    /// Whether both tensors read the same storage (so, being copy-on-write, hold the same values).
    func sharesStorage(with other: Tensor) -> Bool {
        shape == other.shape && withUnsafeBufferPointer { a in
            other.withUnsafeBufferPointer { b in a.baseAddress == b.baseAddress }
        }
    }
}
