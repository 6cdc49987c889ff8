/// The pickle opcodes (Python's `pickletools`) that `torch.save` writes for a `state_dict`, with
/// protocols 2 to 5: the only ones ``TorchUnpickler`` executes. Every other opcode — among them
/// `INST`, `OBJ`, `NEWOBJ` and `EXT*`, which build arbitrary objects — is refused by byte value.
enum PickleOpcode: UInt8 {
    case proto = 0x80            // PROTO n
    case frame = 0x95            // FRAME 8-byte length (protocol 4: a hint, ignored)
    case stop = 0x2E             // .
    case mark = 0x28             // (
    case emptyDict = 0x7D        // }
    case emptyList = 0x5D        // ]
    case emptyTuple = 0x29       // )
    case tuple = 0x74            // t: the items since the last mark
    case tuple1 = 0x85
    case tuple2 = 0x86
    case tuple3 = 0x87
    case none = 0x4E             // N
    case newTrue = 0x88
    case newFalse = 0x89
    case binInt = 0x4A           // J: 4-byte signed
    case binInt1 = 0x4B          // K: 1-byte unsigned
    case binInt2 = 0x4D          // M: 2-byte unsigned
    case long1 = 0x8A            // 1-byte length, little-endian two's complement
    case long4 = 0x8B            // 4-byte length, same
    case binFloat = 0x47         // G: 8-byte big-endian double
    case binUnicode = 0x58       // X: 4-byte length, UTF-8
    case shortBinUnicode = 0x8C  // 1-byte length
    case binUnicode8 = 0x8D      // 8-byte length
    case global = 0x63           // c: "module\nname\n"
    case stackGlobal = 0x93      // module and name from the stack
    case reduce = 0x52           // R: callable(*args)
    case build = 0x62            // b: object.__setstate__(state)
    case setItem = 0x73          // s
    case setItems = 0x75         // u
    case append = 0x61           // a
    case appends = 0x65          // e
    case binPersId = 0x51        // Q: persistent id (torch: a storage)
    case binPut = 0x71           // q: memo[1-byte index] = top
    case longBinPut = 0x72       // r: 4-byte index
    case memoize = 0x94          // memo[len(memo)] = top
    case binGet = 0x68           // h
    case longBinGet = 0x6A       // j

    /// `pickletools`' name of any opcode byte this reader refuses, for error messages.
    static func name(of byte: UInt8) -> String? {
        let names: [UInt8: String] = [
            0x69: "INST", 0x6F: "OBJ", 0x81: "NEWOBJ", 0x92: "NEWOBJ_EX", 0x82: "EXT1", 0x83: "EXT2", 0x84: "EXT4",
            0x50: "PERSID", 0x49: "INT", 0x4C: "LONG", 0x46: "FLOAT", 0x53: "STRING", 0x54: "BINSTRING",
            0x55: "SHORT_BINSTRING", 0x56: "UNICODE", 0x42: "BINBYTES", 0x43: "SHORT_BINBYTES",
            0x8E: "BINBYTES8", 0x96: "BYTEARRAY8", 0x97: "NEXT_BUFFER", 0x98: "READONLY_BUFFER",
            0x30: "POP", 0x31: "POP_MARK", 0x32: "DUP", 0x67: "GET", 0x70: "PUT", 0x6C: "LIST", 0x64: "DICT",
            0x8F: "EMPTY_SET", 0x90: "ADDITEMS", 0x91: "FROZENSET",
        ]
        return names[byte]
    }
}
