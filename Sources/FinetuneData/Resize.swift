/// How an image is resampled to the target size, with Pillow's exact arithmetic (what Keras'
/// `load_img(target_size=…, interpolation=…)` calls).
public enum ResizeFilter: String, Sendable, Hashable, CaseIterable {
    /// Pillow NEAREST (Keras' default in `flow_from_directory`). Pillow's `ImagingScaleAffine`
    /// walks the source coordinate by repeated addition: x₀ = s/2, xᵢ₊₁ = xᵢ + s with
    /// s = in/out in Double, source column ⌊xᵢ⌋ — equal to ⌊(i + ½)·in/out⌋ except where the
    /// accumulated rounding crosses an integer, and reproduced here step for step.
    case nearest
    /// Pillow BILINEAR: the triangle filter widened by the scale when shrinking (support =
    /// max(in/out, 1)), coefficients normalised and rounded to 22-bit fixed point, one pass
    /// per axis, each rounded to 8 bits (`ImagingResample`; pass order as Pillow 13 picks it).
    case bilinear
}

extension RGBImage {
    /// This image resampled to `width × height` (a copy when the size is already right).
    public func resized(width outW: Int, height outH: Int, filter: ResizeFilter) -> RGBImage {
        precondition(outW > 0 && outH > 0, "resize to \(outW)×\(outH)")
        if outW == width && outH == height { return self }
        switch filter {
        case .nearest: return resizedNearest(outW, outH)
        case .bilinear: return resizedBilinear(outW, outH)
        }
    }

    /// Pillow's NEAREST source index for each of `outSize` outputs along an axis of `inSize`.
    package static func nearestIndices(inSize: Int, outSize: Int) -> [Int] {
        let scale = Double(inSize) / Double(outSize)
        var position = 0 + scale * 0.5
        var result = [Int](repeating: 0, count: outSize)
        for i in 0..<outSize {
            // COORD(v): v < 0 ? -1 : (int)v; positions stay within [0, inSize) for a plain resize.
            result[i] = min(max(position < 0 ? -1 : Int(position), 0), inSize - 1)
            position += scale
        }
        return result
    }

    private func resizedNearest(_ outW: Int, _ outH: Int) -> RGBImage {
        let xs = RGBImage.nearestIndices(inSize: width, outSize: outW)
        let ys = RGBImage.nearestIndices(inSize: height, outSize: outH)
        let w = width
        return pixels.withUnsafeBufferPointer { src in
            RGBImage(width: outW, height: outH) { out in
                var o = 0
                for y in 0..<outH {
                    let row = ys[y] * w
                    for x in 0..<outW {
                        let s = 3 * (row + xs[x])
                        out[o] = src[s]; out[o + 1] = src[s + 1]; out[o + 2] = src[s + 2]
                        o += 3
                    }
                }
            }
        }
    }

    private func resizedBilinear(_ outW: Int, _ outH: Int) -> RGBImage {
        let horizontal = PillowCoefficients(inSize: width, outSize: outW)
        let vertical = PillowCoefficients(inSize: height, outSize: outH)
        let needsHorizontal = outW != width, needsVertical = outH != height
        // Pillow 13 runs the vertical pass first when the height shrinks by more than twice
        // what the width shrinks (h − H > 2(w − W), which includes any width that grows);
        // otherwise horizontal first, on only the rows the vertical pass will read. Which pass
        // comes first changes the intermediate 8-bit rounding, so it must match.
        let verticalFirst = outH < height && (height - outH) > 2 * (width - outW)
        if verticalFirst {
            let shrunk = needsVertical ? resampleRows(vertical, outH, rowOffset: 0) : self
            return needsHorizontal ? shrunk.resampleColumns(horizontal, outW, firstRow: 0, rows: outH) : shrunk
        }
        guard needsHorizontal else { return needsVertical ? resampleRows(vertical, outH, rowOffset: 0) : self }
        // Rows of the source the vertical pass reads (Pillow's ybox_first…ybox_last).
        let firstRow = vertical.bounds[0]
        let lastRow = vertical.bounds[2 * (outH - 1)] + vertical.bounds[2 * (outH - 1) + 1]
        let wide = resampleColumns(horizontal, outW, firstRow: firstRow, rows: lastRow - firstRow)
        return needsVertical ? wide.resampleRows(vertical, outH, rowOffset: firstRow) : wide
    }

