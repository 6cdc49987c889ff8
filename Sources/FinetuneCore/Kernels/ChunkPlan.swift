import Synchronization

/// How a convolution-like kernel splits its output rows over threads and chunks.
///
/// The output is `rows` rows of `unitsPerRow` units each (output pixels for im2col, 2×2 output
/// tiles for Winograd), contiguous in memory row after row. Either Finetune's threads each take
/// one contiguous share of rows and call single-threaded OpenBLAS on their own chunks, or (when a
/// share would be too small to amortise packing the k × f matrix) one chunk after another runs
/// on the calling thread and Finetune's threads split each GEMM (``sgemm(transposeA:transposeB:m:n:k:alpha:_:lda:_:ldb:beta:_:ldc:threads:)``)
/// and the chunk's gather/scatter work. This assumes OpenBLAS runs one thread per call, as the
/// application sets with `Runtime.configureProcess()`; where it runs threads of its own, the results
/// are the same and the two pools share the cores. A chunk's scratch (its patch
/// matrix) is `bytesPerUnit` per unit and aims at ``ConvolutionOptions/chunkBytes``.
struct ChunkPlan {
    let rows: Int
    let unitsPerRow: Int
    /// Finetune threads, each with one share of the rows (1 when the threads split each GEMM instead).
    let threads: Int
    /// Finetune threads that split each GEMM and each gather/scatter pass of a chunk (1 when
    /// every thread owns a share of the rows).
    let gemmThreads: Int
    /// Rows per chunk (before a share is divided into equal chunks).
    let rowsPerChunk: Int

    /// Threads that split a chunk's GEMMs and gather/scatter work (``gemmThreads``).
    var helperThreads: Int { gemmThreads }

    /// - Parameters:
    ///   - filters: the GEMM's f; a chunk holds at least `pixelsPerFilter·f` units.
    ///   - minimumShareRows: a share must hold at least this many rows; fewer threads otherwise.
    ///   - wholeShares: one chunk per share (no scratch to bound).
    init(rows: Int, unitsPerRow: Int, bytesPerUnit: Int, filters: Int, options: ConvolutionOptions,
         minimumShareRows: Int = 1, wholeShares: Bool = false) {
        self.rows = rows
        self.unitsPerRow = unitsPerRow
        let requested = options.resolvedThreads
        let units = rows * unitsPerRow
        var useChunks: Bool
        switch options.threading {
        case .chunks: useChunks = true
        case .splitGEMM: useChunks = false
        case .automatic: useChunks = units / requested >= options.minimumChunkPixels
        }
        if requested == 1 { useChunks = true }
        let limit = max(1, rows / max(minimumShareRows, 1))
        threads = useChunks ? max(1, min(requested, rows, limit)) : 1
        gemmThreads = useChunks ? 1 : requested
        // One buffer per Finetune thread, or one shared buffer of the whole budget when the threads split each GEMM.
        let budget = useChunks ? options.chunkBytes : options.chunkBytes * requested
        let rowBytes = max(unitsPerRow * bytesPerUnit, 1)
        let minimumUnits = max(options.minimumChunkPixels, options.pixelsPerFilter * filters)
        let byUnits = (minimumUnits + unitsPerRow - 1) / max(unitsPerRow, 1)
        let cap = max(1, options.maximumChunkBytes / rowBytes)
        rowsPerChunk = wholeShares ? max(rows, 1) : min(cap, max(1, budget / rowBytes, byUnits))
    }

    /// The rows of thread `t`: `rows·t/threads ..< rows·(t+1)/threads`.
    func share(_ t: Int) -> Range<Int> { (rows * t / threads)..<(rows * (t + 1) / threads) }

    /// Splits `range` into ⌈count / rowsPerChunk⌉ chunks of (nearly) equal size, in order.
    func forEachChunk(in range: Range<Int>, _ body: (Range<Int>) -> Void) {
        guard !range.isEmpty else { return }
        let pieces = (range.count + rowsPerChunk - 1) / rowsPerChunk
        for c in 0..<pieces {
            let lo = range.lowerBound + range.count * c / pieces
            let hi = range.lowerBound + range.count * (c + 1) / pieces
            if lo < hi { body(lo..<hi) }
        }
    }

    /// Largest chunk in units (for sizing scratch): ``forEachChunk(in:_:)`` never makes a chunk
    /// longer than ``rowsPerChunk`` or than a share.
    var maximumChunkUnits: Int { min(rowsPerChunk, (rows + threads - 1) / threads) * unitsPerRow }

    /// Runs `body(t, next)` on every thread, where `next()` hands out the chunks of all shares
    /// (the chunks of ``forEachChunk(in:_:)`` of each ``share(_:)``, each share's last one cut in
    /// two) to whichever thread asks first, and nil when none are left. A thread that the host
    /// slows down, or whose chunks were cheaper, no longer leaves the other idle at the end of the
    /// layer. Only for work whose results do not depend on which thread runs a chunk (each chunk
    /// writes its own outputs from its own scratch).
    func runSharingChunks(_ body: (_ thread: Int, _ next: () -> Range<Int>?) -> Void) {
        // Every share's chunks but its last, then those last ones cut in two: the big pieces go
        // first and the halves fill in at the end, so the threads finish at most half a chunk apart.
        var list: [Range<Int>] = [], tail: [Range<Int>] = []
        for t in 0..<threads {
            var last: Range<Int>?
            forEachChunk(in: share(t)) { chunk in
                if let last { list.append(last) }
                last = chunk
            }
            guard let last else { continue }
            let middle = last.lowerBound + last.count / 2
            tail += threads > 1 && middle > last.lowerBound ? [last.lowerBound..<middle, middle..<last.upperBound] : [last]
        }
        let chunks = list + tail
        let taken = Atomic<Int>(0)
        run { t, _ in
            body(t) {
                let index = taken.wrappingAdd(1, ordering: .relaxed).oldValue
                return index < chunks.count ? chunks[index] : nil
            }
        }
    }

    /// Runs `body(t, share(t))` for every thread.
    func run(_ body: (Int, Range<Int>) -> Void) {
        if threads == 1 { body(0, 0..<rows); return }
        Parallel.forEach(threads, threads: threads) { t in body(t, share(t)) }
    }
}
