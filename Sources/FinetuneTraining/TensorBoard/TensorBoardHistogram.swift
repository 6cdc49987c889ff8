/// A histogram of values as TensorFlow's `HistogramProto` stores it
/// (`tensorflow/core/framework/summary.proto`): count, sum, sum of squares, extremes, and bucket
/// counts with each bucket's right edge.
///
/// Buckets are `bucketCount` equal-width intervals from `min` to `max`, closed on the right as
/// TensorFlow reads them: bucket i holds the values in (limit[i − 1], limit[i]], the first one
/// also `min`; the last right edge is exactly `max`. All values equal: one bucket.
package struct TensorBoardHistogram: Sendable, Equatable {
    package var min: Double
    package var max: Double
    package var count: Double
    package var sum: Double
    package var sumOfSquares: Double
    /// Right edge of each bucket (`bucket_limit`).
    package var bucketLimits: [Double]
    /// Values in each bucket (`bucket`).
    package var bucketCounts: [Double]

    /// The histogram of `values` in `bucketCount` buckets (NaN and infinite values are skipped,
    /// since a histogram of them has no edges; none at all gives one empty bucket at 0).
    package init(_ values: some Collection<Float>, bucketCount: Int = 30) {
        var lo = Double.infinity, hi = -Double.infinity, n = 0.0, s = 0.0, ss = 0.0
        for v in values where v.isFinite {
            let d = Double(v)
            lo = Swift.min(lo, d); hi = Swift.max(hi, d)
            n += 1; s += d; ss += d * d
        }
        guard n > 0 else {
            self.init(min: 0, max: 0, count: 0, sum: 0, sumOfSquares: 0, bucketLimits: [0], bucketCounts: [0])
            return
        }
        let k = hi > lo ? Swift.max(1, bucketCount) : 1
        let width = (hi - lo) / Double(k)
        var counts = [Double](repeating: 0, count: k)
        for v in values where v.isFinite {
            let i = width > 0 ? Int(((Double(v) - lo) / width).rounded(.up)) - 1 : 0
            counts[Swift.min(Swift.max(i, 0), k - 1)] += 1
        }
        let limits = (0..<k).map { $0 == k - 1 ? hi : lo + Double($0 + 1) * width }
        self.init(min: lo, max: hi, count: n, sum: s, sumOfSquares: ss, bucketLimits: limits, bucketCounts: counts)
    }

    /// A histogram with the given fields.
    package init(min: Double, max: Double, count: Double, sum: Double, sumOfSquares: Double,
                bucketLimits: [Double], bucketCounts: [Double]) {
        self.min = min; self.max = max; self.count = count; self.sum = sum
        self.sumOfSquares = sumOfSquares; self.bucketLimits = bucketLimits; self.bucketCounts = bucketCounts
    }

    func encode(into w: inout ProtobufWriter) {
        w.double(1, min)
        w.double(2, max)
        w.double(3, count)
        w.double(4, sum)
        w.double(5, sumOfSquares)
        w.packedDoubles(6, bucketLimits)
        w.packedDoubles(7, bucketCounts)
    }
}
