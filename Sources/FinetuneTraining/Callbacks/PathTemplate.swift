import Foundation

/// A file path with `{field}` / `{field:spec}` placeholders filled per epoch, as Keras'
/// `ModelCheckpoint` fills its `filepath` with Python's `str.format`:
/// `"ckpt/phase{phase}-{epoch:03d}-{val_loss:.2f}.ftckpt"` → `ckpt/phase2-031-0.27.ftckpt`.
///
/// Fields: `epoch`, `phase` (integers; `epoch` 1-based as in Keras' file names), `loss`, `acc`,
/// `val_loss`, `val_acc`, `lr` (numbers). Specs (a subset of Python's): `[0][width][.precision][type]`
/// with type `d` (integers only), `f`, `e`, `g`; a number without a spec is written as Python's
/// `str` would (`0.6931`), so Keras templates give the same names. `{{` and `}}` are literal braces.
package struct PathTemplate: Sendable, Equatable, CustomStringConvertible {
    /// The template as written.
    package let template: String
    private let parts: [Part]

    enum Part: Sendable, Equatable {
        case literal(String)
        case field(Field, Spec?)
    }

    enum Field: String, Sendable, CaseIterable {
        case epoch, phase, loss, acc, val_loss, val_acc, lr
        var isInteger: Bool { self == .epoch || self == .phase }
    }

    struct Spec: Sendable, Equatable {
        var zeroPad: Bool
        var width: Int
        var precision: Int?
        var type: Character?
        /// The printf flags and width: `05`, `5`, or nothing.
        var flagsAndWidth: String { width > 0 ? (zeroPad ? "0" : "") + String(width) : "" }
    }

    /// Parses `template`; throws ``PathTemplateError`` naming the placeholder that is wrong.
    package init(_ template: String) throws {
        self.template = template
        var parts: [Part] = []
        var literal = ""
        var i = template.startIndex
        while i < template.endIndex {
            let c = template[i]
            let next = template.index(after: i)
            if c == "{", next < template.endIndex, template[next] == "{" {
                literal.append("{"); i = template.index(after: next); continue
            }
            if c == "}", next < template.endIndex, template[next] == "}" {
                literal.append("}"); i = template.index(after: next); continue
            }
            if c == "}" { throw PathTemplateError.unbalanced(template: template) }
            if c == "{" {
                guard let close = template[next...].firstIndex(of: "}") else {
                    throw PathTemplateError.unbalanced(template: template)
                }
                if !literal.isEmpty { parts.append(.literal(literal)); literal = "" }
                parts.append(try Self.parseField(String(template[next..<close]), template: template))
                i = template.index(after: close)
                continue
            }
            literal.append(c)
            i = next
        }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        self.parts = parts
    }

    package var description: String { template }

    /// Whether the template mentions `field` (e.g. `"val_loss"`).
    package func uses(_ field: String) -> Bool {
        parts.contains { if case let .field(f, _) = $0 { return f.rawValue == field }; return false }
    }

    /// The path for `record`; throws when the template names a value the epoch lacks
    /// (`val_loss` without validation, `lr` unknown).
    package func path(for record: EpochRecord) throws -> String {
        var out = ""
        for part in parts {
            switch part {
            case let .literal(text): out += text
            case let .field(field, spec):
                let value: Double?
                switch field {
                case .epoch: out += Self.format(integer: record.epoch, spec); continue
                case .phase: out += Self.format(integer: record.phase, spec); continue
                case .loss: value = record.loss
                case .acc: value = record.accuracy
                case .val_loss: value = record.validationLoss
                case .val_acc: value = record.validationAccuracy
                case .lr: value = record.learningRate
                }
                guard let value else {
                    throw PathTemplateError.missingValue(field: field.rawValue, epoch: record.epoch, template: template)
                }
                out += Self.format(number: value, spec)
            }
        }
        return out
    }

    private static func parseField(_ body: String, template: String) throws -> Part {
        let pieces = body.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let name = String(pieces[0])
        guard let field = Field(rawValue: name) else {
            throw PathTemplateError.unknownField(name, template: template)
        }
        guard pieces.count == 2 else { return .field(field, nil) }
        var spec = Spec(zeroPad: false, width: 0, precision: nil, type: nil)
        var rest = Substring(pieces[1])
        if rest.first == "0" { spec.zeroPad = true; rest = rest.dropFirst() }
        let width = rest.prefix { $0.isASCII && $0.isNumber }
        spec.width = Int(width) ?? 0
        rest = rest.dropFirst(width.count)
        if rest.first == "." {
            rest = rest.dropFirst()
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard let p = Int(digits) else { throw PathTemplateError.badSpec(body, template: template) }
            spec.precision = p
            rest = rest.dropFirst(digits.count)
        }
        if let t = rest.first {
            guard "dfeg".contains(t), rest.count == 1 else { throw PathTemplateError.badSpec(body, template: template) }
            spec.type = t
        }
        if spec.type == "d", !field.isInteger || spec.precision != nil {
            throw PathTemplateError.badSpec(body, template: template)
        }
        return .field(field, spec)
    }

    private static func format(integer: Int, _ spec: Spec?) -> String {
        guard let spec else { return String(integer) }
        if let t = spec.type, t != "d" { return format(number: Double(integer), spec) }
        return String(format: "%\(spec.flagsAndWidth)ld", integer)
    }

    private static func format(number: Double, _ spec: Spec?) -> String {
        guard let spec, spec.type != nil || spec.precision != nil else {
            let text = pythonRepr(number)
            let width = spec?.width ?? 0
            guard text.count < width else { return text }
            return String(repeating: spec?.zeroPad == true ? "0" : " ", count: width - text.count) + text
        }
        let type = spec.type ?? "g"
        return String(format: "%\(spec.flagsAndWidth).\(spec.precision ?? 6)\(type)", number)
    }
}

/// A checkpoint path template that cannot be filled.
package enum PathTemplateError: Error, CustomStringConvertible, Equatable {
    /// A `{` without its `}`, or a lone `}`.
    case unbalanced(template: String)
    /// A field name that is not one of the known ones.
    case unknownField(String, template: String)
    /// A format spec this template language does not support.
    case badSpec(String, template: String)
    /// The epoch has no value for a field the template uses.
    case missingValue(field: String, epoch: Int, template: String)

    package var description: String {
        let fields = PathTemplate.Field.allCases.map(\.rawValue).joined(separator: ", ")
        switch self {
        case let .unbalanced(t):
            return "path template '\(t)' has an unmatched brace; write {{ or }} for a literal brace"
        case let .unknownField(name, t):
            return "path template '\(t)' names '{\(name)}'; known fields: \(fields)"
        case let .badSpec(body, t):
            return "path template '\(t)': '{\(body)}' has an unsupported format; use e.g. {epoch:03d}, {val_loss:.2f}"
        case let .missingValue(field, epoch, t):
            return "path template '\(t)' needs '\(field)', which epoch \(epoch) does not have (no validation data?)"
        }
    }
}
