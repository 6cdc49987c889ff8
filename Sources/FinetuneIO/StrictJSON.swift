/// A strict JSON reader (RFC 8259) for headers of files a user hands over, where Foundation's
/// `JSONSerialization` would hide what matters: it keeps one of two equal keys silently, turns
/// integers past 2⁶³ into doubles, and accepts nesting as deep as the stack allows.
///
/// Objects keep their members in file order, duplicates included (the caller decides what a
/// repeated key means); numbers stay text; nesting deeper than ``maximumDepth`` is refused. Input
/// must be UTF-8; a string may not hold a raw control character or a lone surrogate.
enum StrictJSON {
    /// An object's member. (A struct, not a labelled tuple: Swift 6.3 reports a circular reference
    /// for a recursive enum whose payload is an array of labelled tuples, across files.)
    struct Member {
        var key: String
        var value: StrictJSON
    }

    case object([Member])
    case array([StrictJSON])
    case string(String)
    /// The number exactly as written (`-12`, `3.5e2`), checked against JSON's grammar.
    case number(String)
    case bool(Bool)
    case null

    static let maximumDepth = 64

    /// Why a text is not JSON, and the byte offset where that was found.
    struct SyntaxError: Error, Equatable, CustomStringConvertible {
        var offset: Int
        var reason: String
        var description: String { "\(reason) at byte \(offset)" }
    }

    /// Parses one JSON value filling `bytes`, surrounded by nothing but JSON whitespace.
    static func parse(_ bytes: some Collection<UInt8>) throws(SyntaxError) -> StrictJSON {
        var reader = Reader(bytes: Array(bytes))
        reader.skipWhitespace()
        let value = try reader.value(depth: 0)
        reader.skipWhitespace()
        guard reader.at == reader.bytes.count else { throw reader.error("text after the JSON value") }
        return value
    }

    /// A name for the kind of value, for messages (`an array`, `a string`).
    var kindName: String {
        switch self {
        case .object: return "an object"
        case .array: return "an array"
        case .string: return "a string"
        case .number: return "a number"
        case .bool: return "a boolean"
        case .null: return "null"
        }
    }

    /// The value as compact JSON text; strings escape quotes, backslashes and control characters only.
    var text: String {
        switch self {
        case let .object(members):
            return "{" + members.map { Self.quoted($0.key) + ":" + $0.value.text }.joined(separator: ",") + "}"
        case let .array(elements): return "[" + elements.map(\.text).joined(separator: ",") + "]"
        case let .string(s): return Self.quoted(s)
        case let .number(n): return n
        case let .bool(b): return b ? "true" : "false"
        case .null: return "null"
        }
    }

    private static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    private struct Reader {
        let bytes: [UInt8]
        var at = 0

        func error(_ reason: String) -> SyntaxError { SyntaxError(offset: at, reason: reason) }

        mutating func skipWhitespace() {
            while at < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[at]) { at += 1 }
        }

        mutating func expect(_ literal: String, _ value: StrictJSON) throws(SyntaxError) -> StrictJSON {
            let text = Array(literal.utf8)
            guard bytes.count - at >= text.count, Array(bytes[at..<(at + text.count)]) == text else {
                throw error("not a JSON value")
            }
            at += text.count
            return value
        }

        mutating func value(depth: Int) throws(SyntaxError) -> StrictJSON {
            guard at < bytes.count else { throw error("the text ends where a value should start") }
            switch bytes[at] {
            case UInt8(ascii: "{"): return try object(depth: depth + 1)
            case UInt8(ascii: "["): return try array(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): return try expect("true", .bool(true))
            case UInt8(ascii: "f"): return try expect("false", .bool(false))
            case UInt8(ascii: "n"): return try expect("null", .null)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
            default: throw error("not a JSON value")
            }
        }

