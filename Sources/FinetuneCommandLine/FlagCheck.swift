import ArgumentParser

/// One message shape for every flag error: `--flag: value is out of range; use 1…4096`,
/// `--flag: value is not accepted; use …`.
enum FlagCheck {
    static func integer(_ flag: String, _ value: Int?, in range: ClosedRange<Int>, note: String = "") throws {
        guard let value, !range.contains(value) else { return }
        throw ValidationError("\(flag): \(value) is out of range; use \(range.lowerBound)…\(range.upperBound)\(note)")
    }

    static func real<T: BinaryFloatingPoint>(_ flag: String, _ value: T?, _ accepted: String,
                                             _ isValid: (T) -> Bool) throws {
        guard let value, !(value.isFinite && isValid(value)) else { return }
        throw ValidationError("\(flag): \(value) is not accepted; use \(accepted)")
    }

    static func word(_ flag: String, _ value: String?, in words: [String]) throws {
        guard let value, !words.contains(value) else { return }
        throw notAccepted(flag, value, words: words)
    }

    static func notAccepted(_ flag: String, _ value: String, words: [String]) -> ValidationError {
        ValidationError("\(flag): '\(value)' is not accepted; use \(words.dropLast().joined(separator: ", ")) or \(words.last ?? "")")
    }
}
