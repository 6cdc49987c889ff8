#if MPI
import CMPI
import Foundation

/// The processes of an MPI job (`MPI_COMM_WORLD`), with the few collectives data-parallel
/// training needs. Create one per process, before any other MPI use, on the thread that will
/// make every MPI call (MPI runs in `MPI_THREAD_FUNNELED` mode: Finetune's worker threads never
/// call MPI). MPI is finalized when ``finalize()`` is called; errors inside MPI abort the job
/// (MPI's default handler), so no process waits on a peer that has failed.
package final class MPICommunicator: @unchecked Sendable {
    /// This process's rank in `0 ..< size`.
    package let rank: Int
    /// Processes in the job.
    package let size: Int
    /// Payload bytes passed to the `sum` reductions so far (what each process contributes, not
    /// what crosses the network).
    package private(set) var bytesReduced = 0
    /// Sum reductions made so far (blocking and begun).
    package private(set) var reductions = 0
    /// Wall-clock seconds the caller spent inside sum reductions so far: the whole of each
    /// blocking one, and for the non-blocking ones the time spent starting, testing and waiting
    /// on them — the reduction time the caller was exposed to; what ran while the caller computed
    /// is not counted.
    package private(set) var reductionSeconds = 0.0

    private let world: MPI_Comm
    private var finalized = false
    /// Requests of the non-blocking sums begun and not yet waited for, oldest first.
    private var pending = Array(repeating: cmpi_request_null(), count: 0)

    /// Initializes MPI (`MPI_Init_thread`, funneled). Throws when MPI cannot start or offers
    /// less thread support than funneled.
    package init() throws {
        var initialized: Int32 = 0
        MPI_Initialized(&initialized)
        if initialized == 0 {
            var provided: Int32 = 0
            let status = MPI_Init_thread(nil, nil, cmpi_thread_funneled(), &provided)
            guard status == cmpi_success() else { throw DistributedError.mpi(call: "MPI_Init_thread", code: Int(status)) }
            guard provided >= cmpi_thread_funneled() else {
                throw DistributedError.threadSupport(provided: Int(provided))
            }
        }
        world = cmpi_comm_world()
        var r: Int32 = 0, s: Int32 = 0
        MPI_Comm_rank(world, &r)
        MPI_Comm_size(world, &s)
        rank = Int(r)
        size = Int(s)
    }

    /// Replaces `buffer` by its elementwise sum over all processes (`MPI_Allreduce`, in place).
    package func sum(_ buffer: inout [Float]) throws {
        let start = DispatchTime.now().uptimeNanoseconds
        let status = buffer.withUnsafeMutableBufferPointer { p in
            MPI_Allreduce(cmpi_in_place(), p.baseAddress, Int32(p.count), cmpi_float(), cmpi_sum(), world)
        }
        try record(status, call: "MPI_Allreduce", bytes: buffer.count * MemoryLayout<Float>.size, since: start)
    }

    /// Replaces `buffer` by its elementwise sum over all processes (`MPI_Allreduce`, in place).
    package func sum(_ buffer: UnsafeMutableBufferPointer<Float>) throws {
        let start = DispatchTime.now().uptimeNanoseconds
        let status = MPI_Allreduce(cmpi_in_place(), buffer.baseAddress, Int32(buffer.count), cmpi_float(), cmpi_sum(), world)
        try record(status, call: "MPI_Allreduce", bytes: buffer.count * MemoryLayout<Float>.size, since: start)
    }

    /// Replaces `buffer` by its elementwise sum over all processes (`MPI_Allreduce`, in place).
    package func sum(_ buffer: inout [Double]) throws {
        let start = DispatchTime.now().uptimeNanoseconds
        let status = buffer.withUnsafeMutableBufferPointer { p in
            MPI_Allreduce(cmpi_in_place(), p.baseAddress, Int32(p.count), cmpi_double(), cmpi_sum(), world)
        }
        try record(status, call: "MPI_Allreduce", bytes: buffer.count * MemoryLayout<Double>.size, since: start)
    }

    /// Starts replacing `buffer` by its elementwise sum over all processes (`MPI_Iallreduce`,
    /// in place) and returns at once. `buffer` must stay allocated and untouched until
    /// ``waitForSums()`` returns; every process must begin the same sums in the same order.
    package func beginSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws {
        let start = DispatchTime.now().uptimeNanoseconds
        var request = cmpi_request_null()
        let status = MPI_Iallreduce(cmpi_in_place(), buffer.baseAddress, Int32(buffer.count), cmpi_float(), cmpi_sum(),
                                    world, &request)
        pending.append(request)
        try record(status, call: "MPI_Iallreduce", bytes: buffer.count * MemoryLayout<Float>.size, since: start)
    }

    /// Lets the begun sums advance without waiting (`MPI_Testall`): with MPI progressing only
    /// inside MPI calls, a caller that computes between sums calls this now and then.
    package func progressSums() throws {
        guard !pending.isEmpty else { return }
        let start = DispatchTime.now().uptimeNanoseconds
        var done: Int32 = 0
        let status = pending.withUnsafeMutableBufferPointer { p in
            MPI_Testall(Int32(p.count), p.baseAddress, &done, cmpi_statuses_ignore())
        }
        if done != 0 { pending.removeAll() }
        try time(status, call: "MPI_Testall", since: start)
    }

    /// Returns when every begun sum is complete (`MPI_Waitall`).
    package func waitForSums() throws {
        guard !pending.isEmpty else { return }
        let start = DispatchTime.now().uptimeNanoseconds
        let status = pending.withUnsafeMutableBufferPointer { p in
            MPI_Waitall(Int32(p.count), p.baseAddress, cmpi_statuses_ignore())
        }
        pending.removeAll()
        try time(status, call: "MPI_Waitall", since: start)
    }

    /// Replaces `buffer` on every process by rank `root`'s (`MPI_Bcast`).
    package func broadcast(_ buffer: inout [Float], from root: Int = 0) throws {
        let status = buffer.withUnsafeMutableBufferPointer { p in
            MPI_Bcast(p.baseAddress, Int32(p.count), cmpi_float(), Int32(root), world)
        }
        guard status == cmpi_success() else { throw DistributedError.mpi(call: "MPI_Bcast", code: Int(status)) }
    }

    /// Every process's `value`, indexed by rank (`MPI_Allgather`).
    package func gather(_ value: UInt64) throws -> [UInt64] {
        var mine = value
        var all = [UInt64](repeating: 0, count: size)
        let status = all.withUnsafeMutableBufferPointer { p in
            MPI_Allgather(&mine, 1, cmpi_uint64(), p.baseAddress, 1, cmpi_uint64(), world)
        }
        guard status == cmpi_success() else { throw DistributedError.mpi(call: "MPI_Allgather", code: Int(status)) }
        return all
    }

    /// Waits until every process has called it (`MPI_Barrier`).
    package func barrier() throws {
        let status = MPI_Barrier(world)
        guard status == cmpi_success() else { throw DistributedError.mpi(call: "MPI_Barrier", code: Int(status)) }
    }

    /// Prints `message` to standard error and ends every process of the job with `code`
    /// (`MPI_Abort`). Does not return.
    package func abort(_ message: String, code: Int32 = 1) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        MPI_Abort(world, code)
        exit(code)  // MPI_Abort does not return; this satisfies the type checker
    }

    /// Finalizes MPI (`MPI_Finalize`); call once, after the last collective, on every process.
    package func finalize() {
        guard !finalized else { return }
        finalized = true
        MPI_Finalize()
    }

    /// Zeroes ``bytesReduced``, ``reductions`` and ``reductionSeconds``.
    package func resetCounters() {
        bytesReduced = 0
        reductions = 0
        reductionSeconds = 0
    }

    private func record(_ status: Int32, call: String, bytes: Int, since start: UInt64) throws {
        try time(status, call: call, since: start)
        bytesReduced += bytes
        reductions += 1
    }

    private func time(_ status: Int32, call: String, since start: UInt64) throws {
        reductionSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        guard status == cmpi_success() else { throw DistributedError.mpi(call: call, code: Int(status)) }
    }
}
#endif
