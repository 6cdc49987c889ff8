import Testing
import FinetuneCore
import FinetuneTestSupport
import FinetuneNN

@Suite("OptimizerSlots")
struct OptimizerSlotsTests {
    @Test("slots appear as zeros shaped like their parameter, only for keys with gradients; other slots are kept")
    func lazyZeros() {
        var slots = OptimizerSlots()
        let parameters = ["a.kernel": randomTensor([2, 3], seed: 1), "b.bias": randomTensor([4], seed: 2)]
        var seen: [String: [Float]] = [:]
        let updated = slots.update(parameters, gradients: ["a.kernel": randomTensor([2, 3], seed: 3)], slots: ["m"]) { s in
            seen[s.key] = Array(s.slot("m"))
            for i in s.indices { s.slot("m")[i] = s.gradient[i]; s.parameter[i] += 1 }
        }
        #expect(seen == ["a.kernel": [0, 0, 0, 0, 0, 0]], "a new slot starts at zero")
        #expect(Set(updated.keys) == ["a.kernel"])
        #expect(updated["a.kernel"]?.scalars == parameters["a.kernel"]!.scalars.map { $0 + 1 })
        #expect(Set(slots.tensors.keys) == ["a.kernel/m"] && slots.tensors["a.kernel/m"]?.shape == [2, 3])
        #expect(slots.tensors["a.kernel/m"] == randomTensor([2, 3], seed: 3))
        // A step using another slot list creates its slots and leaves the stored ones alone.
        _ = slots.update(parameters, gradients: ["b.bias": randomTensor([4], seed: 4)], slots: ["v"]) { _ in }
        #expect(Set(slots.tensors.keys) == ["a.kernel/m", "b.bias/v"])
    }

    @Test("a large parameter is cut into contiguous slices that cover it once, with their offsets")
    func slicesCoverTheParameter() {
        let count = 2 * 65_536 + 5
        var slots = OptimizerSlots()
        let updated = slots.update(["w": .zeros([count])], gradients: ["w": .zeros([count])], slots: ["s"]) { s in
            for i in s.indices {
                s.parameter[i] += Float(s.offset + i)   // each scalar written exactly once → 0, 1, 2, …
                s.slot("s")[i] += 1
            }
        }
        let w = updated["w"]?.scalars ?? []
        let firstWrong = w.indices.first { w[$0] != Float($0) }
        #expect(w.count == count && firstWrong == nil, "scalar \(firstWrong ?? -1) was not updated once with its own index")
        #expect(slots.tensors["w/s"]?.scalars.allSatisfy { $0 == 1 } == true)
    }

    @Test("restore takes state that names only the given slots and agrees in shape per parameter")
    func restore() throws {
        var slots = OptimizerSlots()
        let state = ["a.kernel/m": randomTensor([2], seed: 1), "a.kernel/v": randomTensor([2], seed: 2)]
        try slots.restore(state, slots: ["m", "v"], optimizer: "Custom")
        #expect(slots.tensors == state)
        #expect(throws: OptimizerError.unknownSlot(key: "a.kernel/v", optimizer: "Custom", slots: ["m"])) {
            try slots.restore(state, slots: ["m"], optimizer: "Custom")
        }
        #expect(throws: OptimizerError.slotShapeMismatch(key: "a.kernel/v", expected: [2], got: [3])) {
            try slots.restore(["a.kernel/m": .zeros([2]), "a.kernel/v": .zeros([3])], slots: ["m", "v"], optimizer: "Custom")
        }
        #expect(slots.tensors == state, "a refused state leaves the slots as they were")
        // Restored slots are where the next update continues.
        var seen: [Float] = []
        _ = slots.update(["a.kernel": .zeros([2])], gradients: ["a.kernel": .zeros([2])], slots: ["m", "v"]) { s in
            seen = Array(s.slot("m"))
        }
        #expect(seen == state["a.kernel/m"]?.scalars)
    }
}
