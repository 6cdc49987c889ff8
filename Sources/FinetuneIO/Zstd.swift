import CZstd

/// libzstd one-shot compression and decompression of whole buffers (checkpoint payloads).
///
/// Compression runs ``threads`` zstd worker threads when asked (the output then no longer depends
/// on how many workers ran, only on whether any did). zstd's own frame checksum is left off:
/// checkpoints carry their own XXH64 over the compressed bytes (see `CheckpointFormat.md`).
enum Zstd {
    /// Why libzstd refused; `reason` is `ZSTD_getErrorName`'s text.
    struct Failure: Error, CustomStringConvertible {
        var reason: String
        var description: String { reason }
    }

    /// The linked libzstd's version (`1.5.4`).
    static var version: String { String(cString: ZSTD_versionString()) }

    /// Lowest and highest accepted compression levels (negative levels trade ratio for speed).
    static var levels: ClosedRange<Int> { Int(ZSTD_minCLevel())...Int(ZSTD_maxCLevel()) }

    /// Compresses `source` into one zstd frame that records its content size.
    static func compress(_ source: UnsafeRawBufferPointer, level: Int, threads: Int) throws -> [UInt8] {
        guard let context = ZSTD_createCCtx() else { throw Failure(reason: "out of memory (ZSTD_createCCtx)") }
        defer { ZSTD_freeCCtx(context) }
        try check(ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, Int32(level)))
        try check(ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 0))
        if threads > 1 {
            // A libzstd built without threads refuses this; it then compresses on this thread.
            _ = ZSTD_CCtx_setParameter(context, ZSTD_c_nbWorkers, Int32(threads))
        }
        var failure: Failure?
        let out = [UInt8](unsafeUninitializedCapacity: ZSTD_compressBound(source.count)) { dst, count in
            do { count = try check(ZSTD_compress2(context, dst.baseAddress, dst.count, source.baseAddress, source.count)) } catch {
                failure = error as? Failure
                count = 0
            }
        }
        if let failure { throw failure }
        return out
    }

    /// Decompresses `source`, which must expand to exactly `size` bytes.
    ///
    /// `size` comes from a file and is not trusted: memory grows with what the frame really
    /// produces (streaming, 1 MiB at a time, first reserving no more than a float payload can
    /// plausibly need), so a damaged or crafted size makes this throw instead of allocating it.
    static func decompress(_ source: UnsafeRawBufferPointer, size: Int) throws -> [UInt8] {
        guard size >= 0 else { throw Failure(reason: "negative payload size \(size)") }
        let declared = ZSTD_getFrameContentSize(source.baseAddress, source.count)
        if declared == UInt64.max - 1 { throw Failure(reason: "the payload is not a zstd frame") }
        if declared != UInt64.max, declared != UInt64(size) {
            throw Failure(reason: "the zstd frame holds \(declared) bytes, the preamble says \(size)")
        }
        guard let stream = ZSTD_createDStream() else { throw Failure(reason: "out of memory (ZSTD_createDStream)") }
        defer { ZSTD_freeDStream(stream) }
        var out = [UInt8]()
        // Float weights compress by well under 4×; anything beyond grows as it is produced.
        out.reserveCapacity(min(size, 4 * source.count + (1 << 20)))
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var input = ZSTD_inBuffer(src: source.baseAddress, size: source.count, pos: 0)
        while true {
            let (remaining, produced) = try chunk.withUnsafeMutableBytes { buffer -> (Int, Int) in
                var output = ZSTD_outBuffer(dst: buffer.baseAddress, size: buffer.count, pos: 0)
                let remaining = try check(ZSTD_decompressStream(stream, &output, &input))
                return (remaining, output.pos)
            }
            guard produced <= size - out.count else {
                throw Failure(reason: "the compressed payload expands beyond the \(size) bytes the preamble says")
            }
            out.append(contentsOf: chunk[0..<produced])
            if remaining == 0 { break }   // the frame is complete
            if input.pos == input.size && produced == 0 {
                throw Failure(reason: "the compressed payload ends inside its zstd frame")
            }
        }
        guard input.pos == input.size else {
            throw Failure(reason: "\(input.size - input.pos) bytes follow the zstd frame")
        }
        guard out.count == size else {
            throw Failure(reason: "the compressed payload expands to \(out.count) bytes, the preamble says \(size)")
        }
        return out
    }

    @discardableResult
    private static func check(_ code: Int) throws -> Int {
        if ZSTD_isError(code) != 0 { throw Failure(reason: String(cString: ZSTD_getErrorName(code))) }
        return code
    }
}