        mutating func object(depth: Int) throws(SyntaxError) -> StrictJSON {
            guard depth <= StrictJSON.maximumDepth else { throw error("nested deeper than \(StrictJSON.maximumDepth) levels") }
            at += 1
            var members: [Member] = []
            skipWhitespace()
            if at < bytes.count, bytes[at] == UInt8(ascii: "}") { at += 1; return .object(members) }
            while true {
                skipWhitespace()
                guard at < bytes.count, bytes[at] == UInt8(ascii: "\"") else { throw error("expected a member name in quotes") }
                let key = try string()
                skipWhitespace()
                guard at < bytes.count, bytes[at] == UInt8(ascii: ":") else { throw error("expected ':' after member \"\(key)\"") }
                at += 1
                skipWhitespace()
                members.append(Member(key: key, value: try value(depth: depth)))
                skipWhitespace()
                guard at < bytes.count else { throw error("the text ends inside an object") }
                if bytes[at] == UInt8(ascii: "}") { at += 1; return .object(members) }
                guard bytes[at] == UInt8(ascii: ",") else { throw error("expected ',' or '}' in an object") }
                at += 1
            }
        }

        mutating func array(depth: Int) throws(SyntaxError) -> StrictJSON {
            guard depth <= StrictJSON.maximumDepth else { throw error("nested deeper than \(StrictJSON.maximumDepth) levels") }
            at += 1
            var elements: [StrictJSON] = []
            skipWhitespace()
            if at < bytes.count, bytes[at] == UInt8(ascii: "]") { at += 1; return .array(elements) }
            while true {
                skipWhitespace()
                elements.append(try value(depth: depth))
                skipWhitespace()
                guard at < bytes.count else { throw error("the text ends inside an array") }
                if bytes[at] == UInt8(ascii: "]") { at += 1; return .array(elements) }
                guard bytes[at] == UInt8(ascii: ",") else { throw error("expected ',' or ']' in an array") }
                at += 1
            }
        }

        /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, returned as written.
        mutating func number() throws(SyntaxError) -> String {
            let start = at
            func digits() -> Int {
                let from = at
                while at < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[at]) { at += 1 }
                return at - from
            }
            if bytes[at] == UInt8(ascii: "-") { at += 1 }
            guard at < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[at]) else {
                throw error("a number needs digits")
            }
            if bytes[at] == UInt8(ascii: "0") { at += 1 } else { _ = digits() }
            if at < bytes.count, bytes[at] == UInt8(ascii: ".") {
                at += 1
                guard digits() > 0 else { throw error("a number needs digits after its '.'") }
            }
            if at < bytes.count, bytes[at] == UInt8(ascii: "e") || bytes[at] == UInt8(ascii: "E") {
                at += 1
                if at < bytes.count, bytes[at] == UInt8(ascii: "+") || bytes[at] == UInt8(ascii: "-") { at += 1 }
                guard digits() > 0 else { throw error("a number needs digits in its exponent") }
            }
            return String(decoding: bytes[start..<at], as: UTF8.self)
        }

        mutating func hexQuad() throws(SyntaxError) -> UInt32 {
            guard bytes.count - at >= 4 else { throw error("\\u needs four hex digits") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let c = bytes[at]
                let digit: UInt8
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = c - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = c - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = c - UInt8(ascii: "A") + 10
                default: throw error("\\u needs four hex digits")
                }
                value = value << 4 | UInt32(digit)
                at += 1
            }
            return value
        }

        mutating func string() throws(SyntaxError) -> String {
            at += 1   // the opening quote
            var out: [UInt8] = []
            while true {
                guard at < bytes.count else { throw error("the text ends inside a string") }
                let c = bytes[at]
                if c == UInt8(ascii: "\"") { at += 1; break }
                if c < 0x20 { throw error("a raw control character (0x\(String(c, radix: 16))) inside a string") }
                if c != UInt8(ascii: "\\") { out.append(c); at += 1; continue }
                at += 1
                guard at < bytes.count else { throw error("the text ends inside a string") }
                let escape = bytes[at]
                at += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hexQuad()
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard bytes.count - at >= 2, bytes[at] == UInt8(ascii: "\\"), bytes[at + 1] == UInt8(ascii: "u") else {
                            throw error("a lone UTF-16 surrogate in a string")
                        }
                        at += 2
                        let low = try hexQuad()
                        guard (0xDC00..<0xE000).contains(low) else { throw error("a lone UTF-16 surrogate in a string") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00..<0xE000).contains(scalar) {
                        throw error("a lone UTF-16 surrogate in a string")
                    }
                    out.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar)!)).utf8))
                default:
                    throw error("an unknown escape '\\\(String(decoding: [escape], as: UTF8.self))' in a string")
                }
            }
            guard let text = String(validating: out, as: UTF8.self) else { throw error("a string that is not valid UTF-8") }
            return text
        }
    }
}
