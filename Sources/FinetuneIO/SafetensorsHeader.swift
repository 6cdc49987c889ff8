/// The header of a safetensors file (Hugging Face's format for tensors that cannot run code on
/// load: https://github.com/huggingface/safetensors), parsed and checked before any tensor is read.
///
/// Layout: an unsigned 64-bit little-endian length N; N bytes of UTF-8 JSON, starting with `{`,
/// optionally padded with spaces; then the byte buffer. The JSON object maps each tensor name to
/// `{"dtype": "F32", "shape": [3, 3, 3, 64], "data_offsets": [begin, end]}` (offsets into the byte
/// buffer, end exclusive); the optional member `__metadata__` maps strings to strings. The format's
/// rules, all enforced here: no name twice; every size a non-negative integer; `end - begin` equal
/// to the element count times the dtype's size; the tensors cover the byte buffer exactly, with
/// neither holes nor overlaps; the header at most 100 MB (the reference implementation's limit).
/// What is refused names the file and, where there is one, the tensor.
///
/// Memory is bounded by the file: nothing is allocated from a size the file states before that
/// size is checked against the file's length.
struct SafetensorsHeader {
    /// Element types of the format. Finetune keeps weights as F32; F16, BF16 and F64 are
    /// converted on reading, the others refused.
    enum DType: String, CaseIterable {
        case BOOL, U8, I8, F8_E5M2, F8_E4M3, F8_E8M0, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64, C64
        case F4, F6_E2M3, F6_E3M2

        /// Bits per element (the 4- and 6-bit floats are packed).
        var bits: Int {
            switch self {
            case .F4: return 4
            case .F6_E2M3, .F6_E3M2: return 6
            case .BOOL, .U8, .I8, .F8_E5M2, .F8_E4M3, .F8_E8M0: return 8
            case .I16, .U16, .F16, .BF16: return 16
            case .I32, .U32, .F32: return 32
            case .F64, .I64, .U64, .C64: return 64
            }
        }

        /// Whether Finetune reads it (as Float32).
        var isReadable: Bool { [.F32, .F16, .BF16, .F64].contains(self) }
    }

    /// One tensor's entry.
    struct Entry: Equatable {
        var name: String
        var dtype: DType
        var shape: [Int]
        /// Byte range within the byte buffer (which starts at ``SafetensorsHeader/bufferStart``).
        var begin: Int
        var end: Int
    }

    static let maximumHeaderLength = 100_000_000
    static let metadataKey = "__metadata__"

    /// The file's path, for messages.
    var file: String
    /// `__metadata__`, empty when the file has none.
    var metadata: [String: String]
    /// Every tensor, in byte-buffer order.
    var entries: [Entry]
    /// Where the byte buffer starts in the file: 8 + N.
    var bufferStart: Int

    /// Parses and checks the header of a file of `fileSize` bytes whose first bytes are `head`
    /// (at least the first 8 + N, or all of the file).
    init(head: UnsafeRawBufferPointer, fileSize: Int, file: String) throws {
        self.file = file
        func fail(_ tensor: String?, _ problem: String) -> KerasWeightsError {
            .malformedSafetensors(file: file, tensor: tensor, problem: problem)
        }
        guard fileSize >= 8, head.count >= 8 else {
            throw fail(nil, "the file is \(fileSize) bytes long, shorter than the 8-byte header length it must start with")
        }
        var length: UInt64 = 0
        for i in 0..<8 { length |= UInt64(head[i]) << (8 * UInt64(i)) }
        guard length <= UInt64(fileSize - 8) else {
            throw fail(nil, "its first 8 bytes give a header length of \(length) bytes, but only \(fileSize - 8) bytes follow "
                + "(a file cut short, or not a safetensors file)")
        }
        guard length <= UInt64(Self.maximumHeaderLength) else {
            throw fail(nil, "the header is \(length) bytes long; safetensors headers are at most \(Self.maximumHeaderLength) bytes")
        }
        let headerLength = Int(length)
        guard head.count >= 8 + headerLength else {
            throw fail(nil, "only \(head.count) of the header's \(8 + headerLength) bytes were read")
        }
        bufferStart = 8 + headerLength
        let text = UnsafeRawBufferPointer(rebasing: head[8..<bufferStart])
        guard text.first == UInt8(ascii: "{") else {
            throw fail(nil, text.isEmpty ? "the header is empty; it must be a JSON object"
                : "the header does not start with '{' (a safetensors header is a JSON object)")
        }
        let json: StrictJSON
        do { json = try StrictJSON.parse(text) } catch {
            throw fail(nil, "the header is not valid JSON: \(error.reason) (byte \(8 + error.offset) of the file)")
        }
        guard case let .object(members) = json else { throw fail(nil, "the header is \(json.kindName), not a JSON object") }

        var seen = Set<String>()
        var metadata: [String: String] = [:]
        var entries: [Entry] = []
        let bufferLength = fileSize - bufferStart
        for member in members {
            let (name, value) = (member.key, member.value)
            guard seen.insert(name).inserted else {
                throw fail(name, "the header names it twice (safetensors forbids duplicate names)")
            }
            if name == Self.metadataKey {
                guard case let .object(pairs) = value else {
                    throw fail(nil, "__metadata__ is \(value.kindName); it must be an object of strings")
                }
                for pair in pairs {
                    let (key, item) = (pair.key, pair.value)
                    guard case let .string(string) = item else {
                        throw fail(nil, "__metadata__ member '\(key)' is \(item.kindName); every value must be a string")
                    }
                    guard metadata.updateValue(string, forKey: key) == nil else {
                        throw fail(nil, "__metadata__ names '\(key)' twice")
                    }
                }
                continue
            }
            entries.append(try Self.entry(name, value, bufferLength: bufferLength, file: file))
        }

        // The tensors must tile the byte buffer: sorted by offset, each starts where the last ended.
        entries.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var covered = 0
        var previous: String?
        for entry in entries {
            if entry.begin < covered {
                throw fail(entry.name, "its bytes \(entry.begin)..<\(entry.end) overlap those of '\(previous ?? "")' (…<\(covered))")
            }
            if entry.begin > covered {
                throw fail(entry.name, "its bytes start at \(entry.begin), but the tensor before it"
                    + (previous.map { " ('\($0)')" } ?? "") + " ends at \(covered): safetensors forbids holes in the byte buffer")
            }
            covered = entry.end
            previous = entry.name
        }
        guard covered == bufferLength else {
            throw fail(nil, "the tensors cover \(covered) bytes of the \(bufferLength)-byte buffer after the header: "
                + "safetensors forbids bytes no tensor uses (a file with extra data appended?)")
        }
        self.metadata = metadata
        self.entries = entries
    }

