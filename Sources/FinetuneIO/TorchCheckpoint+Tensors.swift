import FinetuneCore

/// From the unpickled object to named `Tensor`s: the dictionary's entries, each tensor's strided
/// view checked against its storage and copied out.
extension TorchCheckpoint {
    /// The tensors of `root`, which must be a dictionary of names to tensors. `storages` maps each
    /// storage key to its bytes in `raw` (exactly `count × elementSize` of them).
    static func stateDict(_ root: PickleValue, _ unpickler: TorchUnpickler, storages: [String: Range<Int>],
                          _ raw: UnsafeRawBufferPointer, file: String) throws(TorchCheckpointError)
        -> [(name: String, tensor: Tensor)] {
        guard case let .dict(items)? = unpickler.object(root) else {
            throw .notAStateDict(file: file, found: unpickler.describe(root))
        }
        var order: [String] = []
        var views: [String: TorchTensorReference] = [:]
        for (key, value) in items {
            guard case let .string(name) = key else {
                throw .notAStateDict(file: file, found: "a dictionary with the key \(unpickler.describe(key))")
            }
            guard case let .tensor(view)? = unpickler.object(value) else {
                throw .notAStateDict(file: file, found: "a dictionary whose entry '\(name)' holds "
                                     + "\(unpickler.describe(value)), not a tensor")
            }
            if views.updateValue(view, forKey: name) == nil { order.append(name) }
        }
        // Views may share storages, but together they may not claim more elements than the file
        // has bytes: a few bytes of pickle cannot make the reader allocate without bound.
        var budget = raw.count
        var tensors: [(name: String, tensor: Tensor)] = []
        tensors.reserveCapacity(order.count)
        for name in order {
            let view = views[name]!
            guard let range = storages[view.storage.key] else {
                throw .malformed(file: file, detail: "tensor '\(name)' uses storage '\(view.storage.key)', which the file lacks")
            }
            let count = try checkedElementCount(view, name: name, file: file)
            guard count <= budget else {
                throw .tooLarge(file: file, detail: "tensor '\(name)' brings the tensors' elements past the file's "
                                + "\(raw.count) bytes")
            }
            budget -= count
            tensors.append((name, try copy(view, count: count, from: raw, range, name: name, file: file)))
        }
        return tensors
    }

    /// The number of elements of `view`, after checking that every one lies inside its storage.
    static func checkedElementCount(_ view: TorchTensorReference, name: String, file: String) throws(TorchCheckpointError) -> Int {
        if let size = view.sizes.first(where: { $0 < 0 }) {
            throw .malformed(file: file, detail: "tensor '\(name)' has size \(size)")
        }
        if let stride = view.strides.first(where: { $0 < 0 }) {
            throw .malformed(file: file, detail: "tensor '\(name)' has stride \(stride); torch writes none below 0")
        }
        guard view.offset >= 0 else { throw .malformed(file: file, detail: "tensor '\(name)' has storage offset \(view.offset)") }
        var count = 1
        var last = view.offset  // index of the last element
        for (size, stride) in zip(view.sizes, view.strides) {
            let (product, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow else {
                throw .storageOutOfRange(file: file, tensor: name, detail: "sizes \(view.sizes) overflow")
            }
            count = product
            guard size > 0 else { continue }
            let (reach, overflow1) = (size - 1).multipliedReportingOverflow(by: stride)
            let (sum, overflow2) = last.addingReportingOverflow(reach)
            guard !overflow1, !overflow2 else {
                throw .storageOutOfRange(file: file, tensor: name, detail: "sizes \(view.sizes) and strides \(view.strides) overflow")
            }
            last = sum
        }
        guard count == 0 || last < view.storage.count else {
            throw .storageOutOfRange(file: file, tensor: name, detail: "offset \(view.offset), sizes \(view.sizes) and strides "
                                     + "\(view.strides) reach element \(last) of storage '\(view.storage.key)', which has "
                                     + "\(view.storage.count)")
        }
        return count
    }

    /// The elements of `view` as a contiguous `Float` tensor; `range` holds its storage's bytes.
    static func copy(_ view: TorchTensorReference, count: Int, from raw: UnsafeRawBufferPointer, _ range: Range<Int>,
                     name: String, file: String) throws(TorchCheckpointError) -> Tensor {
        let type = view.storage.type
        guard let element = type.element else {
            throw .unsupportedDType(file: file, tensor: name, storage: type.name)
        }
        let shape = Shape(view.sizes)
        guard count > 0 else { return Tensor(shape: shape, scalars: []) }
        // Rows along the last dimension (a 0-d tensor is one row of one element); outer indices
        // advance like an odometer.
        let rowLength = view.sizes.last ?? 1
        let rowStride = view.strides.last ?? 1
        let outer = Array(view.sizes.dropLast())
        let outerStrides = Array(view.strides.dropLast())
        return Tensor(shape: shape) { out in
            var index = [Int](repeating: 0, count: outer.count)
            var element0 = view.offset
            var written = 0
            while written < count {
                TorchStorageType.convert(element, raw, start: range.lowerBound + element0 * type.elementSize,
                                         stride: rowStride, count: rowLength, into: out.baseAddress! + written)
                written += rowLength
                // Wrapping arithmetic: a size-1 axis may have any stride (even near Int.max), which is
                // added and taken back; every position read lies inside the checked extent.
                var axis = outer.count - 1
                while axis >= 0 {
                    index[axis] += 1
                    element0 &+= outerStrides[axis]
                    if index[axis] < outer[axis] { break }
                    element0 &-= outerStrides[axis] &* outer[axis]
                    index[axis] = 0
                    axis -= 1
                }
            }
        }
    }
}
