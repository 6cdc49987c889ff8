import Testing
import FinetuneCore
import FinetuneNN

/// Dropout on one process's part of a batch split across processes (`ForwardContext.batchPart`).
@Suite("Dropout on part of a batch")
struct DropoutBatchPartTests {
    @Test("the parts' outputs, in order, are the whole batch's, and every part leaves the RNG where the whole batch does",
          arguments: [[7], [3, 4], [2, 2, 3], [0, 3, 4]])
    func partsMatchTheWhole(_ sizes: [Int]) throws {
        let layer = Dropout(rate: 0.5)
        var rng = SeededRNG(seed: 8)
        let x = Tensor.uniform([7, 5], low: 1, high: 2, using: &rng)
        var whole = ForwardContext(mode: .training, rng: SeededRNG(seed: 3))
        let expected = layer.forward(x, context: &whole).output
        var offset = 0, outputs: [Tensor] = []
        for size in sizes {
            var context = ForwardContext(mode: .training, rng: SeededRNG(seed: 3))
            context.batchPart = (offset, 7)
            if size > 0 {
                outputs.append(layer.forward(x.slice(batch: offset..<(offset + size)), context: &context).output)
                #expect(context.rng == whole.rng, "part at \(offset) of size \(size) ends elsewhere in the stream")
            }
            offset += size
        }
        #expect(Tensor.concatenate(batches: outputs).scalars == expected.scalars)
    }
}
