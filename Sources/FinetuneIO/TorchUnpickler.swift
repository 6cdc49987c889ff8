/// A pickle reader that executes nothing: it knows the opcodes `torch.save` writes for a
/// `state_dict` (``PickleOpcode``) and the globals that rebuild tensors (``TorchGlobal``), and
/// builds plain values from them. Any other opcode or global is refused at the byte that names it;
/// "calling" an accepted global only records its arguments (a tensor is a storage key, an offset,
/// sizes and strides — its bytes are read later by ``TorchCheckpoint``).
///
/// Resources are bounded by the input: every opcode reads its argument only after checking it is
/// there, lengths are compared with the bytes left before anything is allocated, the stack and the
/// marks hold at most ``maximumDepth`` entries, and the heap and memo at most ``maximumObjects``.
/// Persistent ids (torch's storages) must name a storage no larger than `fileSize` bytes.
struct TorchUnpickler {
    /// More than any `state_dict` stacks: Python's pickler batches `SETITEMS` by 1 000 items.
    static let maximumDepth = 1 << 14
    /// Heap objects and memo entries (a tensor takes about eight).
    static let maximumObjects = 1 << 22

    let file: String
    let fileSize: Int
    private(set) var position: Int
    /// Where the pickle starts: error messages give offsets from there.
    private let origin: Int
    private let end: Int
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]
    /// The objects the values refer to.
    private(set) var heap: [PickleObject] = []
    /// Every storage a persistent id named, in first-named order.
    private(set) var storages: [TorchStorageReference] = []
    private var storageIndex: [String: Int] = [:]

    /// A reader of the pickle starting at `start` in a buffer of `end` bytes (`fileSize`: the
    /// size of the whole file, which bounds the storages a persistent id may claim).
    init(file: String, fileSize: Int, start: Int, end: Int) {
        self.file = file
        self.fileSize = fileSize
        position = start
        origin = start
        self.end = end
    }

    /// The object `value` refers to, if it is a reference.
    func object(_ value: PickleValue) -> PickleObject? {
        guard case let .object(index) = value else { return nil }
        return heap[index]
    }

    /// Runs the pickle at the current position up to its `STOP` and returns the value it leaves.
    /// The position is then just past the `STOP`.
    mutating func load(_ bytes: UnsafeRawBufferPointer) throws(TorchCheckpointError) -> PickleValue {
        stack.removeAll()
        marks.removeAll()
        memo.removeAll()
        while true {
            let at = position - origin
            let byte = try readByte(bytes, "an opcode")
            guard let opcode = PickleOpcode(rawValue: byte) else {
                throw .unsupportedOpcode(file: file, opcode: byte, offset: at)
            }
            if opcode == .stop {
                guard let value = stack.popLast() else { throw malformed("STOP with an empty stack", at) }
                return value
            }
            try execute(opcode, at: at, bytes)
        }
    }

    // MARK: - Opcodes

    private mutating func execute(_ opcode: PickleOpcode, at: Int, _ bytes: UnsafeRawBufferPointer)
        throws(TorchCheckpointError) {
        switch opcode {
        case .proto:
            let version = try readByte(bytes, "PROTO's version")
            guard version <= 5 else {
                throw .unsupported(file: file, detail: "pickle protocol \(version) (at byte \(at)) is newer than 5, "
                                   + "the highest this reader knows; save with torch.save's default protocol")
            }
        case .frame:
            _ = try readInteger(bytes, width: 8, "FRAME's length")
        case .stop:
            break  // handled by load
        case .mark:
            guard marks.count < Self.maximumDepth else { throw .tooDeep(file: file, limit: Self.maximumDepth) }
            marks.append(stack.count)
        case .emptyDict: try push(newObject(.dict([]), at))
        case .emptyList: try push(newObject(.list([]), at))
        case .emptyTuple: try push(newObject(.tuple([]), at))
        case .tuple: try push(newObject(.tuple(try popToMark(at)), at))
        case .tuple1, .tuple2, .tuple3:
            let count = Int(opcode.rawValue - PickleOpcode.tuple1.rawValue) + 1
            guard stack.count - (marks.last ?? 0) >= count else { throw malformed("TUPLE\(count) on \(stack.count) values", at) }
            let items = Array(stack.suffix(count))
            stack.removeLast(count)
            try push(newObject(.tuple(items), at))
        case .none: try push(.none)
        case .newTrue: try push(.bool(true))
        case .newFalse: try push(.bool(false))
        case .binInt: try push(.int(Int(Int32(truncatingIfNeeded: try readInteger(bytes, width: 4, "BININT")))))
        case .binInt1: try push(.int(Int(try readByte(bytes, "BININT1"))))
        case .binInt2: try push(.int(Int(try readInteger(bytes, width: 2, "BININT2"))))
        case .long1: try push(try readLong(bytes, length: Int(try readByte(bytes, "LONG1's length")), at))
        case .long4:
            let length = Int(Int32(truncatingIfNeeded: try readInteger(bytes, width: 4, "LONG4's length")))
            try push(try readLong(bytes, length: length, at))
        case .binFloat:
            let bits = try readInteger(bytes, width: 8, "BINFLOAT")
            try push(.float(Double(bitPattern: bits.byteSwapped)))  // big-endian in the pickle
        case .binUnicode: try push(.string(try readString(bytes, length: try readInteger(bytes, width: 4, "BINUNICODE's length"), at)))
        case .shortBinUnicode: try push(.string(try readString(bytes, length: UInt64(try readByte(bytes, "SHORT_BINUNICODE's length")), at)))
        case .binUnicode8: try push(.string(try readString(bytes, length: try readInteger(bytes, width: 8, "BINUNICODE8's length"), at)))
        case .global:
            let module = try readLine(bytes, at)
            let name = try readLine(bytes, at)
            try push(newObject(.global(try resolve(module: module, name: name)), at))
        case .stackGlobal:
            guard case let .string(name) = try pop(at), case let .string(module) = try pop(at) else {
                throw malformed("STACK_GLOBAL without a module and a name", at)
            }
            try push(newObject(.global(try resolve(module: module, name: name)), at))
        case .reduce:
            let arguments = try pop(at)
            let callable = try pop(at)
            try push(try call(callable, arguments, at))
        case .build:
            let state = try pop(at)
            guard let target = stack.last, case .dict = object(target) else {
                throw malformed("BUILD on \(describe(stack.last)) (only a state_dict's OrderedDict takes a state)", at)
            }
            _ = state  // an OrderedDict's attributes (a state_dict's `_metadata`) carry no tensors
        case .setItem:
            let value = try pop(at)
            let key = try pop(at)
            try insert([(key, value)], at)
        case .setItems:
            let items = try popToMark(at)
            guard items.count % 2 == 0 else { throw malformed("SETITEMS with an odd number of values", at) }
            try insert(stride(from: 0, to: items.count, by: 2).map { (items[$0], items[$0 + 1]) }, at)
        case .append:
            let item = try pop(at)
            try extend([item], at)
        case .appends:
            try extend(try popToMark(at), at)
        case .binPersId:
            try push(try persistentLoad(try pop(at), at))
        case .binPut: try store(Int(try readByte(bytes, "BINPUT")), at)
        case .longBinPut: try store(Int(try readInteger(bytes, width: 4, "LONG_BINPUT")), at)
        case .memoize: try store(memo.count, at)
        case .binGet: try push(try recall(Int(try readByte(bytes, "BINGET")), at))
        case .longBinGet: try push(try recall(Int(try readInteger(bytes, width: 4, "LONG_BINGET")), at))
        }
    }

    // MARK: - Stack, memo and heap

    private mutating func push(_ value: PickleValue) throws(TorchCheckpointError) {
        guard stack.count < Self.maximumDepth else { throw .tooDeep(file: file, limit: Self.maximumDepth) }
        stack.append(value)
    }

    private mutating func pop(_ at: Int) throws(TorchCheckpointError) -> PickleValue {
        guard stack.count > (marks.last ?? 0), let value = stack.popLast() else {
            throw malformed("an opcode takes a value from an empty stack", at)
        }
        return value
    }

    private mutating func popToMark(_ at: Int) throws(TorchCheckpointError) -> [PickleValue] {
        guard let mark = marks.popLast() else { throw malformed("an opcode needs a MARK and there is none", at) }
        let items = Array(stack[mark...])
        stack.removeSubrange(mark...)
        return items
    }

    private mutating func newObject(_ object: PickleObject, _ at: Int) throws(TorchCheckpointError) -> PickleValue {
        guard heap.count < Self.maximumObjects else {
            throw .tooLarge(file: file, detail: "the pickle builds more than \(Self.maximumObjects) objects (at byte \(at))")
        }
        heap.append(object)
        return .object(heap.count - 1)
    }

    private mutating func store(_ index: Int, _ at: Int) throws(TorchCheckpointError) {
        guard let top = stack.last, stack.count > (marks.last ?? 0) else { throw malformed("memo store from an empty stack", at) }
        guard memo.count < Self.maximumObjects || memo[index] != nil else {
            throw .tooLarge(file: file, detail: "the pickle memoizes more than \(Self.maximumObjects) values (at byte \(at))")
        }
        memo[index] = top
    }

    private func recall(_ index: Int, _ at: Int) throws(TorchCheckpointError) -> PickleValue {
        guard let value = memo[index] else { throw malformed("memo entry \(index) is read before it is written", at) }
        return value
    }

    private mutating func insert(_ items: [(PickleValue, PickleValue)], _ at: Int) throws(TorchCheckpointError) {
        guard let target = stack.last, case let .object(index) = target, case var .dict(pairs) = heap[index] else {
            throw malformed("SETITEM(S) on \(describe(stack.last))", at)
        }
        heap[index] = .list([])  // drop the heap's reference so that appending does not copy the items
        for (key, value) in items { pairs.append((key: key, value: value)) }
        heap[index] = .dict(pairs)
    }

    private mutating func extend(_ items: [PickleValue], _ at: Int) throws(TorchCheckpointError) {
        guard let target = stack.last, case let .object(index) = target, case var .list(values) = heap[index] else {
            throw malformed("APPEND(S) on \(describe(stack.last))", at)
        }
        heap[index] = .tuple([])
        values.append(contentsOf: items)
        heap[index] = .list(values)
    }

    // MARK: - Globals, calls and persistent ids

    private func resolve(module: String, name: String) throws(TorchCheckpointError) -> TorchGlobal {
        guard let global = TorchGlobal(module: module, name: name) else {
            throw .forbiddenGlobal(file: file, module: module, name: name)
        }
        return global
    }

    /// REDUCE: what calling an accepted global would build, from its arguments alone.
    private mutating func call(_ callable: PickleValue, _ arguments: PickleValue, _ at: Int)
        throws(TorchCheckpointError) -> PickleValue {
        guard case let .global(global)? = object(callable) else {
            throw malformed("REDUCE calls \(describe(callable)), not a global", at)
        }
        guard case let .tuple(args)? = object(arguments) else {
            throw malformed("REDUCE calls \(global) with \(describe(arguments)) instead of an argument tuple", at)
        }
        switch global {
        case .orderedDict:
            guard args.isEmpty else { throw malformed("collections.OrderedDict called with \(args.count) arguments", at) }
            return try newObject(.dict([]), at)
        case .rebuildTensor:
            guard args.count == 6 || args.count == 7, case let .storage(storage)? = object(args[0]),
                  case let .int(offset) = args[1], let sizes = integers(args[2]), let strides = integers(args[3]),
                  sizes.count == strides.count else {
                throw malformed("torch._utils._rebuild_tensor_v2 called with arguments other than (storage, offset, "
                                + "size, stride, requires_grad, backward_hooks[, metadata])", at)
            }
            if args.count == 7, args[6] != .none {
                guard case let .dict(items)? = object(args[6]), items.isEmpty else {
                    throw .unsupported(file: file, detail: "a tensor carries metadata (conjugate or negative bit) at byte \(at); "
                                       + "save tensor.resolve_conj().resolve_neg() instead")
                }
            }
            return try newObject(.tensor(TorchTensorReference(storage: storage, offset: offset, sizes: sizes,
                                                              strides: strides)), at)
        case .rebuildParameter:
            guard args.count == 3, case .tensor? = object(args[0]) else {
                throw malformed("torch._utils._rebuild_parameter called without a tensor", at)
            }
            return args[0]
        case .storageType:
            throw malformed("REDUCE calls \(global), which is only a storage type", at)
        }
    }

    /// The integers of a tuple of integers, or `nil`.
    private func integers(_ value: PickleValue) -> [Int]? {
        guard case let .tuple(items)? = object(value) else { return nil }
        var out: [Int] = []
        for item in items {
            guard case let .int(n) = item else { return nil }
            out.append(n)
        }
        return out
    }

    /// BINPERSID: torch's `("storage", torch.FloatStorage, key, location, count[, None])`.
    private mutating func persistentLoad(_ id: PickleValue, _ at: Int) throws(TorchCheckpointError) -> PickleValue {
        guard case let .tuple(items)? = object(id), items.count == 5 || items.count == 6,
              items[0] == .string("storage"), case let .global(.storageType(type))? = object(items[1]),
              case let .string(key) = items[2], case .string = items[3], case let .int(count) = items[4], count >= 0 else {
            throw malformed("a persistent id other than (\"storage\", torch.<Type>Storage, key, location, count)", at)
        }
        if items.count == 6, items[5] != .none {
            throw .unsupported(file: file, detail: "storage '\(key)' is a view of another storage, a layout of torch "
                               + "before 1.0; load and save the file with a current torch")
        }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: type.elementSize)
        guard !overflow, bytes <= fileSize else {
            throw .tooLarge(file: file, detail: "storage '\(key)' claims \(count) elements of \(type.elementSize) bytes, "
                            + "the whole file holds \(fileSize) bytes")
        }
        let reference = TorchStorageReference(key: key, type: type, count: count)
        if let index = storageIndex[key] {
            guard storages[index] == reference else {
                throw malformed("storage '\(key)' is named as \(storages[index].type.name) of \(storages[index].count) "
                                + "elements and as \(type.name) of \(count)", at)
            }
        } else {
            storageIndex[key] = storages.count
            storages.append(reference)
        }
        return try newObject(.storage(reference), at)
    }

    // MARK: - Reading bytes

    private mutating func readByte(_ bytes: UnsafeRawBufferPointer, _ what: String) throws(TorchCheckpointError) -> UInt8 {
        guard position < end else { throw .truncated(file: file, detail: "the pickle ends before \(what) (byte \(position - origin))") }
        defer { position += 1 }
        return bytes[position]
    }

    /// A little-endian unsigned integer of `width` bytes.
    private mutating func readInteger(_ bytes: UnsafeRawBufferPointer, width: Int, _ what: String)
        throws(TorchCheckpointError) -> UInt64 {
        guard end - position >= width else { throw .truncated(file: file, detail: "the pickle ends inside \(what) (byte \(position - origin))") }
        var value: UInt64 = 0
        for k in 0..<width { value |= UInt64(bytes[position + k]) << (8 * UInt64(k)) }
        position += width
        return value
    }

    private mutating func readString(_ bytes: UnsafeRawBufferPointer, length: UInt64, _ at: Int)
        throws(TorchCheckpointError) -> String {
        guard length <= UInt64(end - position) else {
            throw .truncated(file: file, detail: "a string at byte \(at) of the pickle claims \(length) bytes, "
                             + "\(end - position) remain")
        }
        let range = position..<(position + Int(length))
        position = range.upperBound
        guard let string = String(validating: bytes[range], as: UTF8.self) else {
            throw malformed("a string that is not UTF-8", at)
        }
        return string
    }

    /// GLOBAL's module or name: text up to a newline.
    private mutating func readLine(_ bytes: UnsafeRawBufferPointer, _ at: Int) throws(TorchCheckpointError) -> String {
        let limit = min(end, position + 1024)
        guard let newline = (position..<limit).first(where: { bytes[$0] == 0x0A }) else {
            throw malformed("GLOBAL without a module and a name ended by newlines", at)
        }
        let range = position..<newline
        position = newline + 1
        guard let line = String(validating: bytes[range], as: UTF8.self) else { throw malformed("a GLOBAL name that is not UTF-8", at) }
        return line
    }

    /// LONG1 / LONG4: up to 8 bytes as `.int`, up to 64 as `.bigInt`.
    private mutating func readLong(_ bytes: UnsafeRawBufferPointer, length: Int, _ at: Int)
        throws(TorchCheckpointError) -> PickleValue {
        guard (0...64).contains(length) else {
            throw malformed("an integer of \(length) bytes (a state_dict's fit in 8)", at)
        }
        guard end - position >= length else { throw .truncated(file: file, detail: "the pickle ends inside an integer (byte \(at))") }
        let digits = Array(bytes[position..<(position + length)])
        position += length
        guard length <= 8 else { return .bigInt(digits) }
        guard length > 0 else { return .int(0) }
        var value: UInt64 = digits.last! & 0x80 != 0 ? ~0 : 0  // sign extension
        for (k, byte) in digits.enumerated() {
            value &= ~(0xFF << (8 * UInt64(k)))
            value |= UInt64(byte) << (8 * UInt64(k))
        }
        return .int(Int(Int64(bitPattern: value)))
    }

    // MARK: - Messages

    private func malformed(_ detail: String, _ at: Int) -> TorchCheckpointError {
        .malformed(file: file, detail: "\(detail) (pickle opcode at byte \(at))")
    }

    /// A value in a few words, for error messages.
    func describe(_ value: PickleValue?) -> String {
        switch value {
        case nil: return "nothing"
        case .none?: return "None"
        case let .bool(b)?: return "the bool \(b ? "True" : "False")"
        case let .int(n)?: return "the integer \(n)"
        case .bigInt?: return "a large integer"
        case let .float(x)?: return "the float \(x)"
        case let .string(s)?: return "the string '\(s.prefix(40))'"
        case let .object(index)?: return heap[index].kind
        }
    }
}
