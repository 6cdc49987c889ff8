import Testing
@testable import FinetuneTraining

@Suite("Python float formatting")
struct PythonFloatTests {
    // Expected strings are Python 3.11's repr() of the same doubles.
    @Test("pythonRepr matches Python's repr", arguments: [
        (0.1, "0.1"), (1.0, "1.0"), (100.0, "100.0"), (-0.0, "-0.0"), (0.0, "0.0"),
        (1e-05, "1e-05"), (2e-05, "2e-05"), (0.0001, "0.0001"), (0.00012345, "0.00012345"),
        (1.0 / 3.0, "0.3333333333333333"), (0.6931471824645996, "0.6931471824645996"),
        (1e15, "1000000000000000.0"), (9.5e15, "9500000000000000.0"), (1e16, "1e+16"),
        (1.2345678901234568e+17, "1.2345678901234568e+17"), (123.456, "123.456"),
        (Double.leastNonzeroMagnitude, "5e-324"), (-2.5e-7, "-2.5e-07"), (1e100, "1e+100"), (12345.0, "12345.0"),
        (Double.nan, "nan"), (Double.infinity, "inf"), (-Double.infinity, "-inf"),
    ])
    func repr(value: Double, expected: String) {
        #expect(pythonRepr(value) == expected)
    }

    @Test("jsonNumber spells non-finite values as Python's json does")
    func json() {
        #expect(jsonNumber(.nan) == "NaN")
        #expect(jsonNumber(.infinity) == "Infinity")
        #expect(jsonNumber(-.infinity) == "-Infinity")
        #expect(jsonNumber(0.25) == "0.25")
    }
}
