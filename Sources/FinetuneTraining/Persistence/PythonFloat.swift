/// Formats `x` exactly as Python's `repr(float)` (and so `str`, `json.dumps`, `csv.writer`) does:
/// the shortest digits that read back to the same double, in fixed notation when the decimal
/// exponent e of the first digit satisfies −4 ≤ e < 16 (always with a fractional part: `100.0`),
/// otherwise scientific with a signed two-digit-minimum exponent (`1e-05`, `1.5e+16`).
/// Non-finite values: `nan`, `inf`, `-inf` (`json` spells them differently; see ``jsonNumber(_:)``).
///
/// Swift's `description` already yields the shortest round-tripping digits; only the notation
/// threshold differs (Swift switches to scientific at 2⁵³, Python at 10¹⁶), so the digits are
/// taken from it and re-laid out.
package func pythonRepr(_ x: Double) -> String {
    if x.isNaN { return "nan" }
    if x.isInfinite { return x < 0 ? "-inf" : "inf" }
    let sign = x.sign == .minus ? "-" : ""
    let text = abs(x).description
    // Split Swift's text into significant digits and the exponent of the first digit.
    var mantissa = Substring(text)
    var exponent = 0
    if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
        mantissa = text[..<e]
        exponent = Int(text[text.index(after: e)...]) ?? 0
    }
    let point = mantissa.firstIndex(of: ".") ?? mantissa.endIndex
    let integerDigits = mantissa.distance(from: mantissa.startIndex, to: point)
    var digits = Array(mantissa.filter { $0 != "." })
    let leadingZeros = digits.prefix { $0 == "0" }.count
    if leadingZeros == digits.count { return sign + "0.0" }
    digits.removeFirst(leadingZeros)
    while digits.count > 1, digits.last == "0" { digits.removeLast() }
    let e = exponent + integerDigits - 1 - leadingZeros
    if e >= -4 && e < 16 {
        if e < 0 { return sign + "0." + String(repeating: "0", count: -e - 1) + String(digits) }
        if digits.count <= e + 1 {
            return sign + String(digits) + String(repeating: "0", count: e + 1 - digits.count) + ".0"
        }
        return sign + String(digits[...e]) + "." + String(digits[(e + 1)...])
    }
    let head = String(digits[0]) + (digits.count > 1 ? "." + String(digits[1...]) : "")
    let exponentText = (e < 0 ? "-" : "+") + (abs(e) < 10 ? "0" : "") + String(abs(e))
    return sign + head + "e" + exponentText
}

/// A double as Python's `json.dumps` writes it: ``pythonRepr(_:)`` for finite values, and the
/// non-standard `NaN`, `Infinity`, `-Infinity` that Python's `json.loads` (and JSON5) read back.
package func jsonNumber(_ x: Double) -> String {
    if x.isNaN { return "NaN" }
    if x.isInfinite { return x < 0 ? "-Infinity" : "Infinity" }
    return pythonRepr(x)
}