    /// Pillow's horizontal 8-bpc pass over rows firstRow ..< firstRow + rows.
    private func resampleColumns(_ k: PillowCoefficients, _ outW: Int, firstRow: Int, rows: Int) -> RGBImage {
        let w = width
        return pixels.withUnsafeBufferPointer { src in
            RGBImage(width: outW, height: rows) { out in
                for y in 0..<rows {
                    let row = (y + firstRow) * w * 3
                    for x in 0..<outW {
                        let xmin = k.bounds[2 * x], count = k.bounds[2 * x + 1]
                        let base = x * k.kernelSize
                        var s0 = 1 << 21, s1 = 1 << 21, s2 = 1 << 21
                        for j in 0..<count {
                            let c = k.fixed[base + j], p = row + (xmin + j) * 3
                            s0 += Int(src[p]) * c; s1 += Int(src[p + 1]) * c; s2 += Int(src[p + 2]) * c
                        }
                        let o = (y * outW + x) * 3
                        out[o] = clip8(s0); out[o + 1] = clip8(s1); out[o + 2] = clip8(s2)
                    }
                }
            }
        }
    }

    /// Pillow's vertical 8-bpc pass; this image's row 0 is source row `rowOffset`.
    private func resampleRows(_ k: PillowCoefficients, _ outH: Int, rowOffset: Int) -> RGBImage {
        let w = width
        return pixels.withUnsafeBufferPointer { src in
            RGBImage(width: w, height: outH) { out in
                for y in 0..<outH {
                    let ymin = k.bounds[2 * y] - rowOffset, count = k.bounds[2 * y + 1]
                    let base = y * k.kernelSize
                    for x in 0..<w {
                        var s0 = 1 << 21, s1 = 1 << 21, s2 = 1 << 21
                        for j in 0..<count {
                            let c = k.fixed[base + j], p = ((ymin + j) * w + x) * 3
                            s0 += Int(src[p]) * c; s1 += Int(src[p + 1]) * c; s2 += Int(src[p + 2]) * c
                        }
                        let o = (y * w + x) * 3
                        out[o] = clip8(s0); out[o + 1] = clip8(s1); out[o + 2] = clip8(s2)
                    }
                }
            }
        }
    }
}

/// Pillow's `clip8`: the 22-bit fixed-point sum shifted down and clamped to 0…255.
@inline(__always) private func clip8(_ v: Int) -> UInt8 { UInt8(clamping: v >> 22) }

/// Pillow's `precompute_coeffs` + `normalize_coeffs_8bpc` for the bilinear filter along one axis.
struct PillowCoefficients {
    /// Coefficients a source window may hold: ⌈support⌉·2 + 1.
    let kernelSize: Int
    /// Per output: first source index, number of source samples.
    let bounds: [Int]
    /// Per output: `kernelSize` coefficients in 22-bit fixed point.
    let fixed: [Int]

    init(inSize: Int, outSize: Int) {
        let scale = Double(inSize) / Double(outSize)
        let filterScale = max(scale, 1.0)
        let support = 1.0 * filterScale
        let ksize = Int(support.rounded(.up)) * 2 + 1
        var bounds = [Int](repeating: 0, count: 2 * outSize)
        var fixed = [Int](repeating: 0, count: outSize * ksize)
        var k = [Double](repeating: 0, count: ksize)
        for xx in 0..<outSize {
            let center = 0 + (Double(xx) + 0.5) * scale
            let ss = 1.0 / filterScale
            var xmin = Int(center - support + 0.5)   // C's (int) truncates toward zero
            if xmin < 0 { xmin = 0 }
            var xmax = Int(center + support + 0.5)
            if xmax > inSize { xmax = inSize }
            xmax -= xmin
            var ww = 0.0
            for x in 0..<xmax {
                var t = (Double(x + xmin) - center + 0.5) * ss
                if t < 0 { t = -t }
                let w = t < 1.0 ? 1.0 - t : 0.0
                k[x] = w
                ww += w
            }
            for x in 0..<xmax where ww != 0 { k[x] /= ww }
            for x in 0..<ksize {
                let v = x < xmax ? k[x] : 0
                fixed[xx * ksize + x] = v < 0 ? Int(-0.5 + v * Double(1 << 22)) : Int(0.5 + v * Double(1 << 22))
            }
            bounds[2 * xx] = xmin
            bounds[2 * xx + 1] = xmax
        }
        self.kernelSize = ksize
        self.bounds = bounds
        self.fixed = fixed
    }
}
