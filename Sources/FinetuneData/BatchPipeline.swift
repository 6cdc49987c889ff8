import Foundation
import Synchronization

/// Runs batch plans on worker threads, keeping the next `depth` batches in flight.
///
/// The consumer asks for a batch position; if it is the one prefetched next, it waits for it,
/// otherwise (a seek, or a copy of the source used elsewhere) the window restarts there. Work is
/// one task per sample, taken in batch order; each task writes its own slot of the batch buffer.
/// Every random choice is in the plan, so the result does not depend on the worker count.
/// ``shutdown()`` (called when the owning source is released) stops and joins the workers.
final class BatchPipeline: @unchecked Sendable {
    /// Finished batch: samples, their floats (slot-major) and class labels, plus the slots that failed.
    struct Result {
        let plan: BatchPlan
        let images: [Float]
        /// Per slot, the label the writer returned (meaningless for a failed slot).
        let labels: [Int]
        let failures: [(slot: Int, error: any Error)]
    }

    /// Worker threads alive in the process (for tests that check nothing leaks).
    static let liveWorkers = Atomic<Int>(0)

    private final class Job: @unchecked Sendable {
        let plan: BatchPlan
        let buffer: UnsafeMutableBufferPointer<Float>
        var remaining: Int
        var labels: [Int]
        var failures: [(slot: Int, error: any Error)] = []
        private let pool: BufferPool
        init(plan: BatchPlan, scalars: Int, pool: BufferPool) {
            self.plan = plan
            self.pool = pool
            self.buffer = pool.take(max(scalars, 1))
            self.remaining = plan.samples.count
            self.labels = Array(repeating: 0, count: plan.samples.count)
        }
        deinit { pool.give(buffer) }
    }

    /// Batch buffers kept for reuse (fresh multi-megabyte allocations cost page faults).
    private final class BufferPool: @unchecked Sendable {
        private let lock = NSLock()
        private var free: [UnsafeMutableBufferPointer<Float>] = []
        private var taken = 0
        /// Buffers handed out and not yet given back (jobs alive).
        var inUse: Int {
            lock.lock()
            defer { lock.unlock() }
            return taken
        }
        func take(_ count: Int) -> UnsafeMutableBufferPointer<Float> {
            lock.lock()
            defer { lock.unlock() }
            taken += 1
            if let i = free.firstIndex(where: { $0.count == count }) { return free.remove(at: i) }
            return .allocate(capacity: count)
        }
        func give(_ buffer: UnsafeMutableBufferPointer<Float>) {
            lock.lock()
            defer { lock.unlock() }
            taken -= 1
            if free.count < 8 { free.append(buffer) } else { buffer.deallocate() }
        }
        deinit { for b in free { b.deallocate() } }
    }

    private let pool = BufferPool()

    private let planner: BatchPlanner
    private let writer: any SampleWriter
    private let workerCount: Int
    private let depth: Int
    private let condition = NSCondition()
    private let consumer = NSLock()
    // Guarded by `condition`:
    private var window: [Job] = []
    /// Slots to load, in order; a slot taken by a worker is set to nil at once, so the queue does
    /// not keep finished jobs (and their batch buffers) alive until it is compacted.
    private var queue: [(job: Job, slot: Int)?] = []
    private var queueHead = 0
    private var nextPosition = DataSourcePosition()
    private var started = 0
    private var running = 0
    private var stopping = false

    init(planner: BatchPlanner, writer: any SampleWriter, workers: Int, depth: Int) {
        self.planner = planner
        self.writer = writer
        self.workerCount = workers
        self.depth = max(depth, 1)
    }

    /// The batch at `position`, computed by the workers (or inline when there are none).
    /// Consumers (copies of a source used from several threads) are served one at a time.
    func batch(at position: DataSourcePosition) -> Result {
        consumer.lock()
        defer { consumer.unlock() }
        if workerCount == 0 {
            let plan = planner.plan(position)
            let job = Job(plan: plan, scalars: plan.samples.count * writer.sampleScalars, pool: pool)
            for slot in job.plan.samples.indices { run(job, slot) }
            let count = plan.samples.count * writer.sampleScalars  // the buffer holds ≥ 1 float
            return withExtendedLifetime(job) {
                Result(plan: job.plan, images: Array(UnsafeBufferPointer(rebasing: job.buffer[0..<count])),
                       labels: job.labels, failures: job.failures.sorted { $0.slot < $1.slot })
            }
        }
        condition.lock()
        startWorkers()
        if window.first?.plan.position != position {
            window.removeAll()
            queue.removeAll()
            queueHead = 0
            nextPosition = position
        }
        topUp()
        let job = window[0]
        while job.remaining > 0 { condition.wait() }
        window.removeFirst()
        topUp()
        condition.unlock()
        let count = job.plan.samples.count * writer.sampleScalars
        // `job.buffer` goes back to the pool (and may be handed to the next job's workers or freed)
        // as soon as the job is released, and Swift may release it right after its last use: keep
        // it alive until the floats are copied out.
        let images = withExtendedLifetime(job) { Array(UnsafeBufferPointer(rebasing: job.buffer[0..<count])) }
        return Result(plan: job.plan, images: images, labels: job.labels, failures: job.failures.sorted { $0.slot < $1.slot })
    }

