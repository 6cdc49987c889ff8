/// Why a PyTorch checkpoint was not read. Each description names the file (and the tensor,
/// storage, global or opcode concerned) and says what to do; nothing in a refused file was run.
package enum TorchCheckpointError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Nothing at this path.
    case fileNotFound(file: String)
    /// The file exists but could not be read.
    case unreadable(file: String, reason: String)
    /// Neither of the two formats `torch.save` writes; `found` says what the file starts with.
    case notATorchCheckpoint(file: String, found: String)
    /// The pickle imports a global outside the few that rebuild tensors (`os.system`, a class).
    case forbiddenGlobal(file: String, module: String, name: String)
    /// A pickle opcode a `state_dict` never needs (`INST`, `OBJ`, …), at a byte offset of the pickle.
    case unsupportedOpcode(file: String, opcode: UInt8, offset: Int)
    /// The pickle stacks more values or marks than any `state_dict` does.
    case tooDeep(file: String, limit: Int)
    /// A size in the file claims more than the file holds.
    case tooLarge(file: String, detail: String)
    /// The file ends inside a structure (a pickle, a string, a storage).
    case truncated(file: String, detail: String)
    /// A structure is inconsistent (a bad zip directory, a memo reference to nothing, …).
    case malformed(file: String, detail: String)
    /// Valid, but a feature this reader does not implement (big-endian data, compressed entries).
    case unsupported(file: String, detail: String)
    /// A tensor reaches outside its storage (offset, sizes and strides).
    case storageOutOfRange(file: String, tensor: String, detail: String)
    /// A tensor whose element type has no `Float` reading (complex, quantized).
    case unsupportedDType(file: String, tensor: String, storage: String)
    /// The file holds something other than a dictionary of tensors (a list, a whole training checkpoint).
    case notAStateDict(file: String, found: String)
    /// The `state_dict` does not fit the model it is loaded into: `key` is the file's tensor (or the
    /// model's parameter) concerned.
    case mappingMismatch(file: String, key: String, detail: String)

    package var description: String {
        switch self {
        case let .fileNotFound(file):
            return "PyTorch checkpoint \(file) does not exist: check the path (`bash .ci/install-deps --weights` "
                + "fetches EfficientNet-Lite0's weights into ~/.cache/finetune)"
        case let .unreadable(file, reason):
            return "could not read PyTorch checkpoint \(file): \(reason)"
        case let .notATorchCheckpoint(file, found):
            return "\(file) is not a PyTorch checkpoint (\(found)): pass a file written by torch.save "
                + "(a zip archive with data.pkl, or the legacy stream of pickles)"
        case let .forbiddenGlobal(file, module, name):
            return "\(file): refused to import \(module).\(name): a checkpoint is read as a state_dict, whose pickle "
                + "may name only collections.OrderedDict, torch._utils._rebuild_tensor_v2 / _rebuild_parameter and "
                + "torch.<Type>Storage; nothing in the file was run. If it is your own file, re-save its weights with "
                + "torch.save(model.state_dict(), path)"
        case let .unsupportedOpcode(file, opcode, offset):
            let name = PickleOpcode.name(of: opcode).map { " (\($0))" } ?? ""
            return "\(file): pickle opcode 0x\(String(opcode, radix: 16))\(name) at byte \(offset) of the pickle is "
                + "not one a state_dict needs; refused without running it. Re-save the weights with "
                + "torch.save(model.state_dict(), path)"
        case let .tooDeep(file, limit):
            return "\(file): the pickle stacks more than \(limit) values or marks, far more than a state_dict "
                + "needs; refused (the file is damaged or hostile)"
        case let .tooLarge(file, detail):
            return "\(file): \(detail); refused before allocating it (the file is damaged or hostile)"
        case let .truncated(file, detail):
            return "\(file) is cut short: \(detail). Download or copy it again"
        case let .malformed(file, detail):
            return "\(file) is damaged: \(detail)"
        case let .unsupported(file, detail):
            return "\(file): \(detail)"
        case let .storageOutOfRange(file, tensor, detail):
            return "\(file): tensor '\(tensor)' reaches outside its storage (\(detail)); the file is damaged or hostile"
        case let .unsupportedDType(file, tensor, storage):
            return "\(file): tensor '\(tensor)' is stored as \(storage), which has no Float32 reading; convert it "
                + "in PyTorch (tensor.float()) and save the state_dict again"
        case let .notAStateDict(file, found):
            return "\(file) is not a state_dict (a dictionary of tensor names to tensors): it holds \(found). Save "
                + "model.state_dict() with torch.save (from a training checkpoint dictionary, the entry holding it)"
        case let .mappingMismatch(file, key, detail):
            return "\(file): '\(key)': \(detail)"
        }
    }
}
