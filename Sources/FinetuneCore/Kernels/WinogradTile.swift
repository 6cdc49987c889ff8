import CVectorKernels

/// The transform matrices of one Winograd algorithm F(m×m, 3×3): output tiles of m × m pixels
/// computed from α × α input patches (α = m + 2) with α² element-wise products per channel pair
/// instead of 9·m² (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016).
///
/// One tile of one filter is Y = Aᵀ [ Σ_c (G g_c Gᵀ) ⊙ (Bᵀ d_c B) ] A. The matrices (tabled in
/// `CVectorKernels`, whose transforms have them as constants) are the Toom–Cook construction on the interpolation points below plus the point at infinity:
/// Aᵀ[i][j] = p_jⁱ, G[j][k] = p_jᵏ / Π_{l≠j}(p_j − p_l), and Bᵀ the unique matrix completing the
/// identity (solved exactly in rational arithmetic by `Goldens/winograd_matrices.py`, which also
/// prints these tables). Points 0, ±1, ±½ (and ±2 for m = 6) keep the float32 error of a
/// 512-channel VGG16 layer below 1e-5 relative (measured per layer in the slow tests).
package struct WinogradTile: Sendable, Hashable, CustomStringConvertible {
    /// Output tile size m.
    package let m: Int
    /// Input patch size α = m + 2.
    package var alpha: Int { m + 2 }
    /// Bᵀ, α × α, row-major.
    let bt: [Float]
    /// G, α × 3, row-major.
    let g: [Float]
    /// Aᵀ, m × α, row-major.
    let at: [Float]

    package var description: String { "F(\(m)×\(m), 3×3)" }

    /// The tile sizes Finetune implements.
    package static let all: [WinogradTile] = [.f2, .f3, .f4, .f6]

    /// The algorithm with output tiles of `m` × `m` pixels, if implemented (2, 3, 4 or 6).
    package static func withTileSize(_ m: Int) -> WinogradTile? { all.first { $0.m == m } }

    /// F(2×2, 3×3), points 0, 1, −1: 16 products for 4 outputs.
    package static let f2 = WinogradTile(m: 2)
    /// F(3×3, 3×3), points 0, 1, −1, ½: 25 products for 9 outputs.
    package static let f3 = WinogradTile(m: 3)
    /// F(4×4, 3×3), points 0, ±1, ±½: 36 products for 16 outputs.
    package static let f4 = WinogradTile(m: 4)
    /// F(6×6, 3×3), points 0, ±1, ±2, ±½: 64 products for 36 outputs.
    package static let f6 = WinogradTile(m: 6)

    /// The matrices of `m` from the C kernels that use them (one table for both languages).
    private init(m: Int) {
        var bt: UnsafePointer<Float>?, g: UnsafePointer<Float>?, at: UnsafePointer<Float>?
        let known = ft_winograd_matrices(Int32(m), &bt, &g, &at) != 0
        precondition(known, "no Winograd matrices for F(\(m)×\(m), 3×3)")
        let alpha = m + 2
        self.m = m
        self.bt = bt.map { Array(UnsafeBufferPointer(start: $0, count: alpha * alpha)) } ?? []
        self.g = g.map { Array(UnsafeBufferPointer(start: $0, count: alpha * 3)) } ?? []
        self.at = at.map { Array(UnsafeBufferPointer(start: $0, count: m * alpha)) } ?? []
    }
}