    /// A new pipeline (own workers, empty window) planning `shard` of each batch.
    func sharded(_ shard: DataShard) -> BatchPipeline {
        var planner = self.planner
        planner.shard = shard
        return BatchPipeline(planner: planner, writer: writer, workers: workerCount, depth: depth)
    }

    /// A pipeline like this one (its own threads) serving the batches of `order`.
    func reordered(_ order: KerasBatchOrder) -> BatchPipeline {
        var planner = self.planner
        planner.order = order
        return BatchPipeline(planner: planner, writer: writer, workers: workerCount, depth: depth)
    }

    /// The part of each batch this pipeline plans.
    var shard: DataShard { planner.shard }

    /// Batch buffers held by jobs still alive (tests check that served batches are released).
    var buffersInUse: Int { pool.inUse }

    /// Worker threads of this pipeline that have not exited.
    var runningWorkers: Int {
        condition.lock()
        defer { condition.unlock() }
        return running
    }

    /// Stops the workers and waits until they have exited.
    func shutdown() {
        condition.lock()
        stopping = true
        queue.removeAll()
        queueHead = 0
        condition.broadcast()
        while running > 0 { condition.wait() }
        condition.unlock()
    }

    // MARK: - Under the lock

    private func topUp() {
        let perPass = planner.order.batchesPerPass
        while window.count < depth {
            let plan = planner.plan(nextPosition)
            let job = Job(plan: plan, scalars: plan.samples.count * writer.sampleScalars, pool: pool)
            window.append(job)
            for slot in plan.samples.indices { queue.append((job, slot)) }
            var next = nextPosition
            next.batch += 1
            if next.batch == perPass { next = DataSourcePosition(pass: next.pass + 1, batch: 0) }
            nextPosition = next
        }
        if queueHead > 1024 && queueHead * 2 > queue.count {
            queue.removeFirst(queueHead)
            queueHead = 0
        }
        condition.broadcast()
    }

    private func startWorkers() {
        while started < workerCount {
            started += 1
            running += 1
            BatchPipeline.liveWorkers.add(1, ordering: .relaxed)
            let thread = Thread { [self] in self.workLoop() }
            thread.name = "finetune-data-\(started)"
            thread.start()
        }
    }

    // MARK: - Workers

    private func workLoop() {
        condition.lock()
        while true {
            while queueHead >= queue.count && !stopping { condition.wait() }
            if stopping { break }
            let entry = queue[queueHead]
            queue[queueHead] = nil
            queueHead += 1
            guard let (job, slot) = entry else { continue }
            condition.unlock()
            run(job, slot)
            condition.lock()
        }
        running -= 1
        BatchPipeline.liveWorkers.subtract(1, ordering: .relaxed)
        condition.broadcast()
        condition.unlock()
    }

    /// Loads one slot; records a failure instead of throwing. Counts the slot done under the lock
    /// when workers are running.
    private func run(_ job: Job, _ slot: Int) {
        let n = writer.sampleScalars
        let out = UnsafeMutableBufferPointer(rebasing: job.buffer[(slot * n)..<((slot + 1) * n)])
        var failure: (any Error)? = nil
        var label = 0
        do {
            // `out` points into the job's buffer, which lives only as long as the job.
            label = try withExtendedLifetime(job) {
                try writer.write(job.plan.samples[slot], transform: job.plan.transforms[slot], into: out)
            }
        } catch {
            failure = error
        }
        if workerCount == 0 {
            if let failure { job.failures.append((slot, failure)) }
            job.labels[slot] = label
            job.remaining -= 1
            return
        }
        condition.lock()
        if let failure { job.failures.append((slot, failure)) }
        job.labels[slot] = label
        job.remaining -= 1
        if job.remaining == 0 { condition.broadcast() }
        condition.unlock()
    }
}

/// Owns a pipeline for a source value: when the last copy of the source is released, the
/// workers are stopped and joined.
final class PipelineOwner: Sendable {
    let pipeline: BatchPipeline
    init(_ pipeline: BatchPipeline) { self.pipeline = pipeline }
    deinit { pipeline.shutdown() }
}
