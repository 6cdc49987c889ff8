import Foundation
import FinetuneCore
import FinetuneTestSupport
import Testing

@Suite("Shape")
struct ShapeTests {
    @Test("counts scalars, and a scalar shape holds one")
    func counts() {
        #expect(Shape([20, 150, 150, 3]).scalarCount == 1_350_000)
        #expect(Shape([20, 150, 150, 3]).rank == 4)
        #expect(Shape([]).scalarCount == 1)
        #expect(Shape([3, 0, 2]).scalarCount == 0)
    }

    @Test("prints like Keras")
    func description() {
        #expect(Shape([20, 150, 150, 3]).description == "(20, 150, 150, 3)")
        #expect(Shape([5]).description == "(5,)")
        #expect(Shape([]).description == "()")
    }

    @Test("encodes as a plain JSON array and decodes back")
    func codable() throws {
        let s: Shape = [4, 4, 512]
        let data = try JSONEncoder().encode(s)
        #expect(String(decoding: data, as: UTF8.self) == "[4,4,512]")
        #expect(try JSONDecoder().decode(Shape.self, from: data) == s)
    }

    @Test("is a collection of its dimensions")
    func collection() {
        var s: Shape = [2, 3, 4]
        #expect(Array(s) == [2, 3, 4])
        s[1] = 5
        #expect(s.dimensions == [2, 5, 4])
    }
}

@Suite("Tensor")
struct TensorTests {
    @Test("reshape keeps scalars, subscript is row-major")
    func reshape() {
        let t = Tensor(shape: [2, 3], scalars: [0, 1, 2, 3, 4, 5])
        #expect(t[1, 0] == 3)
        #expect(t[0, 2] == 2)
        let r = t.reshaped([3, 2])
        #expect(r[1, 0] == 2)
        #expect(r.scalars == t.scalars)
        #expect(r.shape == [3, 2])
    }

    @Test("has value semantics")
    func valueSemantics() {
        let a = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])
        var b = a
        b[0, 0] = 9
        #expect(a[0, 0] == 1)
        #expect(b[0, 0] == 9)
        b.withUnsafeMutableBufferPointer { $0[3] = 7 }
        #expect(a.scalars == [1, 2, 3, 4])
        #expect(b.scalars == [9, 2, 3, 7])
    }

    @Test("fills uninitialised storage and constant tensors")
    func construction() {
        let t = Tensor(shape: [2, 3]) { buffer in for i in 0..<buffer.count { buffer[i] = Float(i) * 2 } }
        #expect(t.scalars == [0, 2, 4, 6, 8, 10])
        #expect(Tensor.zeros([3]).scalars == [0, 0, 0])
        #expect(Tensor(repeating: 1.5, shape: [2, 2]).scalars == [1.5, 1.5, 1.5, 1.5])
    }

    @Test("slices and concatenates along the batch")
    func batches() {
        let t = Tensor(shape: [4, 2, 1], scalars: (0..<8).map(Float.init))
        let a = t.slice(batch: 0..<1), b = t.slice(batch: 1..<4)
        #expect(a.shape == [1, 2, 1] && a.scalars == [0, 1])
        #expect(b.shape == [3, 2, 1] && b.scalars == [2, 3, 4, 5, 6, 7])
        #expect(Tensor.concatenate(batches: [a, b]) == t)
        #expect(t.slice(batch: 2..<2).shape == [0, 2, 1])
    }

    @Test("squared norm is accumulated in Double")
    func norm() {
        let t = Tensor(shape: [3], scalars: [3, 4, 12])
        #expect(t.squaredNorm == 169)
        // 2²⁴ + 1 + 1 … in Float would lose the ones; in Double it does not.
        let big = Tensor(shape: [3], scalars: [4096, 1, 1])
        #expect(big.squaredNorm == 16_777_218)
    }

    @Test("describes itself with its shape and first values")
    func description() {
        let t = Tensor(shape: [10], scalars: (0..<10).map(Float.init))
        #expect(t.description == "Tensor(10,)[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, …]")
    }
}

@Suite("ReferenceTensor")
struct ReferenceTensorTests {
    @Test("holds a float32 tensor exactly and rounds back to it")
    func roundTrip() {
        let t = hashUniform(seed: 3, shape: [2, 3, 4], low: -1, high: 1)
        let r = ReferenceTensor(t)
        #expect(r.shape == t.shape)
        #expect(r.tensor == t)
        #expect(r[1, 2, 3] == Double(t[1, 2, 3]))
        #expect(r.dot(r) == t.squaredNorm)
    }
}
