/// A value on ``TorchUnpickler``'s stack or in its memo: a scalar, or a reference to an object in
/// its heap.
///
/// Containers never hold each other directly: a tuple, list or dictionary lives in the heap and
/// holds `PickleValue`s, whose references are heap indices. So no value is recursive — a pickle
/// nesting tuples 100 000 deep, or a list appended into itself, builds a flat array — and freeing
/// it never recurses (a recursive enum would free a deep nesting by recursion and overflow the
/// stack). Mutation through the memo (`BINGET` a dictionary, then `SETITEM`) changes the one heap
/// object every reference sees, as in Python.
enum PickleValue: Equatable, Sendable {
    case none
    case bool(Bool)
    case int(Int)
    /// An integer wider than 64 bits, as little-endian two's-complement bytes (torch's magic number).
    case bigInt([UInt8])
    case float(Double)
    case string(String)
    /// An index into the unpickler's heap.
    case object(Int)
}

/// An object in ``TorchUnpickler``'s heap.
enum PickleObject: Sendable {
    case tuple([PickleValue])
    case list([PickleValue])
    /// A `dict` or `collections.OrderedDict`: its items in insertion order (duplicates resolved by
    /// the reader, the last value at the first key's position, as Python does).
    case dict([(key: PickleValue, value: PickleValue)])
    /// One of the globals the unpickler accepts.
    case global(TorchGlobal)
    /// A storage named by a persistent id.
    case storage(TorchStorageReference)
    /// A tensor rebuilt by `torch._utils._rebuild_tensor_v2`.
    case tensor(TorchTensorReference)

    /// What the object is, in a few words, for error messages.
    var kind: String {
        switch self {
        case .tuple: return "a tuple"
        case .list: return "a list"
        case .dict: return "a dict"
        case let .global(global): return global.description
        case .storage: return "a storage"
        case .tensor: return "a tensor"
        }
    }
}
