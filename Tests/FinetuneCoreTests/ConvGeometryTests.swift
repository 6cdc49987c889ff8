import FinetuneCore
import FinetuneTestSupport
import Testing

@Suite("ConvGeometry")
struct ConvGeometryTests {
    @Test("output sizes and top/left padding match TensorFlow's table", .tags(.golden))
    func kerasTable() throws {
        let c = try KernelGoldens.named("geometry")
        let rows = try #require(c.params["rows"]?.array)
        #expect(rows.count > 300)
        for row in rows {
            let v = row.array?.compactMap(\.int) ?? []
            try #require(v.count == 6)
            let (n, k, s, same, out, before) = (v[0], v[1], v[2], v[3] == 1, v[4], v[5])
            let g = ConvGeometry(batch: 1, inHeight: n, inWidth: 1, inChannels: 1, kernelHeight: k, kernelWidth: 1,
                                 outChannels: 1, strides: (s, 1), padding: same ? .same : .valid)
            #expect(g.outHeight == out && g.padTop == before,
                    "n \(n) k \(k) s \(s) \(same ? "same" : "valid"): got (\(g.outHeight), \(g.padTop)), TF (\(out), \(before))")
        }
    }

    @Test("VGG16's pools floor 150 → 75 → 37 → 18 → 9 → 4; its same 3×3 convolutions keep the size")
    func vgg16() {
        var size = 150
        for expected in [75, 37, 18, 9, 4] {
            let pool = ConvGeometry(batch: 20, inHeight: size, inWidth: size, inChannels: 64, kernelHeight: 2,
                                    kernelWidth: 2, outChannels: 64, strides: (2, 2), padding: .valid)
            #expect(pool.outHeight == expected && pool.outWidth == expected)
            let conv = ConvGeometry(batch: 20, inHeight: size, inWidth: size, inChannels: 64, kernelHeight: 3,
                                    kernelWidth: 3, outChannels: 64, padding: .same)
            #expect(conv.outHeight == size && conv.padTop == 1 && conv.padLeft == 1)
            size = expected
        }
    }

    @Test("even kernels pad less on top/left than on bottom/right")
    func asymmetric() {
        let g = conv2DGeometry(input: [1, 7, 9, 3], kernel: [2, 4, 3, 5], strides: (1, 2), padding: .same)
        #expect(g.outputShape == [1, 7, 5, 5])
        #expect(g.padTop == 0 && g.padLeft == 1)    // total 1 → 0 + 1; total (5−1)·2 + 4 − 9 = 3 → 1 + 2
        #expect(g.kernelShape == [2, 4, 3, 5] && g.inputShape == [1, 7, 9, 3])
        #expect(g.forwardFLOPs == 2 * Double(7 * 5 * 5) * Double(2 * 4 * 3))
    }
}
