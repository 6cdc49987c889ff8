/// The globals a `state_dict`'s pickle may name; anything else is refused where it is named.
enum TorchGlobal: Equatable, Sendable, CustomStringConvertible {
    /// `collections.OrderedDict` (a state_dict, and the empty backward hooks of each tensor).
    case orderedDict
    /// `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata])`.
    case rebuildTensor
    /// `torch._utils._rebuild_parameter(data, requires_grad, hooks)`: an `nn.Parameter`, read as its data.
    case rebuildParameter
    /// `torch.<Name>Storage`, the element type in a persistent id.
    case storageType(TorchStorageType)

    init?(module: String, name: String) {
        switch (module, name) {
        case ("collections", "OrderedDict"): self = .orderedDict
        case ("torch._utils", "_rebuild_tensor_v2"): self = .rebuildTensor
        case ("torch._utils", "_rebuild_parameter"): self = .rebuildParameter
        case ("torch", _):
            guard let type = TorchStorageType.named(name) else { return nil }
            self = .storageType(type)
        default: return nil
        }
    }

    var description: String {
        switch self {
        case .orderedDict: return "collections.OrderedDict"
        case .rebuildTensor: return "torch._utils._rebuild_tensor_v2"
        case .rebuildParameter: return "torch._utils._rebuild_parameter"
        case let .storageType(type): return "torch.\(type.name)"
        }
    }
}
