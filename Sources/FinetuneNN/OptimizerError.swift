import FinetuneCore

/// Errors about optimizer state and inputs; each names the key and what was expected.
public enum OptimizerError: Error, Equatable, CustomStringConvertible {
    /// A state key is not `"<parameter key>/<slot>"` with a slot this optimizer (as configured) uses.
    case unknownSlot(key: String, optimizer: String, slots: [String])
    /// Slots of one parameter disagree in shape.
    case slotShapeMismatch(key: String, expected: Shape, got: Shape)
    /// A restored iteration count is negative.
    case negativeIterations(Int)
    /// Two parameter groups (``Optimizers/parameterGroups(_:groups:rates:in:)``) hold the same parameter.
    case parameterInTwoGroups(key: String)

    public var description: String {
        switch self {
        case let .unknownSlot(key, optimizer, slots):
            return "optimizer state '\(key)' is not '<parameter key>/<slot>' with a slot \(optimizer) uses (\(slots.joined(separator: ", "))); was it saved by another optimizer or configuration?"
        case let .slotShapeMismatch(key, expected, got):
            return "optimizer state '\(key)': expected shape \(expected), got \(got)"
        case let .negativeIterations(n):
            return "optimizer iterations must be ≥ 0, got \(n)"
        case let .parameterInTwoGroups(key):
            return "parameter '\(key)' is in two parameter groups; list each layer in one group only"
        }
    }
}