    /// One tensor's `{"dtype", "shape", "data_offsets"}`, checked against the buffer's length.
    private static func entry(_ name: String, _ value: StrictJSON, bufferLength: Int, file: String) throws -> Entry {
        let problem = Problem(file: file, tensor: name)
        guard case let .object(fields) = value else { throw problem("its entry is \(value.kindName), not an object") }
        guard case let .string(dtypeName) = try field("dtype", of: fields, problem) else {
            throw problem("\"dtype\" is not a string")
        }
        guard let dtype = DType(rawValue: dtypeName) else {
            throw problem("its dtype '\(dtypeName.prefix(40))' is not a safetensors dtype ("
                + DType.allCases.map(\.rawValue).joined(separator: ", ") + ")")
        }
        let shape = try integers("shape", of: fields, problem)
        let offsets = try integers("data_offsets", of: fields, problem)
        guard offsets.count == 2 else { throw problem("\"data_offsets\" holds \(offsets.count) numbers; it must be [begin, end]") }
        let (begin, end) = (offsets[0], offsets[1])
        guard begin <= end else { throw problem("its data_offsets [\(begin), \(end)] end before they begin") }
        guard end <= bufferLength else {
            throw problem("its data_offsets [\(begin), \(end)] reach past the \(bufferLength)-byte buffer after the header "
                + "(a file cut short?)")
        }
        // Bits of the whole tensor, with every product checked for overflow (dimensions are at
        // most 2⁵³, so a product of two never overflows unnoticed). A zero dimension makes an empty
        // tensor, however large the others.
        var bits = shape.contains(0) ? 0 : dtype.bits
        for dimension in shape where bits > 0 {
            let (product, overflow) = bits.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw problem("its shape \(shape) holds more \(dtype) elements than any file can") }
            bits = product
        }
        guard bits % 8 == 0, bits / 8 == end - begin else {
            throw problem("its shape \(shape) of \(dtype) needs \(bits % 8 == 0 ? "\(bits / 8)" : "\(Double(bits) / 8)") bytes, "
                + "but its data_offsets [\(begin), \(end)] hold \(end - begin)")
        }
        return Entry(name: name, dtype: dtype, shape: shape, begin: begin, end: end)
    }

    /// Makes the error for one tensor of one file.
    private struct Problem {
        var file: String
        var tensor: String
        func callAsFunction(_ text: String) -> KerasWeightsError {
            .malformedSafetensors(file: file, tensor: tensor, problem: text)
        }
    }

    /// The one member `key` of a tensor's entry.
    private static func field(_ key: String, of fields: [StrictJSON.Member],
                              _ problem: Problem) throws -> StrictJSON {
        let found = fields.filter { $0.key == key }
        guard found.count == 1 else {
            throw problem(found.isEmpty ? "its entry has no \"\(key)\"" : "its entry gives \"\(key)\" twice")
        }
        return found[0].value
    }

    /// The member `key` as an array of non-negative integers, each at most 2⁵³ (past every file).
    private static func integers(_ key: String, of fields: [StrictJSON.Member],
                                 _ problem: Problem) throws -> [Int] {
        guard case let .array(items) = try field(key, of: fields, problem) else { throw problem("\"\(key)\" is not an array") }
        var out: [Int] = []
        for item in items {
            guard case let .number(text) = item else { throw problem("\"\(key)\" holds \(item.kindName), not an integer") }
            if text.hasPrefix("-") { throw problem("\"\(key)\" holds the negative number \(text.prefix(40))") }
            guard text.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw problem("\"\(key)\" holds \(text.prefix(40)), not an integer")
            }
            guard text.count <= 16, let n = Int(text), n <= 1 << 53 else {
                throw problem("\"\(key)\" holds \(text.prefix(40))\(text.count > 40 ? "…" : ""), larger than any file")
            }
            out.append(n)
        }
        return out
    }
}
