import FinetuneCore
import Testing

@Suite("KernelCounters")
struct KernelCountersTests {
    @Test("counting sees this task's calls only, and the global counts see them too")
    func scoped() async {
        let x = Tensor(repeating: 1, shape: [2, 3]), w = Tensor(repeating: 1, shape: [3, 2])
        let before = KernelCounters.count(.denseForward)
        let (_, counts) = KernelCounters.counting {
            _ = denseForward(input: x, kernel: w, bias: nil)
            _ = denseForward(input: x, kernel: w, bias: nil)
        }
        #expect(counts[.denseForward] == 2)
        #expect(counts.count == KernelCounters.Kind.allCases.count)
        #expect(KernelCounters.count(.denseForward) >= before + 2)
        // Calls made by another task while we count are not ours.
        let (_, isolated) = await KernelCounters.counting {
            await Task.detached { _ = denseForward(input: x, kernel: w, bias: nil) }.value
        }
        #expect(isolated[.denseForward] == 0)
    }
}
