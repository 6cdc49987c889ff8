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
    static func decompress(_ source: UnsafeRawBufferPointer, size: Int) throws -> [UInt8] {
        guard let context = ZSTD_createDCtx() else { throw Failure(reason: "out of memory (ZSTD_createDCtx)") }
        defer { ZSTD_freeDCtx(context) }
        var failure: Failure?
        let out = [UInt8](unsafeUninitializedCapacity: size) { dst, count in
            count = 0
            do {
                let produced = try check(ZSTD_decompressDCtx(context, dst.baseAddress, dst.count, source.baseAddress, source.count))
                guard produced == size else {
                    throw Failure(reason: "the compressed payload expands to \(produced) bytes, the preamble says \(size)")
                }
                count = produced
            } catch {
                failure = error as? Failure
            }
        }
        if let failure { throw failure }
        return out
    }

    @discardableResult
    private static func check(_ code: Int) throws -> Int {
        if ZSTD_isError(code) != 0 { throw Failure(reason: String(cString: ZSTD_getErrorName(code))) }
        return code
    }
}
